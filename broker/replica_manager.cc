#include "broker/replica_manager.h"

#include "broker/logging.h"
#include "broker/topic_config.h"

namespace runnel::broker {

ReplicaManager::ReplicaManager(const BrokerConfig& config, storage::LogManager& logs, asio::thread_pool& disk_pool)
    : config_(config), logs_(logs), disk_pool_(disk_pool) {}

Result<std::shared_ptr<Partition>> ReplicaManager::partition(const TopicMetadata& topic, int32_t partition) {
  storage::TopicPartition tp{topic.name, partition};
  std::lock_guard lock(mutex_);
  if (auto it = partitions_.find(tp); it != partitions_.end()) return it->second;
  auto log_config = make_log_config(config_, topic.configs);
  auto log = logs_.get_or_create(tp, log_config);
  if (!log) return fail(log.error());
  (*log)->set_config(log_config);
  const auto& report = (*log)->recovery_report();
  if (report.segments_validated > 0)
    log_line(report.bytes_truncated > 0 ? Level::warn : Level::info, "storage",
             "recovered " + tp.dir_name() + ": validated " + std::to_string(report.segments_validated) +
                 " segment(s), cut " + std::to_string(report.bytes_truncated) + " invalid byte(s), deleted " +
                 std::to_string(report.segments_deleted) + " later segment(s); log end offset " +
                 std::to_string((*log)->log_end_offset()));
  auto p = std::make_shared<Partition>(tp, *log, disk_pool_);
  partitions_.emplace(tp, p);
  return p;
}

Result<void> ReplicaManager::remove_topic(const TopicMetadata& topic) {
  std::lock_guard lock(mutex_);
  for (int32_t p = 0; p < topic.partitions; ++p) {
    storage::TopicPartition tp{topic.name, p};
    partitions_.erase(tp);
    if (auto r = logs_.remove(tp); !r) return r;
  }
  return {};
}

void ReplicaManager::reconfigure(const TopicMetadata& topic) {
  std::vector<std::shared_ptr<Partition>> open;
  {
    std::lock_guard lock(mutex_);
    for (auto& [tp, partition] : partitions_)
      if (tp.topic == topic.name) open.push_back(partition);
  }
  const auto log_config = make_log_config(config_, topic.configs);
  for (auto& partition : open) partition->set_config(log_config);  // may fsync: outside mutex_
}

void ReplicaManager::flush_due(int64_t now_ms) {
  std::vector<std::shared_ptr<Partition>> due;
  {
    std::lock_guard lock(mutex_);
    for (auto& [tp, partition] : partitions_)
      if (partition->log().flush_due(now_ms)) due.push_back(partition);
  }
  for (auto& partition : due) partition->flush_in_background();
}

void ReplicaManager::expire_producers(int64_t now_ms) {
  std::vector<std::shared_ptr<Partition>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [tp, partition] : partitions_) all.push_back(partition);
  }
  for (auto& partition : all) partition->log().expire_producers(now_ms);
}

}  // namespace runnel::broker
