#pragma once
// LogManager: every partition log under `log.dirs`.
//
// At open it checks or writes meta.properties in each dir, reads the
// recovery-point and log-start-offset checkpoints, notes whether the dir was
// shut down cleanly (the `.clean-shutdown` marker, then removed), and lists
// partition directories. Logs are opened lazily on first use; open segment
// files are capped by one FileHandleCache. A new partition goes to the log
// dir holding the fewest partitions.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "protocol/result.h"
#include "storage/file.h"
#include "storage/file_handle_cache.h"
#include "storage/log.h"
#include "storage/log_config.h"
#include "storage/topic_partition.h"

namespace runnel::storage {

inline constexpr const char* kCleanShutdownMarker = ".clean-shutdown";

struct LogManagerOptions {
  std::vector<std::string> log_dirs;
  LogConfig default_config;
  int32_t node_id = 0;
  // Cluster id to expect; empty: take the one on disk, or generate one.
  std::string cluster_id;
  size_t max_open_files = 512;
  FileSystem* fs = nullptr;  // null: the real file system
};

class LogManager {
 public:
  // Fails with Errc::cluster_id_mismatch if a dir belongs to another cluster
  // or node, and with an I/O error if a dir cannot be created.
  static Result<std::unique_ptr<LogManager>> open(const LogManagerOptions& options);
  ~LogManager();

  const std::string& cluster_id() const { return cluster_id_; }

  // The log, opened (and recovered) on first use; nullptr if it does not exist.
  Result<std::shared_ptr<Log>> get(const TopicPartition& tp);
  // The log, created empty with `config` if missing.
  Result<std::shared_ptr<Log>> get_or_create(const TopicPartition& tp, const LogConfig& config);
  // Deletes the partition's directory and forgets it.
  Result<void> remove(const TopicPartition& tp);
  std::vector<TopicPartition> partitions() const;
  bool contains(const TopicPartition& tp) const;

  // Writes the recovery-point (flushed offsets), log-start-offset,
  // cleaner-offset and replication-offset (Log::high_watermark) checkpoints
  // of every dir.
  Result<void> write_checkpoints();
  // Writes only replication-offset-checkpoint (replica.high.watermark.checkpoint.interval.ms).
  Result<void> write_high_watermark_checkpoints();
  // Flushes and closes every open log, writes checkpoints and the clean-
  // shutdown markers. Afterwards the manager must not be used.
  Result<void> shutdown();

  FileHandleCache& files() { return files_; }

 private:
  struct Entry {
    std::string log_dir;  // the log.dirs entry holding it
    std::shared_ptr<Log> log;  // null until opened
    int64_t recovery_point = 0;
    int64_t log_start_offset = 0;
    int64_t cleaner_checkpoint = 0;
    int64_t high_watermark = 0;
  };
  LogManager(const LogManagerOptions& options, FileSystem& fs);
  Result<void> write_checkpoint_files(bool all);  // all four, or replication-offset-checkpoint only
  Result<std::shared_ptr<Log>> open_entry_locked(const TopicPartition& tp, Entry& entry, bool create,
                                                 const LogConfig& config);

  FileSystem& fs_;
  LogManagerOptions options_;
  FileHandleCache files_;
  std::string cluster_id_;
  std::map<std::string, bool> clean_shutdown_;  // per log dir
  mutable std::mutex mutex_;
  std::map<TopicPartition, Entry> logs_;
};

}  // namespace runnel::storage
