#pragma once
// Big-endian (network order) fixed-width integers, as Kafka writes them on the
// wire and in its on-disk formats.

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstring>

namespace runnel::protocol {

template <std::integral T>
constexpr T byte_swap(T v) {
  if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(static_cast<unsigned short>(v)));
  else if constexpr (sizeof(T) == 4) return static_cast<T>(__builtin_bswap32(static_cast<unsigned>(v)));
  else if constexpr (sizeof(T) == 8) return static_cast<T>(__builtin_bswap64(static_cast<unsigned long long>(v)));
  else return v;
}

template <std::integral T>
T read_be(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) v = byte_swap(v);
  return v;
}

template <std::integral T>
void write_be(std::byte* p, T v) {
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) v = byte_swap(v);
  std::memcpy(p, &v, sizeof(T));
}

}  // namespace runnel::protocol
