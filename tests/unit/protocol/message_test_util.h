#pragma once
// Helpers for the golden-bytes message tests: decode a whole buffer at a
// version (requiring success and every byte consumed) and encode back.

#include <catch2/catch.hpp>
#include <cstdint>

#include "protocol/codec.h"
#include "test_util.h"

namespace runnel::protocol::test {

template <class M>
M decode_all(std::span<const std::byte> in, int16_t version) {
  Reader r(in);
  M m;
  m.decode(r, version);
  REQUIRE(r.ok());
  CHECK(r.remaining() == 0);
  return m;
}

template <class M>
Bytes encode(const M& m, int16_t version) {
  Writer w;
  m.encode(w, version);
  return Bytes(w.bytes().begin(), w.bytes().end());
}

inline void append(Bytes& out, std::initializer_list<int> values) {
  for (int v : values) out.push_back(static_cast<std::byte>(v));
}

inline void append(Bytes& out, std::span<const std::byte> bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

inline void append_int32(Bytes& out, int32_t v) {
  append(out, {(v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff});
}

}  // namespace runnel::protocol::test
