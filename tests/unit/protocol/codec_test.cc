#include "protocol/codec.h"

#include <catch2/catch.hpp>
#include <limits>
#include <stdexcept>
#include <string>

#include "test_util.h"

namespace runnel::protocol {
namespace {

using test::Bytes;
using test::bytes_of;

Bytes written(void (*write)(Writer&)) {
  Writer w;
  write(w);
  return std::move(w).finish().buffer;
}

TEST_CASE("fixed-width integers are big-endian and round trip", "[codec]") {
  Writer w;
  w.write_int8(-2);
  w.write_int16(0x1234);
  w.write_int32(-2);
  w.write_int64(0x0102030405060708);
  w.write_uint16(0xfffe);
  w.write_uint32(0xdeadbeef);
  w.write_bool(true);
  w.write_float64(1.5);
  CHECK(w.bytes().size() == 1 + 2 + 4 + 8 + 2 + 4 + 1 + 8);
  CHECK(Bytes(w.bytes().begin(), w.bytes().begin() + 7) == bytes_of({0xfe, 0x12, 0x34, 0xff, 0xff, 0xff, 0xfe}));

  Reader r(w.bytes());
  CHECK(r.read_int8() == -2);
  CHECK(r.read_int16() == 0x1234);
  CHECK(r.read_int32() == -2);
  CHECK(r.read_int64() == 0x0102030405060708);
  CHECK(r.read_uint16() == 0xfffe);
  CHECK(r.read_uint32() == 0xdeadbeef);
  CHECK(r.read_bool());
  CHECK(r.read_float64() == 1.5);
  CHECK(r.ok());
  CHECK(r.remaining() == 0);
}

TEST_CASE("any non-zero byte reads as true", "[codec]") {
  const Bytes in = bytes_of({0x00, 0x01, 0x7f});
  Reader r(in);
  CHECK_FALSE(r.read_bool());
  CHECK(r.read_bool());
  CHECK(r.read_bool());
}

TEST_CASE("uuids, zigzag varints and unsigned varints round trip", "[codec]") {
  Uuid id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::byte>(i * 17);
  Writer w;
  w.write_uuid(id);
  w.write_varint(-1);
  w.write_varlong(std::numeric_limits<int64_t>::min());
  w.write_uvarint(300);
  w.write_uvarint(std::numeric_limits<uint32_t>::max());
  Reader r(w.bytes());
  CHECK(r.read_uuid() == id);
  CHECK(r.read_varint() == -1);
  CHECK(r.read_varlong() == std::numeric_limits<int64_t>::min());
  CHECK(r.read_uvarint() == 300);
  CHECK(r.read_uvarint() == std::numeric_limits<uint32_t>::max());
  CHECK(r.ok());
  CHECK(r.remaining() == 0);
}

TEST_CASE("unsigned varints are LEB128 without zigzag", "[codec]") {
  CHECK(written([](Writer& w) { w.write_uvarint(0); }) == bytes_of({0x00}));
  CHECK(written([](Writer& w) { w.write_uvarint(1); }) == bytes_of({0x01}));
  CHECK(written([](Writer& w) { w.write_uvarint(127); }) == bytes_of({0x7f}));
  CHECK(written([](Writer& w) { w.write_uvarint(128); }) == bytes_of({0x80, 0x01}));
  CHECK(written([](Writer& w) { w.write_uvarint(300); }) == bytes_of({0xac, 0x02}));
}

TEST_CASE("an unsigned varint longer than five bytes is malformed", "[codec]") {
  const Bytes in = bytes_of({0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  Reader r(in);
  CHECK(r.read_uvarint() == 0);
  CHECK(r.error() == Errc::bad_varint);
}

TEST_CASE("classic strings carry an int16 length, -1 for null", "[codec]") {
  CHECK(written([](Writer& w) { w.write_string("ab"); }) == bytes_of({0x00, 0x02, 'a', 'b'}));
  CHECK(written([](Writer& w) { w.write_nullable_string(std::nullopt); }) == bytes_of({0xff, 0xff}));
  CHECK(written([](Writer& w) { w.write_string(""); }) == bytes_of({0x00, 0x00}));

  const Bytes in = bytes_of({0x00, 0x02, 'a', 'b', 0xff, 0xff, 0x00, 0x00});
  Reader r(in);
  CHECK(r.read_string() == "ab");
  CHECK(r.read_nullable_string() == std::nullopt);
  CHECK(r.read_nullable_string() == std::string());
  CHECK(r.ok());
}

TEST_CASE("compact strings carry an unsigned varint N+1, 0 for null", "[codec]") {
  CHECK(written([](Writer& w) { w.write_compact_string("ab"); }) == bytes_of({0x03, 'a', 'b'}));
  CHECK(written([](Writer& w) { w.write_compact_nullable_string(std::nullopt); }) == bytes_of({0x00}));
  CHECK(written([](Writer& w) { w.write_compact_string(""); }) == bytes_of({0x01}));

  const Bytes in = bytes_of({0x03, 'a', 'b', 0x00, 0x01});
  Reader r(in);
  CHECK(r.read_compact_string() == "ab");
  CHECK(r.read_compact_nullable_string() == std::nullopt);
  CHECK(r.read_compact_nullable_string() == std::string());
  CHECK(r.ok());
}

TEST_CASE("a long compact string spills its length into a second varint byte", "[codec]") {
  const std::string s(200, 'x');
  Writer w;
  w.write_compact_string(s);
  CHECK(w.size() == 2 + s.size());
  Reader r(w.bytes());
  CHECK(r.read_compact_string() == s);
}

TEST_CASE("null in a non-nullable string or bytes field is an error", "[codec]") {
  const Bytes classic = bytes_of({0xff, 0xff});
  Reader a(classic);
  a.read_string();
  CHECK(a.error() == Errc::unexpected_null);

  const Bytes compact = bytes_of({0x00});
  Reader b(compact);
  b.read_compact_bytes();
  CHECK(b.error() == Errc::unexpected_null);

  const Bytes bytes = bytes_of({0xff, 0xff, 0xff, 0xff});
  Reader c(bytes);
  c.read_bytes();
  CHECK(c.error() == Errc::unexpected_null);
}

TEST_CASE("bytes round trip in classic and compact form", "[codec]") {
  const Bytes payload = bytes_of({1, 2, 3});
  Writer w;
  w.write_bytes(payload);
  w.write_nullable_bytes(std::nullopt);
  w.write_compact_bytes(payload);
  w.write_compact_nullable_bytes(std::nullopt);
  CHECK(Bytes(w.bytes().begin(), w.bytes().begin() + 7) == bytes_of({0, 0, 0, 3, 1, 2, 3}));
  Reader r(w.bytes());
  CHECK(r.read_bytes() == payload);
  CHECK(r.read_nullable_bytes() == std::nullopt);
  CHECK(r.read_compact_bytes() == payload);
  CHECK(r.read_compact_nullable_bytes() == std::nullopt);
  CHECK(r.ok());
  CHECK(r.remaining() == 0);
}

TEST_CASE("lengths below -1 are bad lengths", "[codec]") {
  const Bytes in = bytes_of({0xff, 0xfe});
  Reader r(in);
  r.read_nullable_string();
  CHECK(r.error() == Errc::bad_length);

  const Bytes array = bytes_of({0xff, 0xff, 0xff, 0xfe});
  Reader a(array);
  CHECK(a.read_array_length() == 0);
  CHECK(a.error() == Errc::bad_length);
}

TEST_CASE("a length beyond the remaining bytes fails without allocating", "[codec]") {
  const Bytes huge_bytes = bytes_of({0x7f, 0xff, 0xff, 0xff, 'x'});
  Reader a(huge_bytes);
  CHECK(a.read_bytes().empty());
  CHECK(a.error() == Errc::truncated);

  const Bytes huge_string = bytes_of({0x7f, 0xff, 'x'});
  Reader b(huge_string);
  CHECK(b.read_string().empty());
  CHECK(b.error() == Errc::truncated);

  const Bytes huge_compact = bytes_of({0xff, 0xff, 0xff, 0xff, 0x0f, 'x'});  // 2^32-1 => 2^32-2 bytes
  Reader c(huge_compact);
  CHECK(c.read_compact_string().empty());
  CHECK(c.error() == Errc::truncated);

  const Bytes short_records = bytes_of({0x00, 0x00, 0x00, 0x05, 1, 2});
  Reader d(short_records);
  CHECK_FALSE(d.read_records(false).bytes.has_value());
  CHECK(d.error() == Errc::truncated);
}

TEST_CASE("array counts are checked against the remaining bytes per element", "[codec]") {
  const Bytes max_count = bytes_of({0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0});
  Reader a(max_count);
  CHECK(a.read_array_length() == 0);
  CHECK(a.error() == Errc::truncated);

  // Two int32 elements need 8 bytes; 7 remain.
  const Bytes two_int32 = bytes_of({0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0});
  Reader b(two_int32);
  CHECK(b.read_array_length(4) == 0);
  CHECK(b.error() == Errc::truncated);

  const Bytes fits = bytes_of({0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2});
  Reader c(fits);
  CHECK(c.read_array_length(4) == 2);
  CHECK(c.ok());

  const Bytes compact_huge = bytes_of({0xff, 0xff, 0xff, 0xff, 0x0f});
  Reader d(compact_huge);
  CHECK(d.read_compact_array_length() == 0);
  CHECK_FALSE(d.ok());
}

TEST_CASE("array lengths: int32 or uvarint N+1, with null", "[codec]") {
  Writer w;
  w.write_array_length(2);
  w.write_null_array_length();
  w.write_compact_array_length(2);
  w.write_compact_null_array_length();
  w.write_raw(bytes_of({0, 0}));
  CHECK(Bytes(w.bytes().begin(), w.bytes().end()) ==
        bytes_of({0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0x03, 0x00, 0, 0}));
  Reader r(w.bytes());
  CHECK(r.read_array_length() == 2);
  CHECK(r.read_array_length() == -1);
  CHECK(r.read_compact_array_length() == 2);
  CHECK(r.read_compact_array_length() == -1);
  CHECK(r.ok());
}

TEST_CASE("the first error sticks: later reads return zero values and stop at the end", "[codec]") {
  const Bytes in = bytes_of({0x00, 0x01, 0x02});
  Reader r(in);
  CHECK(r.read_int32() == 0);
  CHECK(r.error() == Errc::truncated);
  CHECK(r.remaining() == 0);
  CHECK(r.read_int8() == 0);
  CHECK(r.read_string().empty());
  CHECK(r.read_array_length() == 0);
  r.fail(Errc::bad_length);
  CHECK(r.error() == Errc::truncated);
}

TEST_CASE("tagged fields: unknown tags are skipped, known ones read from their own bytes", "[codec]") {
  // Two fields: tag 1 (3 bytes, unknown), tag 5 (int32 7).
  const Bytes in = bytes_of({0x02, 0x01, 0x03, 0xaa, 0xbb, 0xcc, 0x05, 0x04, 0, 0, 0, 7, 0x42});
  Reader r(in);
  int32_t seen = 0;
  r.read_tagged_fields([&](uint32_t tag, Reader& field) {
    if (tag == 5) seen = field.read_int32();
  });
  CHECK(seen == 7);
  CHECK(r.read_int8() == 0x42);
  CHECK(r.ok());

  Reader s(in);
  s.skip_tagged_fields();
  CHECK(s.read_int8() == 0x42);
  CHECK(s.ok());
}

TEST_CASE("a tagged field larger than the input, or misread inside, fails the reader", "[codec]") {
  const Bytes too_big = bytes_of({0x01, 0x00, 0x7f, 0x00});
  Reader a(too_big);
  a.skip_tagged_fields();
  CHECK(a.error() == Errc::truncated);

  const Bytes short_field = bytes_of({0x01, 0x00, 0x02, 0x00, 0x01});
  Reader b(short_field);
  b.read_tagged_fields([](uint32_t, Reader& field) { field.read_int32(); });
  CHECK(b.error() == Errc::truncated);
}

TEST_CASE("tagged fields are written as count, tag, size and bytes", "[codec]") {
  Writer field;
  field.write_int32(7);
  Writer w;
  w.write_uvarint(1);
  w.write_tagged_field(5, field);
  CHECK(Bytes(w.bytes().begin(), w.bytes().end()) == bytes_of({0x01, 0x05, 0x04, 0, 0, 0, 7}));
  CHECK(written([](Writer& x) { x.write_empty_tagged_fields(); }) == bytes_of({0x00}));
}

TEST_CASE("records decode as a view into the input", "[codec]") {
  const Bytes in = bytes_of({0, 0, 0, 2, 0xab, 0xcd, 0xff, 0xff, 0xff, 0xff, 0x03, 1, 2});
  Reader r(in);
  RecordsRef a = r.read_records(false);
  REQUIRE(a.bytes.has_value());
  CHECK(a.bytes->data() == in.data() + 4);
  CHECK(a.bytes->size() == 2);
  CHECK_FALSE(r.read_records(false).bytes.has_value());
  RecordsRef c = r.read_records(true);
  REQUIRE(c.bytes.has_value());
  CHECK(c.bytes->size() == 2);
  CHECK(r.ok());

  const Bytes null_records = bytes_of({0xff, 0xff, 0xff, 0xff});
  Reader n(null_records);
  n.read_records(false, /*nullable=*/false);
  CHECK(n.error() == Errc::unexpected_null);
}

TEST_CASE("external records write their length and leave a splice", "[codec]") {
  Writer w;
  w.write_int16(1);
  w.write_records(RecordsRef{std::nullopt, 7, 1000}, false);
  w.write_int16(2);
  w.write_records(RecordsRef{std::nullopt, 8, 300}, true);
  Encoded e = std::move(w).finish();
  CHECK(e.buffer == bytes_of({0, 1, 0, 0, 0x03, 0xe8, 0, 2, 0xad, 0x02}));
  REQUIRE(e.splices.size() == 2);
  CHECK(e.splices[0] == Splice{6, 7, 1000});
  CHECK(e.splices[1] == Splice{10, 8, 300});
  CHECK(e.total_size() == 10 + 1000 + 300);
}

TEST_CASE("a writer can start after a prefix and patch it at the end", "[codec]") {
  Writer w(Bytes(4));
  w.write_int16(5);
  w.patch_int32(0, static_cast<int32_t>(w.size() - 4));
  CHECK(Bytes(w.bytes().begin(), w.bytes().end()) == bytes_of({0, 0, 0, 2, 0, 5}));
  CHECK_THROWS_AS(w.patch_int32(4, 1), std::out_of_range);
}

TEST_CASE("a classic string over 32767 bytes is a bug, not a silent truncation", "[codec]") {
  Writer w;
  CHECK_THROWS_AS(w.write_string(std::string(32768, 'x')), std::length_error);
  CHECK_NOTHROW(w.write_compact_string(std::string(32768, 'x')));
}

}  // namespace
}  // namespace runnel::protocol
