#include "storage/log_cleaner.h"

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/byte_order.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"
#include "storage/errc.h"
#include "storage/segment.h"
#include "storage/throttler.h"

namespace runnel::storage {

using protocol::RecordBatchHeader;

namespace {

// Bytes a key costs in the map beyond its own: node, hash, string header, offset.
constexpr uint64_t kMapEntryOverhead = 64;

std::string_view key_of(std::span<const std::byte> key) {
  return {reinterpret_cast<const char*>(key.data()), key.size()};
}

// Lets the key map be searched with a view into the batch: a lookup copies nothing.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>{}(key); }
};

// Calls fn(header, batch) for each batch holding offsets in [from, to), in
// order, until fn returns false. Reads through Log::read (whole batches, one
// segment at a time), accounting bytes to `throttler`.
template <typename Fn>
Result<void> for_each_batch(const Log& log, int64_t from, int64_t to, uint64_t buffer_bytes, Throttler& throttler,
                            uint64_t& bytes_read, const std::atomic<bool>* cancel, Fn&& fn) {
  int64_t offset = from;
  while (offset < to) {
    if (cancel && cancel->load()) return fail(Errc::cleaner_aborted);
    auto range = log.read(offset, static_cast<int64_t>(buffer_bytes), to);
    if (!range) {
      if (range.error() == Errc::offset_out_of_range) return fail(Errc::cleaner_aborted);  // retention moved on
      return fail(range.error());
    }
    if (range->empty()) return {};
    auto bytes = range->read_all();
    if (!bytes) return fail(bytes.error());
    bytes_read += bytes->size();
    throttler.throttle(bytes->size());
    std::span<const std::byte> rest(*bytes);
    const int64_t before = offset;
    while (auto batch = protocol::next_batch(rest)) {
      if (batch->size() < protocol::kRecordBatchHeaderSize) return fail(Errc::corrupt_message);
      const RecordBatchHeader header = protocol::read_header(*batch);
      if (header.last_offset() < offset) continue;
      if (header.base_offset >= to) return {};
      if (!fn(header, *batch)) return {};
      offset = header.last_offset() + 1;
    }
    if (offset == before) return fail(Errc::corrupt_message);
  }
  return {};
}

// The latest offset of every key in a stretch of the dirty tail.
struct OffsetMap {
  std::unordered_map<std::string, int64_t, KeyHash, std::equal_to<>> latest;
  uint64_t bytes = 0;
};

// Kafka keeps an emptied batch's timestamps: base and max timestamp are the
// original batch's max timestamp (the builder writes -1 for no records).
void set_empty_batch_timestamps(std::vector<std::byte>& batch, int64_t timestamp) {
  protocol::write_be<int64_t>(batch.data() + protocol::batch_field::base_timestamp, timestamp);
  protocol::write_be<int64_t>(batch.data() + protocol::batch_field::max_timestamp, timestamp);
  protocol::write_be<uint32_t>(batch.data() + protocol::batch_field::crc, protocol::compute_batch_crc(batch));
}

struct Group {
  std::vector<int64_t> bases;
  int64_t end = 0;  // one past the group: the next segment's base
};

// Consecutive sealed segments below `map_end`, merged while they fit one
// segment of `segment_bytes` and 32-bit relative offsets.
std::vector<Group> group_segments(const std::vector<SegmentInfo>& segments, int64_t map_end, int64_t segment_bytes) {
  std::vector<Group> groups;
  uint64_t group_size = 0;
  for (size_t i = 0; i + 1 < segments.size() && segments[i].base_offset < map_end; ++i) {
    const SegmentInfo& segment = segments[i];
    const int64_t end = segments[i + 1].base_offset;
    const bool fits = !groups.empty() && group_size + segment.size <= static_cast<uint64_t>(segment_bytes) &&
                      segment.next_offset - 1 - groups.back().bases.front() <= INT32_MAX;
    if (!fits) {
      groups.push_back(Group{});
      group_size = 0;
    }
    groups.back().bases.push_back(segment.base_offset);
    groups.back().end = end;
    group_size += segment.size;
  }
  return groups;
}

}  // namespace

