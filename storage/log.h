#pragma once
// Log: the durable, segmented, append-only log of one topic-partition, in
// directory <log.dir>/<topic>-<partition>/ (format: storage/README.md).
//
// Offsets: log_start_offset <= flushed_offset <= log_end_offset. Offsets only
// grow; gaps are allowed (compaction). Visibility is the caller's choice of
// `upper_bound` in read(): the broker passes the high watermark.
//
// Thread safety: all methods may be called concurrently. Appends are short
// critical sections; flush_until() blocks the caller (run it off I/O threads)
// and coalesces concurrent callers into shared fsyncs (group commit).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/result.h"
#include "storage/file.h"
#include "storage/file_range.h"
#include "storage/leader_epoch_cache.h"
#include "storage/log_config.h"
#include "storage/producer_state.h"

namespace runnel::storage {

class FileHandleCache;
class LogImpl;
class Segment;

struct AppendInfo {
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t max_timestamp = -1;
  int64_t log_append_time_ms = -1;  // -1 unless the batch got LogAppendTime
  int64_t record_count = 0;
  int64_t bytes = 0;
  // An idempotent producer's retry of a batch already in the log: nothing
  // was written; the offsets are the original batch's.
  bool duplicate = false;
};

// A segment as the cleaner and retention see it.
struct SegmentInfo {
  int64_t base_offset;
  int64_t next_offset;    // one past its last offset; base_offset when empty
  uint64_t size;          // bytes
  int64_t max_timestamp;  // largest record timestamp, -1 if empty
};

// Where the cleaner is when swap_cleaned_segments() runs (test hooks that
// stop the process at each step).
enum class SwapStep { staged, committed, old_removed, renamed, done };

struct TimestampAndOffset {
  int64_t timestamp;
  int64_t offset;
};

// What opening the log found: batches validated after an unclean shutdown,
// and what was cut off.
struct RecoveryReport {
  int segments_validated = 0;
  uint64_t bytes_truncated = 0;
  int segments_deleted = 0;
  int indexes_rebuilt = 0;
};

struct LogOpenOptions {
  std::string dir;                  // the partition directory
  LogConfig config;
  FileSystem* fs = nullptr;         // required
  FileHandleCache* files = nullptr; // required: bounds open descriptors
  // Everything below this offset is known durable (recovery-point checkpoint);
  // bytes after it are validated on open unless clean_shutdown.
  int64_t recovery_point = 0;
  int64_t log_start_offset = 0;     // from log-start-offset-checkpoint
  int64_t cleaner_checkpoint = 0;   // from cleaner-offset-checkpoint
  int64_t high_watermark = 0;       // from replication-offset-checkpoint
  bool clean_shutdown = false;
};

class Log {
 public:
  // Opens (creating the directory if missing) and recovers the log: from the
  // segment holding `recovery_point` every batch is validated (length, CRC,
  // offsets strictly increasing); the log is cut at the first invalid byte,
  // later segments deleted, and their indexes rebuilt. Indexes that are
  // missing or damaged are rebuilt anywhere.
  static Result<std::unique_ptr<Log>> open(const LogOpenOptions& options);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  const std::string& dir() const;
  // The settings in force; set_config() changes them for later appends,
  // rolls and flush decisions (the broker applies topic config changes).
  LogConfig config() const;
  void set_config(const LogConfig& config);

  // Appends one batch from a producer: validates it (CORRUPT_MESSAGE,
  // INVALID_RECORD, MESSAGE_TOO_LARGE; the log is unchanged on refusal),
  // checks an idempotent producer's epoch and sequence (storage/producer_state.h:
  // a retry of one of its last 5 batches is answered with the original
  // offsets and `duplicate`; out_of_order_sequence, invalid_producer_epoch),
  // writes base_offset = log end offset and partition_leader_epoch =
  // `leader_epoch` into `batch` in place, then appends. Rolls the active
  // segment first when it is full, old (segment.ms against `now_ms`), its
  // index is full, or offsets would overflow its 32-bit relative range.
  Result<AppendInfo> append_as_leader(std::span<std::byte> batch, int32_t leader_epoch, int64_t now_ms);

  // Appends batches that already carry offsets and epochs (followers, the
  // cleaner): one or more concatenated batches, each validated, each base
  // offset >= log end offset (Errc::offset_not_increasing otherwise).
  Result<AppendInfo> append_with_offsets(std::span<const std::byte> batches, int64_t now_ms);

  // Whole batches from the one containing `offset`, stopping before the
  // first batch whose last offset is >= `upper_bound`, within one segment.
  // At most `max_bytes`, except that the first batch is returned whole even
  // if larger. Empty when offset >= upper_bound or offset == log end.
  // Errc::offset_out_of_range when offset < log start or > log end.
  Result<FileRange> read(int64_t offset, int64_t max_bytes, int64_t upper_bound) const;

  // The earliest record with timestamp >= `timestamp`, or nullopt if none.
  Result<std::optional<TimestampAndOffset>> offset_for_timestamp(int64_t timestamp) const;

