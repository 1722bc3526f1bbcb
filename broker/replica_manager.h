#pragma once
// ReplicaManager: the partitions this broker hosts (those whose assignment names it), opened
// from the LogManager with their topic's configs, each in the role the metadata store gives it.
// reconcile() brings the hosted partitions in line with the store: it opens the partitions
// assigned here, applies each one's state (Partition::apply_state), hands followers to the
// replica fetchers and takes leaders away from them, applies changed topic configs, and removes
// the logs of topics the store no longer has. Single node: it leads them all.

#include <asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "broker/config.h"
#include "broker/metadata_store.h"
#include "broker/partition.h"
#include "broker/topic_metadata.h"
#include "storage/log_manager.h"

namespace runnel::broker {

class ReplicaFetcherManager;

class ReplicaManager {
 public:
  ReplicaManager(const BrokerConfig& config, storage::LogManager& logs, MetadataStore& metadata,
                 asio::thread_pool& disk_pool);

  // ZooKeeper mode: where followers get their fetchers (set before the broker serves).
  void set_fetchers(ReplicaFetcherManager* fetchers) { fetchers_ = fetchers; }
  // Hears every change of leadership of a hosted partition: `leader` true when this broker
  // became its leader, false when it became a follower (or the partition lost its leader). Runs
  // on the thread that applied the state (the disk pool, or a request's I/O thread) with the
  // ReplicaManager's lock held: post longer work elsewhere, and never call back into it.
  // Set before the broker serves.
  using LeadershipListener = std::function<void(const std::shared_ptr<Partition>& partition, bool leader)>;
  void on_leadership_change(LeadershipListener listener) { leadership_listeners_.push_back(std::move(listener)); }

  // The hosted partition, opening its log (creating it if missing) and applying its state from
  // the store. Null when this broker is not one of its replicas. Precondition: the topic exists
  // and 0 <= partition < topic.partitions. Blocking when it opens a log.
  Result<std::shared_ptr<Partition>> partition(const TopicMetadata& topic, int32_t partition);
  // Drops the topic's partitions and deletes their logs.
  Result<void> remove_topic(const TopicMetadata& topic);
  // Applies changed topic configs to the topic's open partitions (logs opened
  // later take them from `topic`); see Partition::set_config.
  void reconfigure(const TopicMetadata& topic);
  // Removes the logs (and open partitions) of topics the store does not have: deleted through
  // another broker, or a crash inside a deletion. Blocking. Stops at the first failure.
  Result<void> remove_deleted_topics();
  // See above. Blocking (opens logs, deletes logs): call on the disk pool, or through
  // request_reconcile(), which runs it there, one at a time, again if asked meanwhile.
  // `reconciled`, if given, runs on the disk pool after a reconciliation that started after this
  // call has finished.
  void reconcile();
  void request_reconcile(std::function<void()> reconciled = {});
  // Flushes the logs whose flush policy asks for it (page-cache mode, flush.ms).
  void flush_due(int64_t now_ms);
  // Leaders remove followers not caught up within replica.lag.time.max.ms from the ISR. Called
  // every half lag time: a call more than a whole lag time after the previous one means this
  // broker stood still (SIGSTOP, a frozen VM, a stalled I/O thread), when no follower could fetch
  // from it; then nobody leaves, and every follower gets a new lag period (its fetches will show
  // whether it keeps up). Otherwise a leader's own pause would empty its ISRs on resuming and
  // refuse acks=all Produce with NOT_ENOUGH_REPLICAS until the followers were added back.
  void shrink_isrs(int64_t now_ms);
  // Forgets idempotent producers idle longer than producer.id.expiration.ms.
  void expire_producers(int64_t now_ms);
  // Records every hosted partition's high watermark in its log, for LogManager::write_checkpoints
  // (replication-offset-checkpoint): a restarted replica starts from it, not from 0.
  void record_high_watermarks();
  // Retention (storage::Log::apply_retention) of every open partition, below
  // its high watermark; returns the number of segments deleted. Blocking.
  int apply_retention(int64_t now_ms);
  // The open partitions.
  std::vector<std::shared_ptr<Partition>> partitions();

 private:
  // mutex_ held.
  Result<std::shared_ptr<Partition>> partition_locked(const TopicMetadata& topic, int32_t partition);
  void apply_state_locked(const TopicMetadata& topic, int32_t partition, Partition& replica);
  Result<void> remove_deleted_topics(const std::set<std::string>& known);

  const BrokerConfig& config_;
  storage::LogManager& logs_;
  MetadataStore& metadata_;
  asio::thread_pool& disk_pool_;
  ReplicaFetcherManager* fetchers_ = nullptr;
  std::vector<LeadershipListener> leadership_listeners_;
  std::mutex mutex_;
  std::map<storage::TopicPartition, std::shared_ptr<Partition>> partitions_;
  std::map<std::string, TopicConfigs> applied_configs_;  // per topic, what its partitions run with

  std::mutex reconcile_mutex_;
  bool reconcile_scheduled_ = false;
  bool reconcile_again_ = false;
  std::vector<std::function<void()>> reconcile_waiters_;  // for the next reconciliation to start

  int64_t last_isr_check_ms_ = -1;  // shrink_isrs()'s previous call (one caller, a timer)
};

}  // namespace runnel::broker
