#pragma once
// LogCleaner: key-based compaction of one log (cleanup.policy=compact).
//
// The log splits at the cleaner checkpoint (the first dirty offset) into a
// clean head, already compacted, and a dirty tail. One pass:
//  1. reads the dirty tail, from the checkpoint up to the first uncleanable
//     offset (the active segment, the high watermark, the flushed offset,
//     and segments newer than min.compaction.lag.ms stay out), into a map
//     key -> latest offset, until the map would pass
//     log.cleaner.dedupe.buffer.size; the map covers [checkpoint, map_end);
//  2. rewrites every sealed segment below map_end, in groups of consecutive
//     segments that fit one segment (segment.bytes, 32-bit relative
//     offsets), keeping a record when it has a key and no later offset of
//     that key is in the map (records at or after map_end are all kept).
//     Tombstones (null values) go once a pass that covered them ran at least
//     delete.retention.ms ago (Log::tombstones_removable_below).
//     Offsets, order and batch metadata stay: a batch whose records all stay
//     is copied byte for byte; one that loses some is rebuilt with the same
//     base offset, last offset delta, producer id, epoch, base sequence,
//     attributes and codec; one that loses all is dropped, unless it is the
//     last batch of an idempotent producer, which stays as an empty (and
//     uncompressed) batch so the producer state can be rebuilt from the log,
//     with its max timestamp, until the producer writes again. Control
//     batches are copied; keyless records (only possible from before the
//     topic became compacted) are dropped;
//  3. swaps each group's new segment in with Log::swap_cleaned_segments
//     (crash safe) and moves the checkpoint to map_end.
// Appends and fetches go on meanwhile: the cleaner reads through Log::read
// and takes the log's lock only to swap.

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>

#include "protocol/result.h"
#include "storage/log.h"

namespace runnel::storage {

struct CleanerConfig {
  uint64_t dedupe_buffer_bytes = 128u << 20;                       // log.cleaner.dedupe.buffer.size
  double io_max_bytes_per_second = std::numeric_limits<double>::max();  // log.cleaner.io.max.bytes.per.second
  uint64_t io_buffer_bytes = 512u << 10;                            // log.cleaner.io.buffer.size
};

// What the cleaner may compact now, and how dirty the log is.
struct CleanableRange {
  int64_t first_dirty = 0;        // the checkpoint, at least the log start
  int64_t first_uncleanable = 0;  // a segment base; offsets from here stay
  uint64_t clean_bytes = 0;       // sealed segments below first_dirty
  uint64_t dirty_bytes = 0;       // segments in [first_dirty, first_uncleanable)
  double dirty_ratio() const {
    const uint64_t total = clean_bytes + dirty_bytes;
    return total == 0 ? 0.0 : static_cast<double>(dirty_bytes) / static_cast<double>(total);
  }
};

// `upper_bound` is the high watermark: offsets at or above it stay dirty.
CleanableRange cleanable_range(const Log& log, int64_t now_ms, int64_t upper_bound);

struct CleanStats {
  int64_t first_dirty = 0;
  int64_t map_end = 0;  // the new checkpoint
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  int64_t records_read = 0;
  int64_t records_removed = 0;
  size_t segments_before = 0;
  size_t segments_after = 0;
  size_t map_entries = 0;
  uint64_t map_bytes = 0;  // what the key map accounted against the buffer
};

class LogCleaner {
 public:
  explicit LogCleaner(CleanerConfig config) : config_(config) {}

  // One pass over `log` (see above); nothing to do gives map_end ==
  // first_dirty. Errc::cleaner_aborted when retention or truncation
  // changed the segments meanwhile (a later pass retries), or when
  // `cancel` is set (shutdown). `on_swap` is passed to every swap (tests).
  Result<CleanStats> clean(Log& log, int64_t now_ms, int64_t upper_bound,
                           const std::atomic<bool>* cancel = nullptr,
                           const std::function<void(SwapStep)>& on_swap = {});

 private:
  CleanerConfig config_;
};

}  // namespace runnel::storage
