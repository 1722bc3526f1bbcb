#include "protocol/varint.h"

namespace runnel::protocol {
namespace {

// Reads an unsigned base-128 varint of at most `max_bytes` bytes whose value
// fits in U; `pos` is untouched on failure.
template <class U>
std::optional<U> read_unsigned(std::span<const std::byte> in, size_t& pos, size_t max_bytes) {
  constexpr unsigned kBits = sizeof(U) * 8;
  U value = 0;
  size_t p = pos;
  for (size_t i = 0; i < max_bytes; ++i, ++p) {
    if (p >= in.size()) return std::nullopt;
    auto b = static_cast<uint8_t>(in[p]);
    unsigned shift = static_cast<unsigned>(7 * i);
    if (i + 1 == max_bytes && (b >> (kBits - shift)) != 0) return std::nullopt;  // bits beyond the width
    value |= static_cast<U>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      pos = p + 1;
      return value;
    }
  }
  return std::nullopt;
}

template <class U>
void write_unsigned(std::vector<std::byte>& out, U v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::byte>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::byte>(v));
}

template <class U>
size_t unsigned_size(U v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

uint32_t zigzag(int32_t v) { return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31); }
uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int32_t unzigzag(uint32_t u) { return static_cast<int32_t>((u >> 1) ^ (0u - (u & 1))); }
int64_t unzigzag(uint64_t u) { return static_cast<int64_t>((u >> 1) ^ (uint64_t{0} - (u & 1))); }

}  // namespace

std::optional<int32_t> read_varint(std::span<const std::byte> in, size_t& pos) {
  auto u = read_unsigned<uint32_t>(in, pos, 5);
  if (!u) return std::nullopt;
  return unzigzag(*u);
}

std::optional<int64_t> read_varlong(std::span<const std::byte> in, size_t& pos) {
  auto u = read_unsigned<uint64_t>(in, pos, 10);
  if (!u) return std::nullopt;
  return unzigzag(*u);
}

void write_varint(std::vector<std::byte>& out, int32_t value) { write_unsigned(out, zigzag(value)); }
void write_varlong(std::vector<std::byte>& out, int64_t value) { write_unsigned(out, zigzag(value)); }
size_t varint_size(int32_t value) { return unsigned_size(zigzag(value)); }
size_t varlong_size(int64_t value) { return unsigned_size(zigzag(value)); }

std::optional<uint32_t> read_uvarint(std::span<const std::byte> in, size_t& pos) {
  return read_unsigned<uint32_t>(in, pos, 5);
}
void write_uvarint(std::vector<std::byte>& out, uint32_t value) { write_unsigned(out, value); }
size_t uvarint_size(uint32_t value) { return unsigned_size(value); }

}  // namespace runnel::protocol
