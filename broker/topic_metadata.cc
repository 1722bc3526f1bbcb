#include "broker/topic_metadata.h"

#include <cctype>
#include <charconv>
#include <random>

namespace runnel::broker {

TopicId random_topic_id() {
  std::random_device device;
  TopicId id;
  for (auto& b : id) b = static_cast<std::byte>(device());
  id[6] = (id[6] & std::byte{0x0f}) | std::byte{0x40};
  id[8] = (id[8] & std::byte{0x3f}) | std::byte{0x80};
  return id;
}

std::string encode_topic_metadata(const TopicMetadata& topic) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (auto b : topic.id) {
    id += kHex[std::to_integer<int>(b) >> 4];
    id += kHex[std::to_integer<int>(b) & 15];
  }
  std::string text = "id=" + id + "\npartitions=" + std::to_string(topic.partitions) +
                     "\nreplication.factor=" + std::to_string(topic.replication_factor) + "\n";
  if (!topic.assignment.empty()) {
    text += "assignment=";
    for (size_t p = 0; p < topic.assignment.size(); ++p) {
      if (p > 0) text += ';';
      for (size_t r = 0; r < topic.assignment[p].size(); ++r)
        text += (r > 0 ? "," : "") + std::to_string(topic.assignment[p][r]);
    }
    text += "\n";
  }
  for (const auto& [key, value] : topic.configs) text += "config." + key + "=" + value + "\n";
  return text;
}

std::optional<TopicMetadata> decode_topic_metadata(std::string_view name, std::string_view text) {
  TopicMetadata topic;
  topic.name = std::string(name);
  bool has_id = false, has_partitions = false;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "id" && value.size() == 32) {
      for (size_t i = 0; i < 16; ++i) {
        unsigned byte = 0;
        auto [p, ec] = std::from_chars(value.data() + 2 * i, value.data() + 2 * i + 2, byte, 16);
        if (ec != std::errc{} || p != value.data() + 2 * i + 2) return std::nullopt;
        topic.id[i] = static_cast<std::byte>(byte);
      }
      has_id = true;
    } else if (key == "partitions") {
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), topic.partitions);
      if (ec != std::errc{} || topic.partitions < 1) return std::nullopt;
      has_partitions = true;
    } else if (key == "replication.factor") {
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), topic.replication_factor);
      if (ec != std::errc{}) return std::nullopt;
    } else if (key == "assignment") {
      topic.assignment.emplace_back();
      for (size_t i = 0; i <= value.size(); ++i) {
        if (i == value.size() || value[i] == ';' || value[i] == ',') continue;
        auto end = value.find_first_of(",;", i);
        if (end == std::string_view::npos) end = value.size();
        int32_t node = -1;
        auto [p, ec] = std::from_chars(value.data() + i, value.data() + end, node);
        if (ec != std::errc{} || p != value.data() + end) return std::nullopt;
        topic.assignment.back().push_back(node);
        if (end < value.size() && value[end] == ';') topic.assignment.emplace_back();
        i = end;
      }
    } else if (key.starts_with("config.")) {
      topic.configs[std::string(key.substr(7))] = std::string(value);
    } else {
      return std::nullopt;
    }
  }
  if (!has_id || !has_partitions) return std::nullopt;
  if (!topic.assignment.empty() && topic.assignment.size() != static_cast<size_t>(topic.partitions)) return std::nullopt;
  return topic;
}

bool valid_topic_name(std::string_view name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace runnel::broker
