#pragma once
// Topic-level configs (Kafka names) and how they override the broker's
// defaults: segment.bytes <- log.segment.bytes, flush.messages <-
// log.flush.interval.messages, and so on.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/config.h"
#include "broker/config_def.h"
#include "storage/log_config.h"

namespace runnel::broker {

using TopicConfigs = std::map<std::string, std::string>;

struct TopicConfigDef {
  ConfigDef def;
  std::string broker_key;  // the broker default it overrides
};

const std::vector<TopicConfigDef>& topic_config_defs();

// The reason an override is invalid (unknown key, bad value), or nullopt.
std::optional<std::string> check_topic_config(const std::string& key, const std::string& value);

// IncrementalAlterConfigs' operations on one key (Kafka's AlterConfigOp.OpType ids).
enum class ConfigOperation : int8_t { set = 0, delete_ = 1, append = 2, subtract = 3 };

struct ConfigOp {
  std::string name;
  ConfigOperation operation = ConfigOperation::set;
  std::string value;  // unused by delete_
};

// Applies `ops` in order to `overrides`. SET stores the value, DELETE drops
// the override (the key reverts to its default). APPEND adds the items of the
// comma-separated value that are missing, SUBTRACT removes them; both start
// from the effective value (override, else broker default) and work only on
// list-type configs. Returns why an operation cannot apply (unknown key or
// not a list, INVALID_CONFIG in Kafka), or nullopt; `overrides` may then be
// partly changed. Values are checked separately, by check_topic_config.
std::optional<std::string> apply_config_ops(const BrokerConfig& broker, const std::vector<ConfigOp>& ops,
                                            TopicConfigs& overrides);

// The effective value of a topic config: the override, else the broker's default.
std::optional<std::string> effective_topic_config(const BrokerConfig& broker, const TopicConfigs& overrides,
                                                  const std::string& key);

// The storage settings of a topic's logs.
storage::LogConfig make_log_config(const BrokerConfig& broker, const TopicConfigs& overrides);

}  // namespace runnel::broker
