#pragma once
// Records inside a v2 batch. Each record (all varints zigzag-encoded):
//   length varint | attributes i8 | timestamp_delta varlong | offset_delta varint
//   key_length varint (-1 = null) | key | value_length varint (-1 = null) | value
//   headers_count varint | per header: key_length varint, key (UTF-8),
//   value_length varint (-1 = null), value
// In a compressed batch, everything after records_count is one compressed
// blob of these records.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/record_batch.h"
#include "protocol/result.h"

namespace runnel::protocol {

struct RecordHeader {
  std::string_view key;
  std::optional<std::span<const std::byte>> value;  // nullopt = null
};

// A decoded record; spans and views point into the buffer it was decoded from.
struct Record {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::span<const std::byte>> key;    // nullopt = null
  std::optional<std::span<const std::byte>> value;  // nullopt = null (tombstone)
  std::vector<RecordHeader> headers;
};

// Decodes `count` records from an uncompressed records section. Fails with
// Errc::invalid_record on any length that runs past the input, a record
// whose declared length disagrees with its fields, or trailing bytes.
Result<std::vector<Record>> decode_records(std::span<const std::byte> records, int32_t count);

// Decodes the records of a complete batch (validated or not: lengths are
// still checked), decompressing into `scratch` if the batch is compressed.
// The returned records point into `batch` or `scratch`, which must outlive
// them. `max_decompressed` bounds the decompressed size.
Result<std::vector<Record>> read_batch_records(std::span<const std::byte> batch, std::vector<std::byte>& scratch,
                                               size_t max_decompressed = 64u << 20);

}  // namespace runnel::protocol
