#include "storage/log.h"

#include <algorithm>
#include <stdexcept>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "protocol/errc.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "storage/errc.h"
#include "storage/producer_snapshots.h"
#include "storage/segment.h"

namespace runnel::storage {

using protocol::RecordBatchHeader;

namespace {

constexpr int64_t kMaxRelativeOffset = std::numeric_limits<int32_t>::max();
constexpr const char* kLeaderEpochCheckpoint = "leader-epoch-checkpoint";
// The cleaner's commit point; format in storage/README.md ("Compaction").
constexpr const char* kCleanerSwapIntent = "cleaner-swap";
constexpr const char* kCleaningDir = "cleaning";
constexpr const char* kSegmentSuffixes[] = {".log", ".index", ".timeindex"};

std::string encode_swap_intent(const std::vector<int64_t>& old_bases, std::optional<int64_t> staged_base) {
  std::string text = "0\n" + std::to_string(staged_base.value_or(-1)) + "\n" + std::to_string(old_bases.size()) + "\n";
  for (int64_t base : old_bases) text += std::to_string(base) + "\n";
  return text;
}

struct SwapIntent {
  std::optional<int64_t> staged_base;
  std::vector<int64_t> old_bases;
};

std::optional<SwapIntent> decode_swap_intent(std::span<const std::byte> bytes) {
  std::vector<int64_t> numbers;
  const char* p = reinterpret_cast<const char*>(bytes.data());
  const char* end = p + bytes.size();
  while (p < end) {
    int64_t value = 0;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc{} || next == end || *next != '\n') return std::nullopt;
    numbers.push_back(value);
    p = next + 1;
  }
  if (numbers.size() < 3 || numbers[0] != 0 || numbers[2] < 0 ||
      numbers.size() != 3 + static_cast<size_t>(numbers[2]))
    return std::nullopt;
  SwapIntent intent;
  if (numbers[1] >= 0) intent.staged_base = numbers[1];
  intent.old_bases.assign(numbers.begin() + 3, numbers.end());
  return intent;
}

std::optional<int64_t> segment_base_from_name(const std::string& name) {
  return Segment::offset_from_file_name(name, ".log");
}

// Whether every record of a (validated) batch has a key: compacted topics
// refuse keyless records, which the cleaner could not keep.
bool every_record_has_key(std::span<const std::byte> batch) {
  std::vector<std::byte> scratch;
  auto records = protocol::read_batch_records(batch, scratch);
  if (!records) return false;
  for (const auto& record : *records)
    if (!record.key) return false;
  return true;
}

// Maps a batch validation failure to the storage refusal Kafka returns.
std::error_code refusal(std::error_code ec) {
  if (ec == protocol::Errc::unsupported_magic) return Errc::invalid_record;
  return Errc::corrupt_message;
}

}  // namespace

class LogImpl {
 public:
  LogImpl(const LogOpenOptions& options, LeaderEpochCache epochs)
      : dir_(options.dir), config_(options.config), fs_(*options.fs), files_(*options.files),
        epochs_(std::move(epochs)) {}

  Result<void> load_segments(const LogOpenOptions& options);

  Result<AppendInfo> append_as_leader(std::span<std::byte> batch, int32_t leader_epoch, int64_t now_ms);
  Result<AppendInfo> append_with_offsets(std::span<const std::byte> batches, int64_t now_ms);
  Result<FileRange> read(int64_t offset, int64_t max_bytes, int64_t upper_bound) const;
  Result<std::optional<TimestampAndOffset>> offset_for_timestamp(int64_t timestamp) const;
  Result<void> flush_until(int64_t offset);
  bool flush_due(int64_t now_ms) const;
  Result<void> truncate_to(int64_t offset);
  Result<void> truncate_fully_and_start_at(int64_t offset);
  Result<void> restart_empty_at_locked(int64_t base);  // structure_mutex_ and mutex_ held
  // The log was cut at `end`: the clean passes recorded before no longer describe it.
  void forget_clean_history_from(int64_t end);
  Result<void> advance_log_start_offset(int64_t offset);
  Result<void> advance_log_start_offset_locked(int64_t offset);  // structure_mutex_ held
  Result<int> apply_retention(int64_t now_ms, int64_t upper_bound);
  Result<void> swap_cleaned_segments(const std::vector<int64_t>& old_bases, std::optional<int64_t> staged_base,
                                     const std::function<void(SwapStep)>& on_step);
  // The steps after the commit point (structure_mutex_ held).
  Result<void> complete_committed_swap(const std::vector<int64_t>& old_bases, std::optional<int64_t> staged_base,
                                       const std::string& intent_path, const std::function<void(SwapStep)>& step);
  std::vector<SegmentInfo> segments() const;
  std::string cleaning_dir() const { return dir_ + "/" + kCleaningDir; }
  void record_clean_pass(int64_t map_end, int64_t now_ms) {
    std::lock_guard lock(history_mutex_);
    clean_passes_.emplace_back(map_end, now_ms);
  }
  int64_t tombstones_removable_below(int64_t now_ms) {
    const int64_t retention = config().delete_retention_ms;
    std::lock_guard lock(history_mutex_);
    while (!clean_passes_.empty() && clean_passes_.front().second <= now_ms - retention) {
      tombstones_removable_below_ = std::max(tombstones_removable_below_, clean_passes_.front().first);
      clean_passes_.pop_front();
    }
    return tombstones_removable_below_;
  }
  void mark_deleted() {
    std::lock_guard structure(structure_mutex_);
    deleted_ = true;
  }
  Result<std::unique_ptr<Segment>> stage_segment(int64_t base_offset, int64_t now_ms) {
    std::lock_guard structure(structure_mutex_);
    // An unfinished swap's stage is what the next open completes it with.
    if (deleted_ || swap_incomplete_) return fail(Errc::cleaner_aborted);
    if (auto r = remove_stage(); !r) return fail(r.error());
    if (auto r = fs_.create_directories(cleaning_dir()); !r) return fail(r.error());
    return Segment::create(cleaning_dir(), base_offset, files_, now_ms);
  }
  std::map<int64_t, int64_t> producer_last_offsets() const {
    std::shared_lock lock(mutex_);
    std::map<int64_t, int64_t> last;
    for (const auto& [id, entry] : producers_.active_producers())
      if (!entry.batches.empty()) last[id] = entry.last_offset();
    return last;
  }
  Result<void> close();

