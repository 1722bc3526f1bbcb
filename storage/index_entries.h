#pragma once
// Entry formats of the two sparse segment indexes (big-endian, fixed size):
//   .index      8 bytes: relative_offset u32 | position u32
//               (the batch starting at byte `position` of the .log has base
//               offset base_offset + relative_offset)
//   .timeindex 12 bytes: timestamp i64 | relative_offset u32
//               (the largest record timestamp in the segment up to and
//               including the batch at relative_offset; it first reached
//               that value in that batch)
// Entries are appended in increasing order of every field.

#include <cstddef>
#include <cstdint>

#include "protocol/byte_order.h"

namespace runnel::storage {

struct OffsetIndexEntry {
  static constexpr size_t kSize = 8;
  uint32_t relative_offset = 0;
  uint32_t position = 0;

  void encode(std::byte* out) const {
    protocol::write_be<uint32_t>(out, relative_offset);
    protocol::write_be<uint32_t>(out + 4, position);
  }
  static OffsetIndexEntry decode(const std::byte* in) {
    return {protocol::read_be<uint32_t>(in), protocol::read_be<uint32_t>(in + 4)};
  }
  bool operator==(const OffsetIndexEntry&) const = default;
};

struct TimeIndexEntry {
  static constexpr size_t kSize = 12;
  int64_t timestamp = 0;
  uint32_t relative_offset = 0;

  void encode(std::byte* out) const {
    protocol::write_be<int64_t>(out, timestamp);
    protocol::write_be<uint32_t>(out + 8, relative_offset);
  }
  static TimeIndexEntry decode(const std::byte* in) {
    return {protocol::read_be<int64_t>(in), protocol::read_be<uint32_t>(in + 8)};
  }
  bool operator==(const TimeIndexEntry&) const = default;
};

}  // namespace runnel::storage
