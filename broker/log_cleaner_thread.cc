#include "broker/log_cleaner_thread.h"

#include "broker/logging.h"
#include "broker/services.h"
#include "storage/errc.h"

namespace runnel::broker {

LogCleanerThread::LogCleanerThread(const BrokerConfig& config, ReplicaManager& replicas)
    : config_(config),
      replicas_(replicas),
      cleaner_(storage::CleanerConfig{static_cast<uint64_t>(config.log_cleaner_dedupe_buffer_size),
                                      config.log_cleaner_io_max_bytes_per_second,
                                      static_cast<uint64_t>(config.log_cleaner_io_buffer_size)}) {}

LogCleanerThread::~LogCleanerThread() { stop(); }

void LogCleanerThread::start() {
  if (!config_.log_cleaner_enable || thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void LogCleanerThread::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LogCleanerThread::run() {
  while (!stopping_) {
    bool worked = false;
    try {
      worked = clean_dirtiest(BrokerServices::now_ms());
    } catch (const std::exception& e) {
      log_error("cleaner", std::string("cleaner pass failed: ") + e.what());
    }
    if (worked) continue;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(config_.log_cleaner_backoff_ms), [this] { return stopping_.load(); });
  }
}

bool LogCleanerThread::clean_dirtiest(int64_t now_ms) {
  std::shared_ptr<Partition> dirtiest;
  double highest = -1;
  for (auto& partition : replicas_.partitions()) {
    const storage::LogConfig config = partition->log().config();
    if (!config.cleanup_compact) continue;
    if (auto it = retry_after_.find(partition->topic_partition()); it != retry_after_.end()) {
      if (now_ms < it->second) continue;
      retry_after_.erase(it);
    }
    // Sealed segments are flushed first, as Kafka flushes a segment when it
    // rolls: in page-cache mode nothing else would make them cleanable.
    const int64_t active_base = partition->log().segments().back().base_offset;
    if (partition->log().flushed_offset() < active_base) {
      if (auto flushed = partition->log().flush_until(active_base); !flushed) {
        log_error("cleaner", "flushing " + partition->topic_partition().dir_name() +
                                 " failed: " + flushed.error().message());
        continue;
      }
    }
    const auto range = storage::cleanable_range(partition->log(), now_ms, partition->high_watermark());
    const double ratio = range.dirty_ratio();
    if (range.dirty_bytes == 0 || ratio < config.min_cleanable_dirty_ratio || ratio <= highest) continue;
    highest = ratio;
    dirtiest = partition;
  }
  if (!dirtiest) return false;
  const auto started = std::chrono::steady_clock::now();
  auto stats = cleaner_.clean(dirtiest->log(), now_ms, dirtiest->high_watermark(), &stopping_);
  const std::string name = dirtiest->topic_partition().dir_name();
  if (!stats) {
    if (stopping_) return false;
    retry_after_[dirtiest->topic_partition()] = now_ms + kRetryAfterFailureMs;
    log_line(stats.error() == storage::Errc::cleaner_aborted ? Level::info : Level::error, "cleaner",
             "cleaning " + name + " stopped: " + stats.error().message() + "; retrying in " +
                 std::to_string(kRetryAfterFailureMs / 1000) + " s");
    return false;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log_info("cleaner", "cleaned " + name + " [" + std::to_string(stats->first_dirty) + ", " +
                          std::to_string(stats->map_end) + "): read " + std::to_string(stats->bytes_read) +
                          " B, wrote " + std::to_string(stats->bytes_written) + " B, removed " +
                          std::to_string(stats->records_removed) + " of " + std::to_string(stats->records_read) +
                          " record(s), " + std::to_string(stats->segments_before) + " -> " +
                          std::to_string(stats->segments_after) + " segment(s), " +
                          std::to_string(stats->map_entries) + " key(s) in " + std::to_string(seconds) + " s");
  return stats->map_end > stats->first_dirty;
}

}  // namespace runnel::broker