  int64_t max_timestamp() const;
  int64_t size_bytes() const;
  void set_config(const LogConfig& config) {
    std::unique_lock lock(mutex_);
    config_ = config;
  }
  // A copy of config_ for readers that do not hold mutex_: set_config() may run concurrently.
  LogConfig config() const {
    std::shared_lock lock(mutex_);
    return config_;
  }
  size_t segment_count() const {
    std::shared_lock lock(mutex_);
    return segments_.size();
  }

  std::string dir_;
  LogConfig config_;
  FileSystem& fs_;
  FileHandleCache& files_;
  LeaderEpochCache epochs_;
  std::atomic<int64_t> log_start_offset_{0};
  std::atomic<int64_t> log_end_offset_{0};
  std::atomic<int64_t> flushed_offset_{0};
  std::atomic<int64_t> last_flush_ms_{0};
  std::atomic<int64_t> cleaner_checkpoint_{0};
  std::atomic<int64_t> high_watermark_{0};  // Log::high_watermark
  RecoveryReport report_;
  ProducerStateManager producers_;  // guarded by mutex_

  // Rebuilds producers_ after opening: the newest snapshot at or below the
  // log end, then every batch after it (from the log start without one).
  Result<void> load_producer_state();
  void expire_producers(int64_t now_ms) {
    std::unique_lock lock(mutex_);
    producers_.remove_expired(now_ms, config_.producer_id_expiration_ms);
  }

 private:
  Segment& active() const { return *segments_.rbegin()->second; }
  Result<void> append_locked(const RecordBatchHeader& header, std::span<const std::byte> batch, int64_t now_ms);
  Result<void> maybe_roll(const RecordBatchHeader& header, uint64_t batch_size, int64_t now_ms);
  Result<void> roll(int64_t base_offset, int64_t now_ms);
  Result<void> create_active(int64_t base_offset, int64_t now_ms);
  Result<void> delete_segment(std::map<int64_t, std::shared_ptr<Segment>>::iterator it);
  void note_sealed(const Segment& segment);
  // Completes a committed swap (idempotent: also run at open after a crash).
  Result<void> finish_swap(const SwapIntent& intent);
  // Applies a committed swap found at open, or discards an uncommitted stage.
  Result<void> recover_swap();
  // Syncs the directory (the completed swap), then removes the intent durably.
  Result<void> retire_intent(const std::string& intent_path);
  // Deletes the staging directory and forgets its cached descriptors.
  Result<void> remove_stage();
  std::string segment_path(int64_t base, const char* suffix) const { return dir_ + "/" + Segment::file_name(base, suffix); }
  std::string staged_path(int64_t base, const char* suffix) const {
    return dir_ + "/" + kCleaningDir + "/" + Segment::file_name(base, suffix);
  }

  // Held by whoever removes or replaces existing segments (retention, the
  // cleaner's swap and staging, truncation), so they do not interleave;
  // appends and reads never take it. It guards the two flags below.
  std::mutex structure_mutex_;
  bool deleted_ = false;          // mark_deleted()
  bool swap_incomplete_ = false;  // a swap failed after its commit point

  mutable std::mutex history_mutex_;
  std::deque<std::pair<int64_t, int64_t>> clean_passes_;  // (map_end, time), oldest first
  int64_t tombstones_removable_below_ = 0;
  mutable std::shared_mutex mutex_;  // segments_ and their contents
  std::map<int64_t, std::shared_ptr<Segment>> segments_;

  std::mutex pending_mutex_;  // work for the next flush
  std::vector<std::string> pending_index_syncs_;
  bool dir_sync_pending_ = false;

  std::mutex flush_mutex_;
  std::condition_variable flush_done_;
  bool flush_running_ = false;
};

// ---- opening and recovery -------------------------------------------------