  int64_t log_start_offset() const;
  int64_t log_end_offset() const;
  // Every offset below it is durable.
  int64_t flushed_offset() const;
  // Largest record timestamp in the log, -1 if empty.
  int64_t max_timestamp() const;
  int64_t size_bytes() const;
  size_t segment_count() const;

  // Makes everything below `offset` durable. Callers arriving while an fsync
  // runs wait for it and share the next one.
  Result<void> flush_until(int64_t offset);
  Result<void> flush();
  // True when the flush policy (flush.messages, flush.ms) asks for a flush.
  bool flush_due(int64_t now_ms) const;

  // Removes every record at or after `offset` (followers after a leader
  // change). No-op when offset >= log end offset.
  Result<void> truncate_to(int64_t offset);
  // Removes every segment and restarts the log empty at `offset` (log start = log end = flushed
  // = `offset`, which may lie beyond the old log end), without producer state or leader
  // epochs: a follower whose log ends below the leader's log start (retention outran it),
  // as Kafka's truncateFullyAndStartAt.
  Result<void> truncate_fully_and_start_at(int64_t offset);
  // Moves the log start offset forward to `offset` (<= log end offset) and
  // deletes segments lying wholly below it.
  Result<void> advance_log_start_offset(int64_t offset);

  // Retention, for cleanup.policy "delete" (a no-op otherwise): deletes the
  // oldest segments while their newest record is older than retention.ms
  // (against `now_ms`) or the log is larger than retention.bytes, and moves
  // the log start offset to the first kept segment. Only segments wholly
  // below `upper_bound` (the high watermark) go. When every segment goes,
  // an empty active segment is rolled first at the log end. Returns the
  // number of segments deleted.
  Result<int> apply_retention(int64_t now_ms, int64_t upper_bound);

  // Every segment, oldest first; the last is the active one.
  std::vector<SegmentInfo> segments() const;

  // The cleaner's progress: offsets below it were compacted (the first
  // dirty offset). Persisted by LogManager in cleaner-offset-checkpoint.
  int64_t cleaner_checkpoint() const;
  void set_cleaner_checkpoint(int64_t offset);
  // The replication high watermark the broker last recorded here (as Kafka's log keeps it):
  // LogManager persists it in replication-offset-checkpoint and the log opens with it, kept
  // between the log start and end offsets, so a restarted replica does not begin at 0.
  int64_t high_watermark() const;
  void set_high_watermark(int64_t offset);
  // A new, empty segment in the cleaner's staging directory (emptied
  // first), written through the log's file system; seal and flush it, drop
  // it, then pass its base to swap_cleaned_segments().
  Result<std::unique_ptr<Segment>> stage_segment(int64_t base_offset, int64_t now_ms);
  // Replaces the sealed segments `old_bases` (consecutive, oldest first) by
  // the segment staged in cleaning_dir() with base `staged_base` (already
  // sealed and fsynced), or by nothing when `staged_base` is nullopt. Crash
  // safe: an intent file written atomically is the commit point; a crash
  // before it leaves the old segments (the stage is discarded at open), a
  // crash after it is completed at open. Errc::cleaner_aborted when a segment
  // changed meanwhile (retention, truncation); the stage is then discarded.
  // A failure after the commit point leaves the swap to the next open:
  // staging refuses until then.
  // `on_step`, if set, is called after each step.
  Result<void> swap_cleaned_segments(const std::vector<int64_t>& old_bases, std::optional<int64_t> staged_base,
                                     const std::function<void(SwapStep)>& on_step = {});
  // The cleaner's pass history, for tombstones: record_clean_pass() after
  // each pass; tombstones below the returned offset went through a pass at
  // least delete.retention.ms before `now_ms` and may go. In memory: after
  // a restart tombstones wait delete.retention.ms after the next pass.
  void record_clean_pass(int64_t map_end, int64_t now_ms);
  int64_t tombstones_removable_below(int64_t now_ms) const;
  // The log's directory is being deleted: retention, staging and swaps
  // refuse from now on (after any running one finished).
  void mark_deleted();
  // For each idempotent producer, the last offset of its last batch: the
  // cleaner keeps those batches so the producer state can be rebuilt.
  std::map<int64_t, int64_t> producer_last_offsets() const;

  LeaderEpochCache& leader_epochs();
  // Forgets idempotent producers idle for producer_id_expiration_ms.
  void expire_producers(int64_t now_ms);
  // The producer state (for tests and tools); valid while no append runs.
  const ProducerStateManager& producer_state() const;
  const RecoveryReport& recovery_report() const;

  // Clean close: flush everything and persist indexes. The object must not
  // be used afterwards. Destroying without close() models a crash: nothing
  // more is written.
  Result<void> close();

 private:
  explicit Log(std::unique_ptr<LogImpl> impl);
  std::unique_ptr<LogImpl> impl_;
};

}  // namespace runnel::storage
