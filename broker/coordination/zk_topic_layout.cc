#include "broker/coordination/zk_topic_layout.h"

#include <charconv>

#include "broker/coordination/zk_json.h"

namespace runnel::broker {
namespace {

constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string int_list(const std::vector<int32_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "]";
}

std::optional<std::vector<int32_t>> decode_int_list(const Json* json) {
  if (json == nullptr || json->kind != Json::Kind::array) return std::nullopt;
  std::vector<int32_t> out;
  for (const auto& item : json->array) {
    if (item.kind != Json::Kind::number) return std::nullopt;
    out.push_back(static_cast<int32_t>(item.number));
  }
  return out;
}

// A decimal int64 held in a JSON string ("block_start":"1000").
std::optional<int64_t> decimal_string(const Json& json, std::string_view key) {
  auto text = json.string_at(key);
  if (!text) return std::nullopt;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || ptr != text->data() + text->size()) return std::nullopt;
  return value;
}

}  // namespace

std::string topic_path(std::string_view topic) { return std::string(kTopicsPath) + "/" + std::string(topic); }
std::string topic_config_path(std::string_view topic) {
  return std::string(kTopicConfigsPath) + "/" + std::string(topic);
}
std::string partitions_path(std::string_view topic) { return topic_path(topic) + "/partitions"; }
std::string partition_path(std::string_view topic, int32_t partition) {
  return partitions_path(topic) + "/" + std::to_string(partition);
}
std::string partition_state_path(std::string_view topic, int32_t partition) {
  return partition_path(topic, partition) + "/state";
}

std::string encode_topic_id(const TopicId& id) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (std::byte b : id) {
    acc = (acc << 8) | std::to_integer<uint32_t>(b);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64Url[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kBase64Url[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::optional<TopicId> decode_topic_id(std::string_view text) {
  if (text.size() != 22) return std::nullopt;
  TopicId id{};
  size_t n = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const auto digit = kBase64Url.find(c);
    if (digit == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(digit);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == id.size()) return std::nullopt;
      id[n++] = static_cast<std::byte>((acc >> bits) & 0xff);
    }
  }
  if (n != id.size() || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // 4 spare bits are zero
  return id;
}

std::string encode_topic_assignment(const TopicMetadata& topic) {
  std::string partitions;
  for (size_t p = 0; p < topic.assignment.size(); ++p)
    partitions += (p ? ",\"" : "\"") + std::to_string(p) + "\":" + int_list(topic.assignment[p]);
  return "{\"version\":3,\"topic_id\":" + json_quote(encode_topic_id(topic.id)) + ",\"partitions\":{" + partitions +
         "},\"adding_replicas\":{},\"removing_replicas\":{}}";
}

std::optional<TopicMetadata> decode_topic_assignment(std::string_view name, std::string_view data) {
  auto json = parse_json(data);
  if (!json) return std::nullopt;
  const Json* partitions = json->find("partitions");
  if (partitions == nullptr || partitions->kind != Json::Kind::object || partitions->object.empty())
    return std::nullopt;
  TopicMetadata topic;
  topic.name = std::string(name);
  if (auto id = json->string_at("topic_id")) {
    auto parsed = decode_topic_id(*id);
    if (!parsed) return std::nullopt;
    topic.id = *parsed;
  }
  topic.assignment.resize(partitions->object.size());
  for (const auto& [key, replicas] : partitions->object) {
    size_t p = 0;
    auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), p);
    if (ec != std::errc{} || ptr != key.data() + key.size() || p >= topic.assignment.size()) return std::nullopt;
    auto list = decode_int_list(&replicas);
    if (!list || list->empty()) return std::nullopt;
    topic.assignment[p] = std::move(*list);
  }
  topic.partitions = static_cast<int32_t>(topic.assignment.size());
  topic.replication_factor = static_cast<int16_t>(topic.assignment[0].size());
  return topic;
}

std::string encode_topic_configs(const TopicConfigs& configs) {
  std::string entries;
  for (const auto& [key, value] : configs)
    entries += (entries.empty() ? "" : ",") + json_quote(key) + ":" + json_quote(value);
  return "{\"version\":1,\"config\":{" + entries + "}}";
}

std::optional<TopicConfigs> decode_topic_configs(std::string_view data) {
  auto json = parse_json(data);
  if (!json) return std::nullopt;
  const Json* config = json->find("config");
  if (config == nullptr || config->kind != Json::Kind::object) return std::nullopt;
  TopicConfigs configs;
  for (const auto& [key, value] : config->object) {
    if (value.kind != Json::Kind::string) return std::nullopt;
    configs[key] = value.string;
  }
  return configs;
}

std::string encode_partition_state(const PartitionState& state) {
  return "{\"controller_epoch\":" + std::to_string(state.controller_epoch) + ",\"leader\":" +
         std::to_string(state.leader) + ",\"version\":1,\"leader_epoch\":" + std::to_string(state.leader_epoch) +
         ",\"isr\":" + int_list(state.isr) + "}";
}

std::optional<PartitionState> decode_partition_state(std::string_view data, int32_t version) {
  auto json = parse_json(data);
  if (!json) return std::nullopt;
  auto controller_epoch = json->number_at("controller_epoch");
  auto leader = json->number_at("leader");
  auto leader_epoch = json->number_at("leader_epoch");
  auto isr = decode_int_list(json->find("isr"));
  if (!controller_epoch || !leader || !leader_epoch || !isr) return std::nullopt;
  PartitionState state;
  state.leader = static_cast<int32_t>(*leader);
  state.leader_epoch = static_cast<int32_t>(*leader_epoch);
  state.isr = std::move(*isr);
  state.controller_epoch = static_cast<int32_t>(*controller_epoch);
  state.version = version;
  return state;
}

std::string encode_producer_id_block(const ProducerIdBlock& block) {
  return "{\"version\":1,\"broker\":" + std::to_string(block.broker) + ",\"block_start\":\"" +
         std::to_string(block.first) + "\",\"block_end\":\"" + std::to_string(block.last) + "\"}";
}

std::optional<ProducerIdBlock> decode_producer_id_block(std::string_view data) {
  auto json = parse_json(data);
  if (!json) return std::nullopt;
  auto broker = json->number_at("broker");
  auto first = decimal_string(*json, "block_start");
  auto last = decimal_string(*json, "block_end");
  if (!broker || !first || !last) return std::nullopt;
  return ProducerIdBlock{static_cast<int32_t>(*broker), *first, *last};
}

}  // namespace runnel::broker