Result<void> LogImpl::load_segments(const LogOpenOptions& options) {
  if (auto r = recover_swap(); !r) return r;
  cleaner_checkpoint_ = options.cleaner_checkpoint;
  auto names = fs_.list(dir_);
  if (!names) return fail(names.error());
  std::vector<int64_t> bases;
  for (const auto& name : *names) {
    if (auto base = segment_base_from_name(name)) {
      bases.push_back(*base);
    } else if (name.ends_with(".tmp")) {
      if (auto r = fs_.remove(dir_ + "/" + name); !r) return r;
    }
  }
  std::sort(bases.begin(), bases.end());
  // Index files without their .log are leftovers of a deletion.
  for (const auto& name : *names) {
    for (const char* suffix : {".index", ".timeindex"}) {
      std::string_view n(name);
      if (!n.ends_with(suffix) || n.size() != 20 + std::char_traits<char>::length(suffix)) continue;
      int64_t base = -1;
      std::from_chars(n.data(), n.data() + 20, base);
      if (!std::binary_search(bases.begin(), bases.end(), base))
        if (auto r = fs_.remove(dir_ + "/" + name); !r) return r;
    }
  }

  if (bases.empty()) {
    auto segment = Segment::create(dir_, options.log_start_offset, files_, 0);
    if (!segment) return fail(segment.error());
    segments_.emplace(options.log_start_offset, std::move(*segment));
    dir_sync_pending_ = true;
  } else {
    // Segments from the one holding the recovery point on are validated.
    size_t recover_from = bases.size();
    if (!options.clean_shutdown) {
      recover_from = 0;
      for (size_t i = 0; i < bases.size(); ++i)
        if (bases[i] <= options.recovery_point) recover_from = i;
    }
    int64_t next_offset = 0;
    bool truncated = false;
    for (size_t i = 0; i < bases.size(); ++i) {
      const bool last = i + 1 == bases.size();
      auto segment = std::make_shared<Segment>(dir_, bases[i], files_);
      if (truncated) {  // everything after an invalid byte goes
        if (auto r = segment->remove_files(); !r) return r;
        dir_sync_pending_ = true;
        ++report_.segments_deleted;
        continue;
      }
      if (i < recover_from) {
        if (auto r = segment->load(last, config_.index_interval_bytes); !r) return r;
      } else {
        auto cut = segment->recover(next_offset, config_.index_interval_bytes);
        if (!cut) return fail(cut.error());
        ++report_.segments_validated;
        report_.bytes_truncated += *cut;
        if (*cut > 0) {
          truncated = true;
          dir_sync_pending_ = true;
        }
        if (auto r = segment->flush(); !r) return r;
      }
      next_offset = segment->next_offset();
      segments_.emplace(bases[i], std::move(segment));
    }
    // The last kept segment is the active one; earlier recovered ones are sealed.
    for (auto it = segments_.begin(); it != segments_.end(); ++it) {
      if (std::next(it) == segments_.end()) break;
      if (!it->second->offset_index().sealed()) {
        if (auto r = it->second->seal(); !r) return r;
        note_sealed(*it->second);
      }
    }
  }
  log_end_offset_ = active().next_offset();
  log_start_offset_ = std::min(std::max(options.log_start_offset, segments_.begin()->first), log_end_offset_.load());
  high_watermark_ = std::clamp(options.high_watermark, log_start_offset_.load(), log_end_offset_.load());
  if (auto r = epochs_.truncate_from_end(log_end_offset_); !r) return r;
  if (auto r = epochs_.truncate_from_start(log_start_offset_); !r) return r;
  flushed_offset_ = -1;  // Log::open's flush makes it the log end offset
  return {};
}

Result<std::unique_ptr<Log>> Log::open(const LogOpenOptions& options) {
  if (!options.fs || !options.files) throw std::invalid_argument("Log::open needs a file system and a handle cache");
  if (auto r = options.fs->create_directories(options.dir); !r) return fail(r.error());
  auto epochs = LeaderEpochCache::load(*options.fs, options.dir + "/" + kLeaderEpochCheckpoint);
  if (!epochs) return fail(epochs.error());
  auto impl = std::make_unique<LogImpl>(options, std::move(*epochs));
  if (auto r = impl->load_segments(options); !r) return fail(r.error());
  if (auto r = impl->load_producer_state(); !r) return fail(r.error());
  // Whatever was recovered is made durable before it counts as flushed.
  if (auto r = impl->flush_until(impl->log_end_offset_.load()); !r) return fail(r.error());
  impl->flushed_offset_ = impl->log_end_offset_.load();
  return std::unique_ptr<Log>(new Log(std::move(impl)));
}

Result<void> LogImpl::load_producer_state() {
  const int64_t start = log_start_offset_.load();
  const int64_t end = log_end_offset_.load();
  auto snapshot = load_producer_snapshot(fs_, dir_, end);
  if (!snapshot) return fail(snapshot.error());
  int64_t offset = start;
  if (*snapshot && (*snapshot)->end_offset >= start) {
    producers_ = std::move((*snapshot)->state);
    offset = (*snapshot)->end_offset;
  }
  while (offset < end) {
    auto range = read(offset, 1 << 20, end);
    if (!range) return fail(range.error());
    if (range->empty()) break;
    auto bytes = range->read_all();
    if (!bytes) return fail(bytes.error());
    std::span<const std::byte> rest(*bytes);
    const int64_t before = offset;
    while (auto batch = protocol::next_batch(rest)) {
      if (batch->size() < protocol::kRecordBatchHeaderSize) break;  // recovery validated every batch
      const RecordBatchHeader header = protocol::read_header(*batch);
      if (header.last_offset() < offset) continue;  // the batch holding `offset` began earlier
      producers_.replay(header);
      offset = header.last_offset() + 1;
    }
    if (offset == before) break;
  }
  producers_.advance_log_start_offset(start);
  return {};
}

// ---- appends --------------------------------------------------------------

void LogImpl::note_sealed(const Segment& segment) {
  std::lock_guard lock(pending_mutex_);
  pending_index_syncs_.push_back(segment.offset_index().path());
  pending_index_syncs_.push_back(segment.time_index().path());
}