CleanableRange cleanable_range(const Log& log, int64_t now_ms, int64_t upper_bound) {
  const LogConfig config = log.config();
  const auto segments = log.segments();
  const int64_t limit = std::min(upper_bound, log.flushed_offset());
  CleanableRange range;
  range.first_uncleanable = segments.back().base_offset;
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    const SegmentInfo& segment = segments[i];
    const bool too_new = config.min_compaction_lag_ms > 0 && segment.max_timestamp > now_ms - config.min_compaction_lag_ms;
    if (segment.next_offset > limit || too_new) {
      range.first_uncleanable = segment.base_offset;
      break;
    }
  }
  int64_t checkpoint = log.cleaner_checkpoint();
  if (checkpoint > log.log_end_offset()) checkpoint = 0;  // the log was truncated below it
  range.first_dirty = std::min(std::max(checkpoint, log.log_start_offset()), range.first_uncleanable);
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    const SegmentInfo& segment = segments[i];
    if (segment.base_offset >= range.first_uncleanable) break;
    if (segment.next_offset <= range.first_dirty)
      range.clean_bytes += segment.size;
    else
      range.dirty_bytes += segment.size;
  }
  return range;
}

Result<CleanStats> LogCleaner::clean(Log& log, int64_t now_ms, int64_t upper_bound, const std::atomic<bool>* cancel,
                                     const std::function<void(SwapStep)>& on_swap) {
  const LogConfig config = log.config();
  const CleanableRange range = cleanable_range(log, now_ms, upper_bound);
  Throttler throttler(config_.io_max_bytes_per_second);
  CleanStats stats;
  stats.first_dirty = stats.map_end = range.first_dirty;
  if (range.first_dirty >= range.first_uncleanable) return stats;

  // 1. The key map over the dirty tail, as far as the buffer allows.
  OffsetMap map;
  std::vector<std::byte> scratch;
  Result<void> failure;
  auto mapped = for_each_batch(log, range.first_dirty, range.first_uncleanable, config_.io_buffer_bytes, throttler,
                               stats.bytes_read, cancel, [&](const RecordBatchHeader& header, auto batch) {
                                 if (header.is_control()) {
                                   stats.map_end = header.last_offset() + 1;
                                   return true;
                                 }
                                 auto records = protocol::read_batch_records(batch, scratch);
                                 if (!records) {
                                   failure = fail(records.error());
                                   return false;
                                 }
                                 uint64_t needed = 0;
                                 for (const auto& record : *records)
                                   if (record.key) needed += record.key->size() + kMapEntryOverhead;
                                 if (!map.latest.empty() && map.bytes + needed > config_.dedupe_buffer_bytes)
                                   return false;  // the next pass starts here
                                 for (const auto& record : *records) {
                                   if (!record.key) continue;
                                   auto it = map.latest.find(key_of(*record.key));
                                   if (it == map.latest.end()) {
                                     it = map.latest.emplace(std::string(key_of(*record.key)), 0).first;
                                     map.bytes += record.key->size() + kMapEntryOverhead;
                                   }
                                   it->second = header.base_offset + record.offset_delta;
                                 }
                                 stats.map_end = header.last_offset() + 1;
                                 return true;
                               });
  if (!mapped) return fail(mapped.error());
  if (!failure) return fail(failure.error());
  stats.map_entries = map.latest.size();
  stats.map_bytes = map.bytes;
  if (stats.map_end == range.first_dirty) return stats;

  // 2. and 3. Rewrite and swap, group by group.
  const auto segments = log.segments();
  stats.segments_before = segments.size();
  const auto producer_last = log.producer_last_offsets();
  const int64_t tombstones_removable_below = log.tombstones_removable_below(now_ms);
  for (const Group& group : group_segments(segments, stats.map_end, config.segment_bytes)) {
    auto staged = log.stage_segment(group.bases.front(), now_ms);
    if (!staged) return fail(staged.error());
    Segment& out = **staged;

    auto write = [&](std::span<const std::byte> batch) -> bool {
      const RecordBatchHeader header = protocol::read_header(batch);
      if (auto r = out.append(header, batch, config.index_interval_bytes, now_ms); !r) {
        failure = fail(r.error());
        return false;
      }
      stats.bytes_written += batch.size();
      throttler.throttle(batch.size());
      return true;
    };
    // The log start may lie inside the first segment (DeleteRecords): what is
    // below it is not read, and not kept.
    auto rewritten = for_each_batch(
        log, std::max(group.bases.front(), log.log_start_offset()), group.end, config_.io_buffer_bytes, throttler, stats.bytes_read, cancel,
        [&](const RecordBatchHeader& header, std::span<const std::byte> batch) {
          if (header.is_control()) return write(batch);
          auto last = producer_last.find(header.producer_id);
          const bool producer_needs_it = last != producer_last.end() && last->second == header.last_offset();
          if (header.records_count == 0) return producer_needs_it ? write(batch) : true;  // emptied earlier
          auto records = protocol::read_batch_records(batch, scratch);
          if (!records) {
            failure = fail(records.error());
            return false;
          }
          stats.records_read += static_cast<int64_t>(records->size());
          std::vector<protocol::RecordInput> kept;
          bool all_kept = true;
          for (const auto& record : *records) {
            const int64_t offset = header.base_offset + record.offset_delta;
            bool keep = record.key.has_value();
            if (keep && offset < stats.map_end) {
              auto it = map.latest.find(key_of(*record.key));
              keep = it == map.latest.end() || it->second <= offset;
            }
            if (keep && !record.value && offset < tombstones_removable_below) keep = false;
            if (!keep) {
              all_kept = false;
              ++stats.records_removed;
              continue;
            }
            protocol::RecordInput input;
            input.key = std::vector<std::byte>(record.key->begin(), record.key->end());
            if (record.value) input.value = std::vector<std::byte>(record.value->begin(), record.value->end());
            input.timestamp = header.base_timestamp + record.timestamp_delta;
            for (const auto& h : record.headers)
              input.headers.emplace_back(std::string(h.key), h.value ? std::optional(std::vector<std::byte>(
                                                                             h.value->begin(), h.value->end()))
                                                                     : std::nullopt);
            input.offset_delta = record.offset_delta;
            kept.push_back(std::move(input));
          }
          if (all_kept) return write(batch);
          if (kept.empty() && !producer_needs_it) return true;
          protocol::BatchOptions options;
          options.base_offset = header.base_offset;
          options.partition_leader_epoch = header.partition_leader_epoch;
          // An emptied batch is written uncompressed, as Kafka does (clients
          // such as librdkafka cannot decompress an empty body).
          options.compression = kept.empty() ? protocol::CompressionType::none : header.compression();
          options.timestamp_type = header.timestamp_type();
          options.producer_id = header.producer_id;
          options.producer_epoch = header.producer_epoch;
          options.base_sequence = header.base_sequence;
          options.transactional = header.is_transactional();
          options.last_offset_delta = header.last_offset_delta;
          auto rebuilt = protocol::build_record_batch(kept, options);
          if (!rebuilt) {
            failure = fail(rebuilt.error());
            return false;
          }
          if (kept.empty()) set_empty_batch_timestamps(*rebuilt, header.max_timestamp);
          if (header.timestamp_type() == protocol::TimestampType::log_append_time)
            protocol::set_log_append_time(*rebuilt, header.max_timestamp);
          return write(*rebuilt);
        });
    if (!rewritten) return fail(rewritten.error());
    if (!failure) return fail(failure.error());
    if (auto r = out.seal(); !r) return fail(r.error());
    if (auto r = out.flush(); !r) return fail(r.error());
    staged->reset();
    // Swapped in even when empty, as Kafka does: the first segment's base
    // stays, so the earliest offset does not move at the next start.
    auto swapped = log.swap_cleaned_segments(group.bases, group.bases.front(), on_swap);
    if (!swapped) return fail(swapped.error());
  }
  log.set_cleaner_checkpoint(stats.map_end);
  log.record_clean_pass(stats.map_end, now_ms);
  stats.segments_after = log.segments().size();
  return stats;
}

}  // namespace runnel::storage
