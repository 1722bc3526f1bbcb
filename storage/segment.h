#pragma once
// Segment: one <20-digit base offset>.log file of record batches, stored
// verbatim, with its sparse .index and .timeindex (formats: index_entries.h).
//
// Invariants: batches are contiguous from position 0; base offsets strictly
// increase and every offset is in [base_offset, base_offset + 2^31 - 1];
// size() < 2^31. Only the active segment is appended to. Not thread-safe:
// the owning Log serializes writers against readers.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/record_batch.h"
#include "protocol/result.h"
#include "storage/file_handle_cache.h"
#include "storage/file_range.h"
#include "storage/index_entries.h"
#include "storage/log_config.h"
#include "storage/sparse_index.h"

namespace runnel::storage {

struct TimestampAndOffset;

// Where a batch sits in a segment, from its first 27 header bytes.
struct BatchLocation {
  uint64_t position;
  int64_t base_offset;
  int64_t last_offset;
  uint64_t size;
};

class Segment {
 public:
  static std::string file_name(int64_t base_offset, const char* suffix);
  // The offset in a "<20 digits><suffix>" file name; nullopt for any other name.
  static std::optional<int64_t> offset_from_file_name(std::string_view name, std::string_view suffix);

  // A new, empty, active segment (files created, nothing synced).
  static Result<std::unique_ptr<Segment>> create(const std::string& dir, int64_t base_offset, FileHandleCache& files,
                                                 int64_t now_ms);
  // An existing segment, not yet checked: call recover() or load().
  Segment(const std::string& dir, int64_t base_offset, FileHandleCache& files);

  // Rebuilds both indexes by validating every batch (length, CRC, magic,
  // offsets strictly increasing from `min_offset` and within the relative
  // range); truncates the file at the first invalid byte. Leaves the
  // segment active. Returns the number of bytes cut off.
  Result<uint64_t> recover(int64_t min_offset, int32_t index_interval_bytes);
  // Opens a segment below the recovery point: trusts the batches, checks the
  // index files and rebuilds them with recover() if missing or damaged.
  // Sealed unless `active`.
  Result<void> load(bool active, int32_t index_interval_bytes);

  int64_t base_offset() const { return base_offset_; }
  // One past the last offset; base_offset() when empty.
  int64_t next_offset() const { return next_offset_; }
  uint64_t size() const { return size_.load(std::memory_order_acquire); }
  bool empty() const { return size() == 0; }
  int64_t max_timestamp() const { return max_timestamp_; }
  // Wall-clock time the segment.ms roll timer counts from.
  int64_t rolling_timestamp_ms() const { return rolling_timestamp_ms_; }
  size_t offset_index_entries() const { return offset_index_.entry_count(); }
  size_t time_index_entries() const { return time_index_.entry_count(); }
  const std::string& log_path() const { return log_path_; }
  const SparseIndex<OffsetIndexEntry>& offset_index() const { return offset_index_; }
  const SparseIndex<TimeIndexEntry>& time_index() const { return time_index_; }

  // Appends one validated batch carrying its final offsets.
  Result<void> append(const protocol::RecordBatchHeader& header, std::span<const std::byte> batch,
                      int32_t index_interval_bytes, int64_t now_ms);

  // The batch containing `offset`, or the first batch after it (gaps);
  // nullopt if none.
  Result<std::optional<BatchLocation>> find_batch(int64_t offset) const;
  // Whole batches from `position` on, see Log::read().
  Result<FileRange> read(uint64_t position, int64_t max_bytes, int64_t upper_bound) const;
  Result<std::optional<TimestampAndOffset>> find_offset_by_timestamp(int64_t timestamp, int64_t min_offset) const;

  // Removes every batch whose last offset >= `offset`; the segment becomes active.
  Result<void> truncate_to(int64_t offset, int32_t index_interval_bytes);
  // Adds the final time index entry and writes both indexes to their files.
  Result<void> seal();
  // Makes the log bytes written so far (and sealed indexes) durable.
  Result<void> flush();
  Result<void> remove_files();

  Result<std::shared_ptr<File>> log_file() const;

 private:
  Result<BatchLocation> read_location(const File& file, uint64_t position) const;
  void index_batch(const protocol::RecordBatchHeader& header, uint64_t position, uint64_t batch_size,
                   int32_t index_interval_bytes);
  Result<uint64_t> rebuild(int64_t min_offset, int32_t index_interval_bytes, bool truncate_invalid);
  // Sanity-checks and attaches the index files; false when they must be rebuilt.
  Result<bool> load_indexes(bool active);
  // Whether an index entry's position holds the batch it names: guards
  // against damaged index files.
  bool entry_matches(const File& file, uint64_t position, uint32_t relative_offset) const;

  int64_t base_offset_;
  std::string log_path_;
  FileHandleCache& files_;
  SparseIndex<OffsetIndexEntry> offset_index_;
  SparseIndex<TimeIndexEntry> time_index_;
  std::atomic<uint64_t> size_{0};
  std::atomic<uint64_t> synced_size_{0};
  int64_t next_offset_;
  int64_t max_timestamp_ = -1;
  int64_t offset_of_max_timestamp_ = -1;
  int64_t rolling_timestamp_ms_ = 0;
  uint64_t bytes_since_last_index_entry_ = 0;
};

}  // namespace runnel::storage
