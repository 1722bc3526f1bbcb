#include "protocol/varint.h"

#include <catch2/catch.hpp>
#include <limits>

#include "test_util.h"

namespace runnel::protocol {
namespace {

using test::Bytes;
using test::bytes_of;

constexpr auto kInt32Min = std::numeric_limits<int32_t>::min();
constexpr auto kInt32Max = std::numeric_limits<int32_t>::max();
constexpr auto kInt64Min = std::numeric_limits<int64_t>::min();
constexpr auto kInt64Max = std::numeric_limits<int64_t>::max();

TEST_CASE("varint writes zigzag protobuf bytes", "[varint]") {
  auto encode = [](int32_t v) {
    Bytes out;
    write_varint(out, v);
    return out;
  };
  CHECK(encode(0) == bytes_of({0x00}));
  CHECK(encode(-1) == bytes_of({0x01}));
  CHECK(encode(1) == bytes_of({0x02}));
  CHECK(encode(-64) == bytes_of({0x7F}));
  CHECK(encode(64) == bytes_of({0x80, 0x01}));
  CHECK(encode(300) == bytes_of({0xD8, 0x04}));
  CHECK(encode(kInt32Max) == bytes_of({0xFE, 0xFF, 0xFF, 0xFF, 0x0F}));
  CHECK(encode(kInt32Min) == bytes_of({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}));
}

TEST_CASE("varint and varlong round trip, sizes matching the bytes written", "[varint]") {
  for (int32_t v : {0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, 1 << 20, -(1 << 27), kInt32Max, kInt32Min}) {
    INFO(v);
    Bytes out;
    write_varint(out, v);
    CHECK(out.size() == varint_size(v));
    size_t pos = 0;
    CHECK(read_varint(out, pos) == v);
    CHECK(pos == out.size());
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1} << 35, -(int64_t{1} << 62), int64_t{kInt32Min} - 1, kInt64Max,
                    kInt64Min}) {
    INFO(v);
    Bytes out;
    write_varlong(out, v);
    CHECK(out.size() == varlong_size(v));
    size_t pos = 0;
    CHECK(read_varlong(out, pos) == v);
    CHECK(pos == out.size());
  }
}

TEST_CASE("varint sizes at the 7-bit boundaries", "[varint]") {
  CHECK(varint_size(0) == 1);
  CHECK(varint_size(-64) == 1);
  CHECK(varint_size(63) == 1);
  CHECK(varint_size(64) == 2);
  CHECK(varint_size(-65) == 2);
  CHECK(varint_size(kInt32Max) == 5);
  CHECK(varint_size(kInt32Min) == 5);
  CHECK(varlong_size(kInt64Max) == 10);
  CHECK(varlong_size(kInt64Min) == 10);
}

TEST_CASE("varints read consecutively from the middle of a buffer", "[varint]") {
  Bytes out = bytes_of({0xAA});
  write_varint(out, -300);
  write_varlong(out, int64_t{1} << 40);
  size_t pos = 1;
  CHECK(read_varint(out, pos) == -300);
  CHECK(read_varlong(out, pos) == int64_t{1} << 40);
  CHECK(pos == out.size());
}

TEST_CASE("every proper prefix of a varint is rejected as truncated, leaving pos alone", "[varint]") {
  Bytes v32;
  write_varint(v32, kInt32Min);
  Bytes v64;
  write_varlong(v64, kInt64Min);
  for (size_t n = 0; n < v32.size(); ++n) {
    size_t pos = 0;
    CHECK_FALSE(read_varint(std::span(v32).first(n), pos));
    CHECK(pos == 0);
  }
  for (size_t n = 0; n < v64.size(); ++n) {
    size_t pos = 0;
    CHECK_FALSE(read_varlong(std::span(v64).first(n), pos));
    CHECK(pos == 0);
  }
  for (size_t at_or_past_end : {v32.size(), v32.size() + 1}) {
    size_t pos = at_or_past_end;
    CHECK_FALSE(read_varint(v32, pos));
    CHECK(pos == at_or_past_end);
  }
}

TEST_CASE("overlong varints are rejected", "[varint]") {
  size_t pos = 0;
  SECTION("six bytes for a varint") {
    CHECK_FALSE(read_varint(bytes_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), pos));
  }
  SECTION("a fifth varint byte with bits beyond 32") {
    CHECK_FALSE(read_varint(bytes_of({0xFF, 0xFF, 0xFF, 0xFF, 0x1F}), pos));
  }
  SECTION("eleven bytes for a varlong") {
    Bytes b(10, std::byte{0x80});
    b.push_back(std::byte{0x00});
    CHECK_FALSE(read_varlong(b, pos));
  }
  SECTION("a tenth varlong byte with bits beyond 64") {
    Bytes b(9, std::byte{0xFF});
    b.push_back(std::byte{0x02});
    CHECK_FALSE(read_varlong(b, pos));
  }
  CHECK(pos == 0);
}

TEST_CASE("non-minimal varints within the byte limit are accepted, as Kafka does", "[varint]") {
  size_t pos = 0;
  CHECK(read_varint(bytes_of({0x82, 0x80, 0x00}), pos) == 1);
  CHECK(pos == 3);
}

}  // namespace
}  // namespace runnel::protocol