Result<void> LogImpl::roll(int64_t base_offset, int64_t now_ms) {
  // The producer state as of the new segment's start: recovery replays at
  // most the segments after it.
  if (auto r = write_producer_snapshot(fs_, dir_, producers_, base_offset); !r) return r;
  {
    std::lock_guard pending(pending_mutex_);
    dir_sync_pending_ = true;
  }
  Segment& old = active();
  if (auto r = old.seal(); !r) return r;
  note_sealed(old);
  return create_active(base_offset, now_ms);
}

Result<void> LogImpl::create_active(int64_t base_offset, int64_t now_ms) {
  auto segment = Segment::create(dir_, base_offset, files_, now_ms);
  if (!segment) return fail(segment.error());
  segments_.emplace(base_offset, std::move(*segment));
  std::lock_guard lock(pending_mutex_);
  dir_sync_pending_ = true;
  return {};
}

Result<void> LogImpl::maybe_roll(const RecordBatchHeader& header, uint64_t batch_size, int64_t now_ms) {
  const Segment& segment = active();
  const bool offsets_fit = header.base_offset >= segment.base_offset() &&
                           header.last_offset() - segment.base_offset() <= kMaxRelativeOffset;
  if (segment.empty()) {
    if (offsets_fit) return {};
    // An empty active segment whose base cannot hold these offsets (a
    // follower after a gap): replace it.
    if (auto r = delete_segment(std::prev(segments_.end())); !r) return r;
    return create_active(header.base_offset, now_ms);
  }
  const bool full = segment.size() + batch_size > static_cast<uint64_t>(config_.segment_bytes) ||
                    segment.offset_index().size_bytes() + OffsetIndexEntry::kSize >
                        static_cast<size_t>(config_.segment_index_bytes) ||
                    segment.time_index().size_bytes() + TimeIndexEntry::kSize >
                        static_cast<size_t>(config_.segment_index_bytes);
  const bool old = now_ms - segment.rolling_timestamp_ms() > config_.segment_ms;
  if (offsets_fit && !full && !old) return {};
  return roll(header.base_offset, now_ms);
}

Result<void> LogImpl::append_locked(const RecordBatchHeader& header, std::span<const std::byte> batch, int64_t now_ms) {
  if (auto r = maybe_roll(header, batch.size(), now_ms); !r) return r;
  Segment& segment = active();
  const uint64_t before = segment.size();
  if (auto r = segment.append(header, batch, config_.index_interval_bytes, now_ms); !r) {
    if (auto f = segment.log_file()) (void)(*f)->truncate(before);  // leave no partial batch behind
    return fail(Errc::io_error);
  }
  log_end_offset_.store(header.last_offset() + 1, std::memory_order_release);
  if (header.partition_leader_epoch >= 0) {
    if (auto r = epochs_.assign(header.partition_leader_epoch, header.base_offset); !r) return r;
  }
  return {};
}

Result<AppendInfo> LogImpl::append_as_leader(std::span<std::byte> batch, int32_t leader_epoch, int64_t now_ms) {
  if (batch.size() > static_cast<size_t>(config().max_message_bytes)) return fail(Errc::message_too_large);
  auto header = protocol::validate_batch(batch);
  if (!header) return fail(refusal(header.error()));
  if (header->records_count <= 0 || int64_t{header->records_count} != int64_t{header->last_offset_delta} + 1)
    return fail(Errc::invalid_record);
  if (config().cleanup_compact && !every_record_has_key(batch)) return fail(Errc::invalid_record);

  std::unique_lock lock(mutex_);
  const ProducerCheck check = producers_.check(*header);
  if (check.outcome == ProducerCheck::Outcome::refused)
    return fail(check.error == protocol::ErrorCode::invalid_producer_epoch ? Errc::invalid_producer_epoch
                                                                           : Errc::out_of_order_sequence);
  if (check.outcome == ProducerCheck::Outcome::duplicate) {
    AppendInfo info{check.original.first_offset, check.original.last_offset, check.original.max_timestamp, -1, 0, 0};
    info.duplicate = true;
    return info;
  }
  header->base_offset = log_end_offset_.load();
  header->partition_leader_epoch = leader_epoch;
  protocol::set_base_offset(batch, header->base_offset);
  protocol::set_partition_leader_epoch(batch, leader_epoch);
  if (auto r = append_locked(*header, batch, now_ms); !r) return fail(r.error());
  producers_.replay(*header);
  return AppendInfo{header->base_offset, header->last_offset(), header->max_timestamp, -1, header->records_count,
                    static_cast<int64_t>(batch.size())};
}

