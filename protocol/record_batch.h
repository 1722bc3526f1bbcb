#pragma once
// Record batch v2 (magic 2), the unit of storage and of Produce/Fetch payloads.
//
// Layout (all big-endian), 61 header bytes then the records:
//   0 base_offset i64 | 8 batch_length i32 (bytes after this field)
//  12 partition_leader_epoch i32 | 16 magic i8 (=2) | 17 crc u32
//  21 attributes i16 | 23 last_offset_delta i32 | 27 base_timestamp i64
//  35 max_timestamp i64 | 43 producer_id i64 | 51 producer_epoch i16
//  53 base_sequence i32 | 57 records_count i32 | 61 records...
// The CRC is CRC-32C over attributes (byte 21) to the end of the batch, so
// base_offset and partition_leader_epoch can be rewritten in place without
// recomputing it. Attributes: bits 0-2 codec, bit 3 timestamp type
// (1 = LogAppendTime), bit 4 transactional, bit 5 control.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "protocol/result.h"

namespace runnel::protocol {

inline constexpr size_t kRecordBatchHeaderSize = 61;
// Bytes before batch_length counts: base_offset + batch_length.
inline constexpr size_t kLogOverhead = 12;
inline constexpr int8_t kMagicV2 = 2;

namespace batch_field {
inline constexpr size_t base_offset = 0;
inline constexpr size_t batch_length = 8;
inline constexpr size_t partition_leader_epoch = 12;
inline constexpr size_t magic = 16;
inline constexpr size_t crc = 17;
inline constexpr size_t attributes = 21;
inline constexpr size_t last_offset_delta = 23;
inline constexpr size_t base_timestamp = 27;
inline constexpr size_t max_timestamp = 35;
inline constexpr size_t producer_id = 43;
inline constexpr size_t producer_epoch = 51;
inline constexpr size_t base_sequence = 53;
inline constexpr size_t records_count = 57;
}  // namespace batch_field

enum class CompressionType : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };
enum class TimestampType : uint8_t { create_time = 0, log_append_time = 1 };

namespace batch_attribute {
inline constexpr int16_t compression_mask = 0x07;
inline constexpr int16_t timestamp_type = 0x08;
inline constexpr int16_t transactional = 0x10;
inline constexpr int16_t control = 0x20;
inline constexpr int16_t delete_horizon = 0x40;
}  // namespace batch_attribute

struct RecordBatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = kMagicV2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  int64_t last_offset() const { return base_offset + last_offset_delta; }
  // Whole batch size in bytes, header included.
  int64_t total_size() const { return int64_t{batch_length} + int64_t{kLogOverhead}; }
  CompressionType compression() const { return static_cast<CompressionType>(attributes & batch_attribute::compression_mask); }
  TimestampType timestamp_type() const {
    return (attributes & batch_attribute::timestamp_type) ? TimestampType::log_append_time : TimestampType::create_time;
  }
  bool is_transactional() const { return attributes & batch_attribute::transactional; }
  bool is_control() const { return attributes & batch_attribute::control; }
};

// Reads the header fields without any check. Precondition: data.size() >= 61.
RecordBatchHeader read_header(std::span<const std::byte> data);

// Reads only base_offset and batch_length, the part shared with legacy
// message sets. Precondition: data.size() >= kLogOverhead.
struct BatchFrame {
  int64_t base_offset;
  int32_t batch_length;
};
BatchFrame read_frame(std::span<const std::byte> data);

// The first whole batch frame (offset, length and the length's bytes) of
// `rest`, which then starts after it; nullopt, leaving `rest` alone, when
// `rest` holds no complete frame of a non-negative length. Nothing inside
// the frame is checked.
std::optional<std::span<const std::byte>> next_batch(std::span<const std::byte>& rest);

// Validates that `batch` is exactly one complete v2 batch, checking in order:
// magic 2 (else Errc::unsupported_magic; Errc::truncated if `batch` is too
// short to hold it), batch_length >= 49 (else Errc::bad_length), size ==
// batch_length + 12 (Errc::truncated if shorter, Errc::bad_length if longer),
// CRC32C matches (else Errc::crc_mismatch), last_offset_delta >= 0 and
// records_count >= 0 (else Errc::bad_length). Never reads past `batch`.
Result<RecordBatchHeader> validate_batch(std::span<const std::byte> batch);

// Every check of validate_batch except the CRC, for batches whose CRC was
// already verified (or is about to be rewritten). Never reads past `batch`.
Result<RecordBatchHeader> read_checked_header(std::span<const std::byte> batch);

// CRC-32C over bytes [21, end) of a complete batch.
uint32_t compute_batch_crc(std::span<const std::byte> batch);

// In-place rewrites of the fields outside the CRC.
void set_base_offset(std::span<std::byte> batch, int64_t base_offset);
void set_partition_leader_epoch(std::span<std::byte> batch, int32_t epoch);

// Sets the LogAppendTime timestamp type with max_timestamp = `timestamp`,
// and recomputes the CRC (both fields are inside it).
void set_log_append_time(std::span<std::byte> batch, int64_t timestamp);

}  // namespace runnel::protocol
