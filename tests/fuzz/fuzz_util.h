#pragma once
// Helpers shared by the fuzz targets.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "protocol/byte_order.h"
#include "protocol/record_batch.h"

// A property the target checks: on failure, names it and aborts, which
// libFuzzer and the replay runner both report as a crash of this input.
#define FUZZ_CHECK(condition)                                                                  \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

namespace runnel::fuzz {

inline std::span<const std::byte> as_bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

// Rewrites the CRC of every v2 batch framed in `bytes` (base_offset,
// batch_length, ...), as many as fit whole, so that mutated inputs get past
// the CRC check and reach the code behind it. Stops at the first frame that
// is not a complete magic-2 batch.
inline void stamp_crcs(std::span<std::byte> bytes) {
  size_t position = 0;
  while (bytes.size() - position >= protocol::kRecordBatchHeaderSize) {
    auto rest = bytes.subspan(position);
    const auto frame = protocol::read_frame(rest);
    if (frame.batch_length < 0 || static_cast<size_t>(frame.batch_length) > rest.size() - protocol::kLogOverhead) return;
    if (static_cast<int8_t>(rest[protocol::batch_field::magic]) != protocol::kMagicV2) return;
    auto batch = rest.first(protocol::kLogOverhead + static_cast<size_t>(frame.batch_length));
    if (batch.size() < protocol::kRecordBatchHeaderSize) return;
    protocol::write_be<uint32_t>(batch.data() + protocol::batch_field::crc, protocol::compute_batch_crc(batch));
    position += batch.size();
  }
}

}  // namespace runnel::fuzz
