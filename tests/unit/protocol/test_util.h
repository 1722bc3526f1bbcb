#pragma once
// Helpers shared by the protocol tests.

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "protocol/errc.h"
#include "protocol/result.h"

namespace runnel::protocol::test {

using Bytes = std::vector<std::byte>;

inline Bytes bytes_of(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

inline Bytes random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::byte>(rng());
  return out;
}

// Text-like data that every codec shrinks.
inline Bytes compressible_bytes(size_t n) {
  constexpr std::string_view kWords = "offset partition leader epoch record batch segment ";
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>(kWords[(i * 7 + i / 97) % kWords.size()]);
  return out;
}

inline std::span<const std::byte> as_span(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// The error of a failed result, or an empty error_code on success (reading
// error() of a success is undefined).
template <class T>
std::error_code error_of(const Result<T>& r) {
  return r ? std::error_code{} : r.error();
}

inline void increment_byte(Bytes& b, size_t at) { b[at] = static_cast<std::byte>(static_cast<uint8_t>(b[at]) + 1); }

}  // namespace runnel::protocol::test

template <>
struct Catch::StringMaker<std::error_code> {
  static std::string convert(const std::error_code& ec) { return ec ? ec.message() : "success"; }
};
template <>
struct Catch::StringMaker<runnel::protocol::Errc> {
  static std::string convert(runnel::protocol::Errc e) { return make_error_code(e).message(); }
};
