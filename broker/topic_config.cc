#include "broker/topic_config.h"

#include <algorithm>

namespace runnel::broker {
namespace {
using T = ConfigType;
constexpr int64_t kIntMax = INT32_MAX;
}  // namespace

const std::vector<TopicConfigDef>& topic_config_defs() {
  static const std::vector<TopicConfigDef> defs{
      {{"segment.bytes", T::int_type, std::nullopt, 1024, kIntMax}, "log.segment.bytes"},
      {{"segment.ms", T::long_type, std::nullopt, 1}, "log.roll.ms"},
      {{"segment.index.bytes", T::int_type, std::nullopt, 12, kIntMax}, "log.index.size.max.bytes"},
      {{"index.interval.bytes", T::int_type, std::nullopt, 0, kIntMax}, "log.index.interval.bytes"},
      {{"max.message.bytes", T::int_type, std::nullopt, 0, kIntMax}, "message.max.bytes"},
      {{"flush.messages", T::long_type, std::nullopt, 1}, "log.flush.interval.messages"},
      {{"flush.ms", T::long_type, std::nullopt, 0}, "log.flush.interval.ms"},
      {{"retention.ms", T::long_type, std::nullopt, -1}, "log.retention.ms"},
      {{"retention.bytes", T::long_type, std::nullopt, -1}, "log.retention.bytes"},
      {{"cleanup.policy", T::list_type, std::nullopt, INT64_MIN, INT64_MAX, {"delete", "compact"}}, "log.cleanup.policy"},
      {{"delete.retention.ms", T::long_type, std::nullopt, 0}, "log.cleaner.delete.retention.ms"},
      {{"min.compaction.lag.ms", T::long_type, std::nullopt, 0}, "log.cleaner.min.compaction.lag.ms"},
      {{"min.cleanable.dirty.ratio", T::double_type, std::nullopt, 0, 1}, "log.cleaner.min.cleanable.ratio"},
      {{"compression.type", T::string_type, std::nullopt, INT64_MIN, INT64_MAX,
        {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}},
       "compression.type"},
      {{"message.timestamp.type", T::string_type, std::nullopt, INT64_MIN, INT64_MAX, {"CreateTime", "LogAppendTime"}},
       "log.message.timestamp.type"},
      {{"min.insync.replicas", T::int_type, std::nullopt, 1, kIntMax}, "min.insync.replicas"},
  };
  return defs;
}

namespace {
const TopicConfigDef* find_topic_def(const std::string& key) {
  for (const auto& d : topic_config_defs())
    if (d.def.name == key) return &d;
  return nullptr;
}
}  // namespace

std::optional<std::string> check_topic_config(const std::string& key, const std::string& value) {
  const TopicConfigDef* d = find_topic_def(key);
  if (!d) return "unknown topic config " + key;
  if (auto reason = d->def.check(value)) return "invalid value for " + key + ": '" + value + "' (" + *reason + ")";
  return std::nullopt;
}

std::optional<std::string> effective_topic_config(const BrokerConfig& broker, const TopicConfigs& overrides,
                                                  const std::string& key) {
  if (auto it = overrides.find(key); it != overrides.end()) return it->second;
  const TopicConfigDef* d = find_topic_def(key);
  if (!d) return std::nullopt;
  if (key == "segment.ms") return std::to_string(broker.log.segment_ms);
  if (key == "retention.ms") return std::to_string(broker.log.retention_ms);  // log.retention.ms|minutes|hours
  if (key == "flush.ms" && !broker.values.count("log.flush.interval.ms")) return std::to_string(INT64_MAX);
  if (auto it = broker.values.find(d->broker_key); it != broker.values.end()) return it->second;
  return std::nullopt;
}

namespace {
std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}
}  // namespace

std::optional<std::string> apply_config_ops(const BrokerConfig& broker, const std::vector<ConfigOp>& ops,
                                            TopicConfigs& overrides) {
  for (const auto& op : ops) {
    if (op.operation == ConfigOperation::set) {
      overrides[op.name] = op.value;
      continue;
    }
    if (op.operation == ConfigOperation::delete_) {
      overrides.erase(op.name);
      continue;
    }
    const bool append = op.operation == ConfigOperation::append;
    const TopicConfigDef* d = find_topic_def(op.name);
    if (!d) return "unknown topic config " + op.name;
    if (d->def.type != ConfigType::list_type)
      return std::string("cannot ") + (append ? "APPEND to " : "SUBTRACT from ") + op.name + ": it is not a list";
    auto items = parse_list(effective_topic_config(broker, overrides, op.name).value_or(""));
    for (const auto& item : parse_list(op.value)) {
      auto at = std::find(items.begin(), items.end(), item);
      if (append && at == items.end()) items.push_back(item);
      if (!append && at != items.end()) items.erase(at);
    }
    overrides[op.name] = join_list(items);
  }
  return std::nullopt;
}

storage::LogConfig make_log_config(const BrokerConfig& broker, const TopicConfigs& overrides) {
  storage::LogConfig log = broker.log;
  auto number = [&](const char* key, auto& field) {
    if (auto it = overrides.find(key); it != overrides.end())
      field = static_cast<std::remove_reference_t<decltype(field)>>(parse_long(it->second));
  };
  number("segment.bytes", log.segment_bytes);
  number("segment.ms", log.segment_ms);
  number("segment.index.bytes", log.segment_index_bytes);
  number("index.interval.bytes", log.index_interval_bytes);
  number("max.message.bytes", log.max_message_bytes);
  number("flush.messages", log.flush_interval_messages);
  number("flush.ms", log.flush_interval_ms);
  number("retention.ms", log.retention_ms);  // -1 (unlimited) is its minimum
  number("retention.bytes", log.retention_bytes);
  if (auto it = overrides.find("cleanup.policy"); it != overrides.end()) set_cleanup_policy(it->second, log);
  number("delete.retention.ms", log.delete_retention_ms);
  number("min.compaction.lag.ms", log.min_compaction_lag_ms);
  if (auto it = overrides.find("min.cleanable.dirty.ratio"); it != overrides.end())
    log.min_cleanable_dirty_ratio = parse_double(it->second);
  return log;
}

}  // namespace runnel::broker
