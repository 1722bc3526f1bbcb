#include "broker/handlers/partition_lookup.h"

#include "broker/run_blocking.h"
#include "storage/errc.h"

namespace runnel::broker {

using protocol::ErrorCode;

asio::awaitable<TopicOutcome> auto_create_topic(BrokerServices& broker, const std::string& topic) {
  co_return co_await run_blocking(broker.metadata_pool, [&] { return broker.controller.auto_create(topic); });
}

PartitionLookup lookup_partition(BrokerServices& broker, const std::string& topic, int32_t partition) {
  std::optional<TopicMetadata> metadata = broker.metadata.topic(topic);
  if (!metadata || partition < 0 || partition >= metadata->partitions)
    return {nullptr, ErrorCode::unknown_topic_or_partition};
  auto p = broker.replicas.partition(*metadata, partition);
  if (!p) return {nullptr, storage::to_kafka_error(p.error())};
  // Not a replica here, or a follower: the client refreshes its metadata and moves on.
  if (!*p || !(*p)->is_leader()) return {nullptr, ErrorCode::not_leader_or_follower};
  int32_t min_insync_replicas = broker.config.min_insync_replicas;
  if (auto it = metadata->configs.find("min.insync.replicas"); it != metadata->configs.end())
    min_insync_replicas = std::stoi(it->second);  // checked when it was set
  return {*p, ErrorCode::none, min_insync_replicas};
}

ErrorCode check_leader_epoch(const Partition& partition, int32_t current_leader_epoch) {
  if (current_leader_epoch < 0 || current_leader_epoch == partition.leader_epoch()) return ErrorCode::none;
  return current_leader_epoch < partition.leader_epoch() ? ErrorCode::fenced_leader_epoch : ErrorCode::unknown_leader_epoch;
}

}  // namespace runnel::broker
