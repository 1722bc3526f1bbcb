#pragma once
// RecordsRef: the value of a `records` field (Produce and Fetch payloads).
//
// Decoded, `bytes` is a view INTO the request buffer, which must outlive the
// message (nullopt = a null field, length -1). To encode bytes that are not
// in memory (a file range sent with sendfile), set `external` to a caller
// chosen id >= 0 and `external_size` to the byte count: the encoder writes
// the length prefix and records a Splice (codec.h) where the bytes belong.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace runnel::protocol {

struct RecordsRef {
  std::optional<std::span<const std::byte>> bytes;
  int32_t external = -1;
  uint64_t external_size = 0;

  // Equal when both are external with the same id and size, or both carry
  // the same bytes (by content) or are both null.
  friend bool operator==(const RecordsRef& a, const RecordsRef& b) {
    if (a.external != b.external) return false;
    if (a.external >= 0) return a.external_size == b.external_size;
    if (a.bytes.has_value() != b.bytes.has_value()) return false;
    return !a.bytes || std::ranges::equal(*a.bytes, *b.bytes);
  }
};

}  // namespace runnel::protocol