Result<AppendInfo> LogImpl::append_with_offsets(std::span<const std::byte> batches, int64_t now_ms) {
  std::vector<std::pair<RecordBatchHeader, std::span<const std::byte>>> parsed;
  for (size_t position = 0; position < batches.size();) {
    if (batches.size() - position < protocol::kLogOverhead) return fail(Errc::corrupt_message);
    auto frame = protocol::read_frame(batches.subspan(position));
    if (frame.batch_length < 0 ||
        static_cast<uint64_t>(frame.batch_length) > batches.size() - position - protocol::kLogOverhead)
      return fail(Errc::corrupt_message);
    auto batch = batches.subspan(position, protocol::kLogOverhead + static_cast<size_t>(frame.batch_length));
    auto header = protocol::validate_batch(batch);
    if (!header) return fail(refusal(header.error()));
    // Offsets must fit: last_offset() + 1 is computed everywhere after this.
    if (header->base_offset < 0 ||
        header->base_offset > std::numeric_limits<int64_t>::max() - 1 - header->last_offset_delta)
      return fail(Errc::corrupt_message);
    if (!parsed.empty() && header->base_offset <= parsed.back().first.last_offset())
      return fail(Errc::offset_not_increasing);
    parsed.emplace_back(*header, batch);
    position += batch.size();
  }
  if (parsed.empty()) return fail(Errc::corrupt_message);

  std::unique_lock lock(mutex_);
  if (parsed.front().first.base_offset < log_end_offset_.load()) return fail(Errc::offset_not_increasing);
  AppendInfo info{parsed.front().first.base_offset, parsed.back().first.last_offset(), -1, -1, 0, 0};
  for (const auto& [header, batch] : parsed) {
    if (auto r = append_locked(header, batch, now_ms); !r) return fail(r.error());
    producers_.replay(header);
    info.max_timestamp = std::max(info.max_timestamp, header.max_timestamp);
    info.record_count += header.records_count;
    info.bytes += static_cast<int64_t>(batch.size());
  }
  return info;
}

// ---- reads ----------------------------------------------------------------

Result<FileRange> LogImpl::read(int64_t offset, int64_t max_bytes, int64_t upper_bound) const {
  std::shared_lock lock(mutex_);
  if (offset < log_start_offset_.load() || offset > log_end_offset_.load()) return fail(Errc::offset_out_of_range);
  if (offset >= upper_bound || offset == log_end_offset_.load()) return FileRange{};
  auto it = segments_.upper_bound(offset);
  if (it != segments_.begin()) --it;
  for (; it != segments_.end(); ++it) {
    auto location = it->second->find_batch(offset);
    if (!location) return fail(location.error());
    if (*location) return it->second->read((*location)->position, max_bytes, upper_bound);
  }
  return FileRange{};
}

Result<std::optional<TimestampAndOffset>> LogImpl::offset_for_timestamp(int64_t timestamp) const {
  std::shared_lock lock(mutex_);
  for (const auto& [base, segment] : segments_) {
    if (segment->max_timestamp() < timestamp || segment->next_offset() <= log_start_offset_.load()) continue;
    auto found = segment->find_offset_by_timestamp(timestamp, log_start_offset_.load());
    if (!found || *found) return found;
  }
  return std::optional<TimestampAndOffset>{};
}

int64_t LogImpl::max_timestamp() const {
  std::shared_lock lock(mutex_);
  int64_t max = -1;
  for (const auto& [base, segment] : segments_) max = std::max(max, segment->max_timestamp());
  return max;
}

int64_t LogImpl::size_bytes() const {
  std::shared_lock lock(mutex_);
  int64_t total = 0;
  for (const auto& [base, segment] : segments_) total += static_cast<int64_t>(segment->size());
  return total;
}

// ---- durability -----------------------------------------------------------

Result<void> LogImpl::flush_until(int64_t offset) {
  std::unique_lock flush_lock(flush_mutex_);
  while (flushed_offset_.load() < offset) {
    if (flush_running_) {
      flush_done_.wait(flush_lock);
      continue;
    }
    flush_running_ = true;
    flush_lock.unlock();

    int64_t target;
    std::vector<std::shared_ptr<Segment>> dirty;
    std::vector<std::string> index_syncs;
    bool dir_sync;
    {
      std::shared_lock lock(mutex_);
      target = log_end_offset_.load();
      auto it = segments_.upper_bound(flushed_offset_.load());
      if (it != segments_.begin()) --it;
      for (; it != segments_.end(); ++it) dirty.push_back(it->second);
    }
    {
      std::lock_guard lock(pending_mutex_);
      index_syncs.swap(pending_index_syncs_);
      dir_sync = std::exchange(dir_sync_pending_, false);
    }
    Result<void> result;
    for (auto& segment : dirty) {
      if (!result) break;
      result = segment->flush();
      if (!result) {  // a segment deleted meanwhile (retention) has nothing left to flush
        std::shared_lock lock(mutex_);
        auto it = segments_.find(segment->base_offset());
        if (it == segments_.end() || it->second != segment) result = {};
      }
    }
    for (const auto& path : index_syncs) {
      if (!result) break;
      if (!fs_.exists(path)) continue;  // deleted since it was sealed
      auto file = files_.open(path, OpenMode::read_write);
      result = file ? (*file)->sync() : fail(file.error());
    }
    if (result && dir_sync) result = fs_.sync_directory(dir_);
    if (!result) {
      std::lock_guard lock(pending_mutex_);
      pending_index_syncs_.insert(pending_index_syncs_.end(), index_syncs.begin(), index_syncs.end());
      dir_sync_pending_ = dir_sync_pending_ || dir_sync;
    }

    flush_lock.lock();
    flush_running_ = false;
    if (result) {
      last_flush_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      int64_t reached = std::min(target, log_end_offset_.load());
      int64_t prev = flushed_offset_.load();
      while (prev < reached && !flushed_offset_.compare_exchange_weak(prev, reached)) {
      }
    }
    flush_done_.notify_all();
    if (!result) return fail(Errc::io_error);
  }
  return {};
}

