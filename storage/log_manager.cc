#include "storage/log_manager.h"

#include <algorithm>
#include <stdexcept>

#include "storage/errc.h"
#include "storage/meta_properties.h"
#include "storage/offset_checkpoint.h"

namespace runnel::storage {

LogManager::LogManager(const LogManagerOptions& options, FileSystem& fs)
    : fs_(fs), options_(options), files_(fs, options.max_open_files) {}

LogManager::~LogManager() = default;

Result<std::unique_ptr<LogManager>> LogManager::open(const LogManagerOptions& options) {
  if (options.log_dirs.empty()) throw std::invalid_argument("log.dirs is empty");
  FileSystem& fs = options.fs ? *options.fs : FileSystem::posix();
  std::unique_ptr<LogManager> manager(new LogManager(options, fs));

  // Identity: every dir must agree with the configured (or first found) cluster id.
  std::string cluster_id = options.cluster_id;
  std::vector<std::string> unstamped;
  for (const auto& dir : options.log_dirs) {
    if (auto r = fs.create_directories(dir); !r) return fail(r.error());
    auto meta = read_meta_properties(fs, dir);
    if (!meta) return fail(meta.error());
    if (!*meta) {
      unstamped.push_back(dir);
      continue;
    }
    if ((*meta)->node_id != options.node_id) return fail(Errc::cluster_id_mismatch);
    if (cluster_id.empty()) cluster_id = (*meta)->cluster_id;
    if ((*meta)->cluster_id != cluster_id) return fail(Errc::cluster_id_mismatch);
  }
  if (cluster_id.empty()) cluster_id = generate_cluster_id();
  for (const auto& dir : unstamped)
    if (auto r = write_meta_properties(fs, dir, MetaProperties{1, options.node_id, cluster_id}); !r)
      return fail(r.error());
  manager->cluster_id_ = cluster_id;

  for (const auto& dir : options.log_dirs) {
    const std::string marker = dir + "/" + kCleanShutdownMarker;
    const bool clean = fs.exists(marker);
    manager->clean_shutdown_[dir] = clean;
    auto recovery_points = read_offset_checkpoint(fs, dir + "/" + kRecoveryPointCheckpoint);
    auto start_offsets = read_offset_checkpoint(fs, dir + "/" + kLogStartOffsetCheckpoint);
    auto cleaner_offsets = read_offset_checkpoint(fs, dir + "/" + kCleanerOffsetCheckpoint);
    auto high_watermarks = read_offset_checkpoint(fs, dir + "/" + kReplicationOffsetCheckpoint);
    if (!recovery_points) return fail(recovery_points.error());
    if (!start_offsets) return fail(start_offsets.error());
    if (!cleaner_offsets) return fail(cleaner_offsets.error());
    if (!high_watermarks) return fail(high_watermarks.error());
    auto names = fs.list(dir);
    if (!names) return fail(names.error());
    for (const auto& name : *names) {
      auto tp = TopicPartition::from_dir_name(name);
      if (!tp) continue;
      Entry entry{dir, nullptr, 0, 0, 0, 0};
      if (auto it = recovery_points->find(*tp); it != recovery_points->end()) entry.recovery_point = it->second;
      if (auto it = start_offsets->find(*tp); it != start_offsets->end()) entry.log_start_offset = it->second;
      if (auto it = cleaner_offsets->find(*tp); it != cleaner_offsets->end()) entry.cleaner_checkpoint = it->second;
      if (auto it = high_watermarks->find(*tp); it != high_watermarks->end()) entry.high_watermark = it->second;
      if (!manager->logs_.emplace(*tp, entry).second) return fail(Errc::duplicate_partition);
    }
    // From here on a crash must not look clean.
    if (clean) {
      if (auto r = fs.remove(marker); !r) return fail(r.error());
      if (auto r = fs.sync_directory(dir); !r) return fail(r.error());
    }
  }
  return manager;
}

Result<std::shared_ptr<Log>> LogManager::open_entry_locked(const TopicPartition& tp, Entry& entry, bool create,
                                                           const LogConfig& config) {
  LogOpenOptions open_options;
  open_options.dir = entry.log_dir + "/" + tp.dir_name();
  open_options.config = config;
  open_options.fs = &fs_;
  open_options.files = &files_;
  open_options.recovery_point = entry.recovery_point;
  open_options.log_start_offset = entry.log_start_offset;
  open_options.cleaner_checkpoint = entry.cleaner_checkpoint;
  open_options.high_watermark = entry.high_watermark;
  open_options.clean_shutdown = create || clean_shutdown_[entry.log_dir];
  auto log = Log::open(open_options);
  if (!log) return fail(log.error());
  if (create) {
    if (auto r = fs_.sync_directory(entry.log_dir); !r) return fail(r.error());
  }
  entry.log = std::shared_ptr<Log>(std::move(*log));
  return entry.log;
}

Result<std::shared_ptr<Log>> LogManager::get(const TopicPartition& tp) {
  std::lock_guard lock(mutex_);
  auto it = logs_.find(tp);
  if (it == logs_.end()) return std::shared_ptr<Log>{};
  if (it->second.log) return it->second.log;
  return open_entry_locked(tp, it->second, false, options_.default_config);
}

Result<std::shared_ptr<Log>> LogManager::get_or_create(const TopicPartition& tp, const LogConfig& config) {
  std::lock_guard lock(mutex_);
  if (auto it = logs_.find(tp); it != logs_.end()) {
    if (it->second.log) return it->second.log;
    auto log = open_entry_locked(tp, it->second, false, config);
    return log;
  }
  std::map<std::string, size_t> counts;
  for (const auto& dir : options_.log_dirs) counts[dir] = 0;
  for (const auto& [other, entry] : logs_) ++counts[entry.log_dir];
  auto fewest = std::min_element(options_.log_dirs.begin(), options_.log_dirs.end(),
                                 [&](const auto& a, const auto& b) { return counts[a] < counts[b]; });
  Entry entry{*fewest, nullptr, 0, 0, 0, 0};
  auto log = open_entry_locked(tp, entry, true, config);
  if (!log) return log;
  logs_.emplace(tp, entry);
  return log;
}

Result<void> LogManager::remove(const TopicPartition& tp) {
  std::lock_guard lock(mutex_);
  auto it = logs_.find(tp);
  if (it == logs_.end()) return {};
  const std::string dir = it->second.log_dir + "/" + tp.dir_name();
  const std::string log_dir = it->second.log_dir;
  // Whoever still holds the log (a cleaner pass, retention) must not touch
  // the directory, or a new log of the same name, any more.
  if (it->second.log) it->second.log->mark_deleted();
  logs_.erase(it);
  files_.forget_prefix(dir + "/");
  if (auto r = fs_.remove_all(dir); !r) return r;
  return fs_.sync_directory(log_dir);
}

std::vector<TopicPartition> LogManager::partitions() const {
  std::lock_guard lock(mutex_);
  std::vector<TopicPartition> result;
  result.reserve(logs_.size());
  for (const auto& [tp, entry] : logs_) result.push_back(tp);
  return result;
}

bool LogManager::contains(const TopicPartition& tp) const {
  std::lock_guard lock(mutex_);
  return logs_.count(tp) > 0;
}

Result<void> LogManager::write_checkpoints() { return write_checkpoint_files(true); }

Result<void> LogManager::write_high_watermark_checkpoints() { return write_checkpoint_files(false); }

Result<void> LogManager::write_checkpoint_files(bool all) {
  std::lock_guard lock(mutex_);
  struct DirCheckpoints {
    OffsetMap recovery_points, log_start_offsets, cleaner_offsets, high_watermarks;
  };
  std::map<std::string, DirCheckpoints> per_dir;
  for (const auto& dir : options_.log_dirs) per_dir[dir];
  for (auto& [tp, entry] : logs_) {
    if (entry.log) {
      entry.recovery_point = entry.log->flushed_offset();
      entry.log_start_offset = entry.log->log_start_offset();
      entry.cleaner_checkpoint = entry.log->cleaner_checkpoint();
      entry.high_watermark = entry.log->high_watermark();
    }
    DirCheckpoints& dir = per_dir[entry.log_dir];
    dir.recovery_points[tp] = entry.recovery_point;
    dir.log_start_offsets[tp] = entry.log_start_offset;
    if (entry.cleaner_checkpoint > 0) dir.cleaner_offsets[tp] = entry.cleaner_checkpoint;
    dir.high_watermarks[tp] = entry.high_watermark;
  }
  for (const auto& [dir, offsets] : per_dir) {
    if (auto r = write_offset_checkpoint(fs_, dir + "/" + kReplicationOffsetCheckpoint, offsets.high_watermarks); !r)
      return r;
    if (!all) continue;
    if (auto r = write_offset_checkpoint(fs_, dir + "/" + kRecoveryPointCheckpoint, offsets.recovery_points); !r)
      return r;
    if (auto r = write_offset_checkpoint(fs_, dir + "/" + kLogStartOffsetCheckpoint, offsets.log_start_offsets); !r)
      return r;
    if (auto r = write_offset_checkpoint(fs_, dir + "/" + kCleanerOffsetCheckpoint, offsets.cleaner_offsets); !r)
      return r;
  }
  return {};
}

Result<void> LogManager::shutdown() {
  {
    std::lock_guard lock(mutex_);
    for (auto& [tp, entry] : logs_)
      if (entry.log)
        if (auto r = entry.log->close(); !r) return r;
  }
  if (auto r = write_checkpoints(); !r) return r;
  for (const auto& dir : options_.log_dirs)
    if (auto r = write_file_atomically(fs_, dir + "/" + kCleanShutdownMarker, {}); !r) return r;
  return {};
}

}  // namespace runnel::storage
