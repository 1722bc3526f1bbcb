#pragma once
// The partition a request names, or the Kafka error for why there is none.

#include <asio/awaitable.hpp>
#include <memory>
#include <string>

#include "broker/partition.h"
#include "broker/services.h"
#include "protocol/error_code.h"

namespace runnel::broker {

struct PartitionLookup {
  std::shared_ptr<Partition> partition;  // null on error
  protocol::ErrorCode error = protocol::ErrorCode::none;
  int32_t min_insync_replicas = 1;  // the topic's, or the broker default
};

// The partition this broker leads; NOT_LEADER_OR_FOLLOWER when it is a follower or not a replica.
PartitionLookup lookup_partition(BrokerServices& broker, const std::string& topic, int32_t partition);

// Controller::auto_create (a missing topic gets the broker defaults if auto.create.topics.enable)
// on the metadata pool: the store write never holds an I/O thread.
asio::awaitable<TopicOutcome> auto_create_topic(BrokerServices& broker, const std::string& topic);

// Checks a request's current_leader_epoch (-1: no check) against the partition's.
protocol::ErrorCode check_leader_epoch(const Partition& partition, int32_t current_leader_epoch);

}  // namespace runnel::broker