bool LogImpl::flush_due(int64_t now_ms) const {
  const int64_t unflushed = log_end_offset_.load() - flushed_offset_.load();
  if (unflushed <= 0) return false;
  const LogConfig settings = config();
  return unflushed >= settings.flush_interval_messages || now_ms - last_flush_ms_.load() >= settings.flush_interval_ms;
}

// ---- truncation and deletion ----------------------------------------------

Result<void> LogImpl::delete_segment(std::map<int64_t, std::shared_ptr<Segment>>::iterator it) {
  auto segment = it->second;
  segments_.erase(it);
  if (auto r = segment->remove_files(); !r) return r;
  std::lock_guard lock(pending_mutex_);
  dir_sync_pending_ = true;
  return {};
}

Result<void> LogImpl::truncate_to(int64_t offset) {
  std::lock_guard structure(structure_mutex_);
  std::unique_lock lock(mutex_);
  if (offset >= log_end_offset_.load()) return {};
  if (offset <= segments_.begin()->first) {
    if (auto r = restart_empty_at_locked(std::max<int64_t>(offset, 0)); !r) return r;
  } else {
    while (std::prev(segments_.end())->first >= offset)
      if (auto r = delete_segment(std::prev(segments_.end())); !r) return r;
    if (auto r = active().truncate_to(offset, config_.index_interval_bytes); !r) return r;
    std::lock_guard pending(pending_mutex_);
    dir_sync_pending_ = true;
  }
  log_end_offset_ = active().next_offset();
  if (flushed_offset_.load() > log_end_offset_.load()) flushed_offset_ = log_end_offset_.load();
  if (cleaner_checkpoint_.load() > log_end_offset_.load()) cleaner_checkpoint_ = log_end_offset_.load();
  if (high_watermark_.load() > log_end_offset_.load()) high_watermark_ = log_end_offset_.load();
  forget_clean_history_from(log_end_offset_.load());
  producers_.truncate_to(log_end_offset_.load());
  if (auto r = load_producer_snapshot(fs_, dir_, log_end_offset_.load()); !r) return fail(r.error());  // drops later ones
  return epochs_.truncate_from_end(log_end_offset_.load());
}

void LogImpl::forget_clean_history_from(int64_t end) {
  std::lock_guard history(history_mutex_);
  clean_passes_.clear();
  tombstones_removable_below_ = std::min(tombstones_removable_below_, end);
}

Result<void> LogImpl::restart_empty_at_locked(int64_t base) {
  while (!segments_.empty())
    if (auto r = delete_segment(std::prev(segments_.end())); !r) return r;
  if (auto r = create_active(base, 0); !r) return r;
  log_start_offset_ = base;
  return {};
}

Result<void> LogImpl::truncate_fully_and_start_at(int64_t offset) {
  std::lock_guard structure(structure_mutex_);
  std::unique_lock lock(mutex_);
  if (auto r = restart_empty_at_locked(offset); !r) return r;
  log_end_offset_ = offset;
  flushed_offset_ = offset;
  cleaner_checkpoint_ = offset;
  high_watermark_ = offset;
  forget_clean_history_from(offset);
  producers_.advance_log_start_offset(offset);
  if (auto r = remove_producer_snapshots_below(fs_, dir_, offset + 1); !r) return r;
  return epochs_.truncate_from_end(0);
}

Result<void> LogImpl::advance_log_start_offset(int64_t offset) {
  std::lock_guard structure(structure_mutex_);
  return advance_log_start_offset_locked(offset);
}

Result<void> LogImpl::advance_log_start_offset_locked(int64_t offset) {
  std::unique_lock lock(mutex_);
  if (offset <= log_start_offset_.load()) return {};
  if (offset > log_end_offset_.load()) return fail(Errc::offset_out_of_range);
  log_start_offset_ = offset;
  if (active().next_offset() <= offset && !active().empty()) {
    if (auto r = roll(log_end_offset_.load(), 0); !r) return r;
  }
  while (segments_.size() > 1 && segments_.begin()->second->next_offset() <= offset)
    if (auto r = delete_segment(segments_.begin()); !r) return r;
  producers_.advance_log_start_offset(offset);
  if (auto r = remove_producer_snapshots_below(fs_, dir_, segments_.begin()->first); !r) return r;
  return epochs_.truncate_from_start(offset);
}

Result<int> LogImpl::apply_retention(int64_t now_ms, int64_t upper_bound) {
  std::lock_guard structure(structure_mutex_);
  int deleted = 0;
  int64_t new_start = -1;
  if (deleted_) return 0;
  {
    std::shared_lock lock(mutex_);
    if (!config_.cleanup_delete) return 0;
    int64_t excess = -1;
    if (config_.retention_bytes >= 0) {
      int64_t total = 0;
      for (const auto& [base, segment] : segments_) total += static_cast<int64_t>(segment->size());
      excess = total - config_.retention_bytes;
    }
    for (auto it = segments_.begin(); it != segments_.end(); ++it) {
      const Segment& segment = *it->second;
      if (segment.empty() || segment.next_offset() > upper_bound) break;
      const auto size = static_cast<int64_t>(segment.size());
      const bool expired = config_.retention_ms >= 0 && now_ms - segment.max_timestamp() > config_.retention_ms;
      const bool over_size = excess >= size;
      if (!expired && !over_size) break;
      excess -= size;  // whatever deletes it, the log is that much smaller
      ++deleted;
      auto next = std::next(it);
      new_start = next == segments_.end() ? segment.next_offset() : next->first;
    }
  }
  if (deleted == 0 || new_start <= log_start_offset_.load()) return 0;
  if (auto r = advance_log_start_offset_locked(new_start); !r) return fail(r.error());
  return deleted;
}

