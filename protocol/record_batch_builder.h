#pragma once
// Builds a complete, CRC-stamped v2 record batch from records, compressing
// them with the chosen codec. Used by tests, benchmarks, the cleaner and the
// broker's own internal records.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/record_batch.h"
#include "protocol/result.h"

namespace runnel::protocol {

struct RecordInput {
  std::optional<std::vector<std::byte>> key;    // nullopt = null key
  std::optional<std::vector<std::byte>> value;  // nullopt = tombstone
  int64_t timestamp = 0;
  std::vector<std::pair<std::string, std::optional<std::vector<std::byte>>>> headers;
  int32_t offset_delta = -1;  // -1: its index in the batch (gaps allowed for compacted batches)
};

struct BatchOptions {
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  CompressionType compression = CompressionType::none;
  TimestampType timestamp_type = TimestampType::create_time;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;
  bool control = false;
  // -1: the highest offset_delta of the records.
  int32_t last_offset_delta = -1;
};

// base_timestamp is the first record's timestamp and max_timestamp the largest.
// `records` may be empty (the cleaner keeps emptied batches for producer
// state): both timestamps are then -1 and last_offset_delta defaults to 0.
// Fails only if compression fails, or with Errc::too_large if the batch would
// exceed batch_length's int32 range.
Result<std::vector<std::byte>> build_record_batch(std::span<const RecordInput> records, const BatchOptions& options);

// Convenience for tests: bytes of a string.
std::vector<std::byte> to_bytes(std::string_view s);

}  // namespace runnel::protocol
