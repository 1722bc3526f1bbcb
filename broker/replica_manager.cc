#include "broker/replica_manager.h"

#include <algorithm>
#include <asio/post.hpp>
#include <map>
#include <set>

#include "broker/logging.h"
#include "broker/replication/replica_fetcher_manager.h"
#include "broker/services.h"
#include "broker/topic_config.h"

namespace runnel::broker {
namespace {

bool hosts(const TopicMetadata& topic, int32_t partition, int32_t node_id) {
  if (static_cast<size_t>(partition) >= topic.assignment.size()) return false;
  const auto& replicas = topic.assignment[static_cast<size_t>(partition)];
  return std::find(replicas.begin(), replicas.end(), node_id) != replicas.end();
}

}  // namespace

ReplicaManager::ReplicaManager(const BrokerConfig& config, storage::LogManager& logs, MetadataStore& metadata,
                               asio::thread_pool& disk_pool)
    : config_(config), logs_(logs), metadata_(metadata), disk_pool_(disk_pool) {}

Result<std::shared_ptr<Partition>> ReplicaManager::partition(const TopicMetadata& topic, int32_t partition) {
  std::lock_guard lock(mutex_);
  return partition_locked(topic, partition);
}

Result<std::shared_ptr<Partition>> ReplicaManager::partition_locked(const TopicMetadata& topic, int32_t partition) {
  storage::TopicPartition tp{topic.name, partition};
  if (auto it = partitions_.find(tp); it != partitions_.end()) return it->second;
  if (!hosts(topic, partition, config_.node_id)) return std::shared_ptr<Partition>{};
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
  // The leader's ISR changes go to the store by compare-and-set.
  Partition::IsrWriter isr_writer = [this, tp](const PartitionState& proposed,
                                               std::function<void(Result<PartitionState>)> done) {
    log_info("replication", "proposing ISR " + describe_replicas(proposed.isr) + " for " + tp.dir_name());
    metadata_.update_partition_state(tp.topic, tp.partition, proposed, std::move(done));
  };
  auto p = std::make_shared<Partition>(tp, *log, disk_pool_, config_.node_id, std::move(isr_writer),
                                       std::chrono::microseconds(config_.log_flush_linger_us));
  partitions_.emplace(tp, p);
  applied_configs_[topic.name] = topic.configs;
  apply_state_locked(topic, partition, *p);
  return p;
}

void ReplicaManager::apply_state_locked(const TopicMetadata& topic, int32_t partition, Partition& replica) {
  auto state = metadata_.partition_state(topic.name, partition);
  if (!state) return;  // not written yet: the next reconciliation applies it
  const auto& replicas = topic.assignment[static_cast<size_t>(partition)];
  const auto transition = replica.apply_state(*state, replicas, BrokerServices::now_ms());
  const auto& tp = replica.topic_partition();
  switch (transition) {
    case Partition::Transition::became_leader:
      if (fetchers_) fetchers_->remove(tp);
      for (auto& listener : leadership_listeners_) listener(partitions_.at(tp), true);
      if (fetchers_)  // ZooKeeper mode: a single node leads everything from the start
        log_info("replication", tp.dir_name() + ": leader at epoch " + std::to_string(state->leader_epoch) + ", ISR " +
                                  describe_replicas(state->isr) + ", log end offset " +
                                  std::to_string(replica.log().log_end_offset()));
      break;
    case Partition::Transition::became_follower:
      for (auto& listener : leadership_listeners_) listener(partitions_.at(tp), false);
      if (fetchers_) {
        if (state->leader >= 0) fetchers_->add(partitions_.at(tp), state->leader, state->leader_epoch);
        else fetchers_->remove(tp);
      }
      log_info("replication", tp.dir_name() + ": follower of " + std::to_string(state->leader) + " at epoch " +
                                  std::to_string(state->leader_epoch));
      break;
    case Partition::Transition::changed:
    case Partition::Transition::none:
      break;
  }
}

void ReplicaManager::reconcile() {
  auto topics = metadata_.topics();
  std::set<std::string> names;
  std::vector<TopicMetadata> reconfigured;
  {
    std::lock_guard lock(mutex_);
    for (const auto& topic : topics) {
      names.insert(topic.name);
      if (auto it = applied_configs_.find(topic.name); it != applied_configs_.end() && it->second != topic.configs)
        reconfigured.push_back(topic);
      for (int32_t p = 0; p < topic.partitions; ++p) {
        auto found = partitions_.find(storage::TopicPartition{topic.name, p});
        if (found != partitions_.end()) {
          apply_state_locked(topic, p, *found->second);
          continue;
        }
        if (auto opened = partition_locked(topic, p); !opened)
          log_error("storage", "cannot open " + topic.name + "-" + std::to_string(p) + ": " + opened.error().message());
      }
    }
  }
  for (const auto& topic : reconfigured) reconfigure(topic);
  if (auto r = remove_deleted_topics(names); !r)
    log_error("storage", "cannot remove the logs of a deleted topic: " + r.error().message());
}

Result<void> ReplicaManager::remove_deleted_topics() {
  std::set<std::string> names;
  for (const auto& topic : metadata_.topics()) names.insert(topic.name);
  return remove_deleted_topics(names);
}

Result<void> ReplicaManager::remove_deleted_topics(const std::set<std::string>& known) {
  std::map<std::string, int32_t> gone;  // topic -> partitions with a log here
  for (const auto& tp : logs_.partitions())
    if (!known.count(tp.topic)) gone[tp.topic] = std::max(gone[tp.topic], tp.partition + 1);
  for (const auto& [name, partitions] : gone) {
    TopicMetadata topic;
    topic.name = name;
    topic.partitions = partitions;
    log_warn("replication", "removing the logs of deleted topic " + name);
    if (auto r = remove_topic(topic); !r) return r;
  }
  return {};
}

void ReplicaManager::request_reconcile(std::function<void()> reconciled) {
  {
    std::lock_guard lock(reconcile_mutex_);
    if (reconciled) reconcile_waiters_.push_back(std::move(reconciled));
    if (reconcile_scheduled_) {
      reconcile_again_ = true;
      return;
    }
    reconcile_scheduled_ = true;
  }
  asio::post(disk_pool_, [this] {
    for (;;) {
      std::vector<std::function<void()>> served;  // asked before this pass started
      {
        std::lock_guard lock(reconcile_mutex_);
        served.swap(reconcile_waiters_);
        reconcile_again_ = false;
      }
      reconcile();
      for (auto& reconciled : served) reconciled();
      std::lock_guard lock(reconcile_mutex_);
      if (!reconcile_again_) {
        reconcile_scheduled_ = false;
        return;
      }
    }
  });
}

void ReplicaManager::shrink_isrs(int64_t now) {
  const int64_t lag = config_.replica_lag_time_max_ms;
  const int64_t since_last_check = last_isr_check_ms_ < 0 ? 0 : now - last_isr_check_ms_;
  last_isr_check_ms_ = now;
  const bool stood_still = since_last_check > lag;
  if (stood_still)
    log_info("replication", "the ISR check ran " + std::to_string(since_last_check) +
                                " ms after the previous one: this broker stood still, so followers get a new "
                                "replica.lag.time.max.ms before any leaves an ISR");
  for (auto& partition : partitions()) {
    if (!partition->is_leader()) continue;
    if (stood_still) partition->restart_follower_lag_clocks(now);
    else partition->shrink_isr(now, lag);
  }
}

Result<void> ReplicaManager::remove_topic(const TopicMetadata& topic) {
  std::lock_guard lock(mutex_);
  applied_configs_.erase(topic.name);
  for (int32_t p = 0; p < topic.partitions; ++p) {
    storage::TopicPartition tp{topic.name, p};
    if (fetchers_) fetchers_->remove(tp);
    partitions_.erase(tp);
    if (!logs_.contains(tp)) continue;
    if (auto r = logs_.remove(tp); !r) return r;
  }
  return {};
}

void ReplicaManager::reconfigure(const TopicMetadata& topic) {
  std::vector<std::shared_ptr<Partition>> open;
  {
    std::lock_guard lock(mutex_);
    applied_configs_[topic.name] = topic.configs;
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

void ReplicaManager::record_high_watermarks() {
  for (auto& partition : partitions()) partition->log().set_high_watermark(partition->high_watermark());
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