std::vector<SegmentInfo> LogImpl::segments() const {
  std::shared_lock lock(mutex_);
  std::vector<SegmentInfo> result;
  result.reserve(segments_.size());
  for (const auto& [base, segment] : segments_)
    result.push_back(SegmentInfo{base, segment->next_offset(), segment->size(), segment->max_timestamp()});
  return result;
}

// ---- the cleaner's swap ---------------------------------------------------

Result<void> LogImpl::finish_swap(const SwapIntent& intent) {
  for (int64_t base : intent.old_bases) {
    if (intent.staged_base && base == *intent.staged_base) continue;  // replaced by the renames below
    for (const char* suffix : kSegmentSuffixes) {
      files_.forget(segment_path(base, suffix));
      if (auto r = fs_.remove(segment_path(base, suffix)); !r) return r;
    }
  }
  if (intent.staged_base) {
    for (const char* suffix : kSegmentSuffixes) {
      const std::string from = staged_path(*intent.staged_base, suffix);
      if (!fs_.exists(from)) continue;  // renamed before a crash
      files_.forget(from);
      files_.forget(segment_path(*intent.staged_base, suffix));
      if (auto r = fs_.rename(from, segment_path(*intent.staged_base, suffix)); !r) return r;
    }
  }
  return {};
}

Result<void> LogImpl::recover_swap() {
  const std::string intent_path = dir_ + "/" + kCleanerSwapIntent;
  if (fs_.exists(intent_path)) {
    auto bytes = read_file(fs_, intent_path);
    if (!bytes) return fail(bytes.error());
    // write_file_atomically makes a torn intent impossible; refuse to guess.
    auto intent = decode_swap_intent(*bytes);
    if (!intent) return fail(Errc::bad_checkpoint);
    if (auto r = finish_swap(*intent); !r) return r;
    if (auto r = retire_intent(intent_path); !r) return r;
  }
  return fs_.exists(cleaning_dir()) ? remove_stage() : Result<void>{};
}

Result<void> LogImpl::retire_intent(const std::string& intent_path) {
  if (auto r = fs_.sync_directory(dir_); !r) return r;  // the completed swap is durable first
  if (auto r = fs_.remove(intent_path); !r) return r;
  return fs_.sync_directory(dir_);
}

Result<void> LogImpl::remove_stage() {
  files_.forget_prefix(cleaning_dir() + "/");
  return fs_.remove_all(cleaning_dir());
}

Result<void> LogImpl::swap_cleaned_segments(const std::vector<int64_t>& old_bases, std::optional<int64_t> staged_base,
                                            const std::function<void(SwapStep)>& on_step) {
  auto step = [&](SwapStep s) {
    if (on_step) on_step(s);
  };
  std::lock_guard structure(structure_mutex_);
  if (old_bases.empty() || deleted_ || swap_incomplete_) return fail(Errc::cleaner_aborted);
  {
    // The old segments must still be there, consecutive and sealed.
    std::shared_lock lock(mutex_);
    auto it = segments_.find(old_bases.front());
    bool present = it != segments_.end();
    for (size_t i = 0; present && i < old_bases.size(); ++i, ++it)
      present = it != segments_.end() && it->first == old_bases[i] && std::next(it) != segments_.end();
    if (!present || (staged_base && *staged_base != old_bases.front())) {
      lock.unlock();
      if (auto r = remove_stage(); !r) return r;
      return fail(Errc::cleaner_aborted);
    }
  }
  // Segment::flush() synced the staged .log; its sealed indexes too must be
  // durable before the commit point.
  if (staged_base) {
    for (const char* suffix : {".index", ".timeindex"}) {
      auto file = fs_.open(staged_path(*staged_base, suffix), OpenMode::read_write);
      if (!file) return fail(file.error());
      if (auto r = (*file)->sync(); !r) return r;
    }
  }
  if (auto r = fs_.sync_directory(cleaning_dir()); !r) return r;
  step(SwapStep::staged);
  const std::string intent_text = encode_swap_intent(old_bases, staged_base);
  const std::string intent_path = dir_ + "/" + kCleanerSwapIntent;
  if (auto r = write_file_atomically(fs_, intent_path, std::as_bytes(std::span(intent_text))); !r) return r;
  step(SwapStep::committed);
  auto result = complete_committed_swap(old_bases, staged_base, intent_path, step);
  if (!result) swap_incomplete_ = true;  // the next open completes it from the intent
  return result;
}

Result<void> LogImpl::complete_committed_swap(const std::vector<int64_t>& old_bases, std::optional<int64_t> staged_base,
                                              const std::string& intent_path,
                                              const std::function<void(SwapStep)>& step) {
  {
    std::unique_lock lock(mutex_);
    std::shared_ptr<Segment> replacement;
    if (staged_base) {
      // Old files of other bases first, then renames over the first one's
      // names: a crash in between leaves what finish_swap() completes.
      SwapIntent intent{staged_base, old_bases};
      intent.staged_base.reset();
      intent.old_bases.erase(intent.old_bases.begin());
      if (auto r = finish_swap(intent); !r) return r;
      step(SwapStep::old_removed);
      if (auto r = finish_swap(SwapIntent{staged_base, {}}); !r) return r;
      replacement = std::make_shared<Segment>(dir_, *staged_base, files_);
      if (auto r = replacement->load(false, config_.index_interval_bytes); !r) return r;
    } else {
      if (auto r = finish_swap(SwapIntent{std::nullopt, old_bases}); !r) return r;
      step(SwapStep::old_removed);
    }
    step(SwapStep::renamed);
    for (int64_t base : old_bases) segments_.erase(base);
    if (replacement) segments_.emplace(*staged_base, std::move(replacement));
  }
  if (auto r = retire_intent(intent_path); !r) return r;
  if (auto r = remove_stage(); !r) return r;
  step(SwapStep::done);
  return {};
}

