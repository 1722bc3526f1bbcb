#include "broker/replica_manager.h"

#include "broker/logging.h"
#include "broker/topic_config.h"

namespace runnel::broker {

ReplicaManager::ReplicaManager(const BrokerConfig& config, storage::LogManager& logs, asio::thread_pool& disk_pool)
    : config_(config), logs_(logs), disk_pool_(disk_pool) {}

Result<std::shared_ptr<Partition>> ReplicaManager::partition(const TopicMetadata& topic, int32_t partition) {
  std::lock_guard lock(mutex_);
  return partition_locked(topic, partition);
}

Result<std::shared_ptr<Partition>> ReplicaManager::partition_locked(const TopicMetadata& topic, int32_t partition) {
  storage::TopicPartition tp{topic.name, partition};
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
  for (auto& partition : partitions()) partition->log().expire_producers(now_ms);
}

std::vector<std::shared_ptr<Partition>> ReplicaManager::partitions() {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Partition>> all;
  all.reserve(partitions_.size());
  for (auto& [tp, partition] : partitions_) all.push_back(partition);
  return all;
}

void ReplicaManager::open_all(const std::vector<TopicMetadata>& topics) {
  for (const auto& topic : topics)
    for (int32_t p = 0; p < topic.partitions; ++p) {
      std::lock_guard lock(mutex_);
      // Only existing logs: a topic deleted since `topics` was read stays deleted.
      if (!logs_.contains(storage::TopicPartition{topic.name, p})) continue;
      if (auto opened = partition_locked(topic, p); !opened)
        log_error("storage", "cannot open " + topic.name + "-" + std::to_string(p) + ": " + opened.error().message());
    }
}

int ReplicaManager::apply_retention(int64_t now_ms) {
  int deleted = 0;
  for (auto& partition : partitions()) {
    auto result = partition->log().apply_retention(now_ms, partition->high_watermark());
    if (!result) {
      log_error("storage", "retention of " + partition->topic_partition().dir_name() +
                               " failed: " + result.error().message());
      continue;
    }
    if (*result > 0)
      log_info("storage", "retention deleted " + std::to_string(*result) + " segment(s) of " +
                              partition->topic_partition().dir_name() + "; log start offset " +
                              std::to_string(partition->log().log_start_offset()));
    deleted += *result;
  }
  return deleted;
}

}  // namespace runnel::broker
