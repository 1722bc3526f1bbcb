#pragma once
// Topic-level configs (Kafka names) and how they override the broker's
// defaults: segment.bytes <- log.segment.bytes, flush.messages <-
// log.flush.interval.messages, and so on.

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

// The effective value of a topic config: the override, else the broker's default.
std::optional<std::string> effective_topic_config(const BrokerConfig& broker, const TopicConfigs& overrides,
                                                  const std::string& key);

// The storage settings of a topic's logs.
storage::LogConfig make_log_config(const BrokerConfig& broker, const TopicConfigs& overrides);

}  // namespace runnel::broker