Result<void> LogImpl::close() {
  if (auto r = flush_until(log_end_offset_.load()); !r) return r;
  std::unique_lock lock(mutex_);
  Segment& segment = active();
  if (auto r = segment.seal(); !r) return r;
  for (const auto& path : {segment.offset_index().path(), segment.time_index().path()}) {
    auto file = files_.open(path, OpenMode::read_write);
    if (!file) return fail(file.error());
    if (auto r = (*file)->sync(); !r) return r;
  }
  // A clean start loads this and replays nothing.
  if (auto r = write_producer_snapshot(fs_, dir_, producers_, log_end_offset_.load()); !r) return r;
  return fs_.sync_directory(dir_);
}

// ---- Log: the public face -------------------------------------------------

Log::Log(std::unique_ptr<LogImpl> impl) : impl_(std::move(impl)) {}
Log::~Log() = default;

const std::string& Log::dir() const { return impl_->dir_; }
LogConfig Log::config() const { return impl_->config(); }
void Log::set_config(const LogConfig& config) { impl_->set_config(config); }

Result<AppendInfo> Log::append_as_leader(std::span<std::byte> batch, int32_t leader_epoch, int64_t now_ms) {
  return impl_->append_as_leader(batch, leader_epoch, now_ms);
}
Result<AppendInfo> Log::append_with_offsets(std::span<const std::byte> batches, int64_t now_ms) {
  return impl_->append_with_offsets(batches, now_ms);
}
Result<FileRange> Log::read(int64_t offset, int64_t max_bytes, int64_t upper_bound) const {
  return impl_->read(offset, max_bytes, upper_bound);
}
Result<std::optional<TimestampAndOffset>> Log::offset_for_timestamp(int64_t timestamp) const {
  return impl_->offset_for_timestamp(timestamp);
}
int64_t Log::log_start_offset() const { return impl_->log_start_offset_.load(); }
int64_t Log::log_end_offset() const { return impl_->log_end_offset_.load(); }
int64_t Log::flushed_offset() const { return impl_->flushed_offset_.load(); }
int64_t Log::max_timestamp() const { return impl_->max_timestamp(); }
int64_t Log::size_bytes() const { return impl_->size_bytes(); }
size_t Log::segment_count() const { return impl_->segment_count(); }
Result<void> Log::flush_until(int64_t offset) { return impl_->flush_until(offset); }
Result<void> Log::flush() { return impl_->flush_until(impl_->log_end_offset_.load()); }
bool Log::flush_due(int64_t now_ms) const { return impl_->flush_due(now_ms); }
Result<void> Log::truncate_to(int64_t offset) { return impl_->truncate_to(offset); }
Result<void> Log::truncate_fully_and_start_at(int64_t offset) { return impl_->truncate_fully_and_start_at(offset); }
Result<void> Log::advance_log_start_offset(int64_t offset) { return impl_->advance_log_start_offset(offset); }
Result<int> Log::apply_retention(int64_t now_ms, int64_t upper_bound) {
  return impl_->apply_retention(now_ms, upper_bound);
}
std::vector<SegmentInfo> Log::segments() const { return impl_->segments(); }
int64_t Log::cleaner_checkpoint() const { return impl_->cleaner_checkpoint_.load(); }
void Log::set_cleaner_checkpoint(int64_t offset) { impl_->cleaner_checkpoint_ = offset; }
int64_t Log::high_watermark() const { return impl_->high_watermark_.load(); }
void Log::set_high_watermark(int64_t offset) { impl_->high_watermark_ = offset; }
Result<std::unique_ptr<Segment>> Log::stage_segment(int64_t base_offset, int64_t now_ms) {
  return impl_->stage_segment(base_offset, now_ms);
}
Result<void> Log::swap_cleaned_segments(const std::vector<int64_t>& old_bases, std::optional<int64_t> staged_base,
                                        const std::function<void(SwapStep)>& on_step) {
  return impl_->swap_cleaned_segments(old_bases, staged_base, on_step);
}
std::map<int64_t, int64_t> Log::producer_last_offsets() const { return impl_->producer_last_offsets(); }
void Log::record_clean_pass(int64_t map_end, int64_t now_ms) { impl_->record_clean_pass(map_end, now_ms); }
int64_t Log::tombstones_removable_below(int64_t now_ms) const { return impl_->tombstones_removable_below(now_ms); }
void Log::mark_deleted() { impl_->mark_deleted(); }
LeaderEpochCache& Log::leader_epochs() { return impl_->epochs_; }
void Log::expire_producers(int64_t now_ms) { impl_->expire_producers(now_ms); }
const ProducerStateManager& Log::producer_state() const { return impl_->producers_; }
const RecoveryReport& Log::recovery_report() const { return impl_->report_; }
Result<void> Log::close() { return impl_->close(); }

}  // namespace runnel::storage
