#pragma once
// Controller: the one place topics are created, deleted and reconfigured, on whichever broker
// receives the request. New topics get their replicas assigned over the live brokers (Kafka's
// round robin from a random start, each partition's list shifted by one); the store writes the
// topic with each partition's initial state; this broker's replicas follow from the store
// (ReplicaManager::reconcile), the other brokers' from their watches. Single node: the only
// broker hosts everything. Outcomes are Kafka error codes with a message, as
// CreateTopics/DeleteTopics/AlterConfigs report them.

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/config.h"
#include "broker/metadata_store.h"
#include "broker/replica_manager.h"
#include "broker/topic_config.h"
#include "protocol/error_code.h"

namespace runnel::broker {

struct TopicOutcome {
  protocol::ErrorCode error = protocol::ErrorCode::none;
  std::string message;  // empty when none
  std::optional<TopicMetadata> topic;
};

class Controller {
 public:
  Controller(const BrokerConfig& config, MetadataStore& metadata, ReplicaManager& replicas);

  // ZooKeeper mode: the registered brokers' node ids (default: this broker alone).
  void set_live_brokers(std::function<std::vector<int32_t>()> live_brokers) { live_brokers_ = std::move(live_brokers); }

  // partitions / replication_factor of -1 take the broker defaults. A manual `assignment` (the
  // replicas of each partition, CreateTopics' assignments) replaces both: every list non-empty,
  // of one length, without repeats, naming registered brokers only (INVALID_REPLICA_ASSIGNMENT).
  TopicOutcome create_topic(const std::string& name, int32_t partitions, int16_t replication_factor,
                            const TopicConfigs& configs, bool validate_only,
                            const std::vector<std::vector<int32_t>>& assignment = {});
  TopicOutcome delete_topic(const std::string& name);
  // Creates the topic with broker defaults if auto-creation is enabled.
  TopicOutcome auto_create(const std::string& name);

  // Changing a topic's config overrides. AlterConfigs replaces them all with
  // `configs` (keys left out revert to their defaults); IncrementalAlterConfigs
  // applies `ops` to the current ones (apply_config_ops). Then every override
  // must pass check_topic_config, else INVALID_CONFIG and nothing changes;
  // UNKNOWN_TOPIC_OR_PARTITION if the topic does not exist. Unless
  // validate_only, the new overrides are stored and in force on the topic's
  // logs before these return. The outcome's topic carries the new overrides.
  TopicOutcome alter_topic_configs(const std::string& name, const TopicConfigs& configs, bool validate_only);
  TopicOutcome incremental_alter_topic_configs(const std::string& name, const std::vector<ConfigOp>& ops,
                                               bool validate_only);

 private:
  // Lets `change` edit a copy of the topic's overrides (returning why it cannot:
  // INVALID_CONFIG), checks the result, then stores and applies it.
  TopicOutcome change_configs(const std::string& name, bool validate_only,
                              const std::function<std::optional<std::string>(TopicConfigs&)>& change);

  const BrokerConfig& config_;
  std::function<std::vector<int32_t>()> live_brokers_;
  MetadataStore& metadata_;
  ReplicaManager& replicas_;
  std::mutex mutex_;  // serializes changes
};

}  // namespace runnel::broker
