#pragma once
// ReplicaManager: the partitions this broker hosts, opened lazily from the
// LogManager with their topic's configs. Single node: it leads them all.

#include <asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "broker/config.h"
#include "broker/partition.h"
#include "broker/topic_metadata.h"
#include "storage/log_manager.h"

namespace runnel::broker {

class ReplicaManager {
 public:
  ReplicaManager(const BrokerConfig& config, storage::LogManager& logs, asio::thread_pool& disk_pool);

  // The partition, creating its log if missing. Precondition: the topic exists
  // and 0 <= partition < topic.partitions.
  Result<std::shared_ptr<Partition>> partition(const TopicMetadata& topic, int32_t partition);
  // Drops the topic's partitions and deletes their logs.
  Result<void> remove_topic(const TopicMetadata& topic);
  // Applies changed topic configs to the topic's open partitions (logs opened
  // later take them from `topic`); see Partition::set_config.
  void reconfigure(const TopicMetadata& topic);
  // Flushes the logs whose flush policy asks for it (page-cache mode, flush.ms).
  void flush_due(int64_t now_ms);
  // Forgets idempotent producers idle longer than producer.id.expiration.ms.
  void expire_producers(int64_t now_ms);
  // Opens every partition of `topics`: retention and the cleaner also cover
  // logs nobody has used since the start. Failures are logged and skipped.
  void open_all(const std::vector<TopicMetadata>& topics);
  // Retention (storage::Log::apply_retention) of every open partition, below
  // its high watermark; returns the number of segments deleted. Blocking.
  int apply_retention(int64_t now_ms);
  // The open partitions.
  std::vector<std::shared_ptr<Partition>> partitions();

 private:
  Result<std::shared_ptr<Partition>> partition_locked(const TopicMetadata& topic, int32_t partition);  // mutex_ held

  const BrokerConfig& config_;
  storage::LogManager& logs_;
  asio::thread_pool& disk_pool_;
  std::mutex mutex_;
  std::map<storage::TopicPartition, std::shared_ptr<Partition>> partitions_;
};

}  // namespace runnel::broker
