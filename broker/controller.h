#pragma once
// Controller: the one place topics are created, deleted and reconfigured.
// Single node: this broker is the controller and writes the embedded
// MetadataStore; replicas follow from it. Outcomes are Kafka error codes
// with a message, as CreateTopics/DeleteTopics report them.

#include <mutex>
#include <optional>
#include <string>

#include "broker/config.h"
#include "broker/metadata_store.h"
#include "broker/replica_manager.h"
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

  // partitions / replication_factor of -1 take the broker defaults.
  TopicOutcome create_topic(const std::string& name, int32_t partitions, int16_t replication_factor,
                            const TopicConfigs& configs, bool validate_only);
  TopicOutcome delete_topic(const std::string& name);
  // Creates the topic with broker defaults if auto-creation is enabled.
  TopicOutcome auto_create(const std::string& name);

 private:
  const BrokerConfig& config_;
  MetadataStore& metadata_;
  ReplicaManager& replicas_;
  std::mutex mutex_;  // serializes changes
};

}  // namespace runnel::broker
