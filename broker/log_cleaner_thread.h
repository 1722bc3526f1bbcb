#pragma once
// LogCleanerThread: the broker's background compaction (log.cleaner.*).
// One thread; every log.cleaner.backoff.ms, and again at once after a pass
// that did work, it takes the open partition with cleanup.policy "compact"
// whose dirty ratio is highest and at least its min.cleanable.dirty.ratio
// (flushing sealed segments first, so page-cache mode topics compact too),
// and runs one storage::LogCleaner pass on it below its high watermark. A
// partition whose pass failed or was aborted waits kRetryAfterFailureMs
// before it is taken again, so that it does not starve the others.
// Appends and fetches go on meanwhile (see storage/log_cleaner.h); the new
// cleaner checkpoint is persisted with the other checkpoints.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "broker/config.h"
#include "broker/replica_manager.h"
#include "storage/log_cleaner.h"

namespace runnel::broker {

class LogCleanerThread {
 public:
  LogCleanerThread(const BrokerConfig& config, ReplicaManager& replicas);
  ~LogCleanerThread();  // stop()

  void start();
  // Aborts a running pass (its stage is discarded) and joins the thread.
  void stop();
  // One pass on the dirtiest eligible partition; false when none was.
  bool clean_dirtiest(int64_t now_ms);

 private:
  void run();

  static constexpr int64_t kRetryAfterFailureMs = 30'000;

  const BrokerConfig& config_;
  ReplicaManager& replicas_;
  std::map<storage::TopicPartition, int64_t> retry_after_;  // cleaner thread only
  storage::LogCleaner cleaner_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace runnel::broker
