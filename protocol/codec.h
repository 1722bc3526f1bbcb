#pragma once
// Primitive codec of the Kafka protocol: the types of the protocol guide's
// BNF (INT8..INT64, BOOLEAN, UUID, FLOAT64, (COMPACT_)(NULLABLE_)STRING and
// BYTES, (COMPACT_)ARRAY lengths, RECORDS, UNSIGNED_VARINT, tagged fields).
// Big-endian fixed-width integers; classic strings carry an int16 length and
// bytes/arrays an int32 length, -1 meaning null; compact forms (flexible
// versions, KIP-482) carry an unsigned varint N+1, 0 meaning null.
//
// Reader has a sticky error, as franz-go's kbin: decoding is straight-line,
// every read after the first failure returns a zero value, and the caller
// checks ok() once at the end. A failure also moves the read position to the
// end, so loops driven by counts stop at once. Every length and count is
// checked against the bytes that remain before anything is allocated.
//
// Writer appends to a byte vector. write_external() leaves a hole for bytes
// that are not in memory (a log segment range): the result is the buffer
// plus a list of Splices, sent interleaved by the broker.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "protocol/errc.h"
#include "protocol/records_ref.h"

namespace runnel::protocol {

using Uuid = std::array<std::byte, 16>;

class Reader {
 public:
  explicit Reader(std::span<const std::byte> in) : in_(in) {}

  bool ok() const { return !error_; }
  std::error_code error() const { return error_; }
  size_t remaining() const { return in_.size() - pos_; }
  size_t position() const { return pos_; }
  // Records the first error and moves to the end of the input.
  void fail(Errc e);

  int8_t read_int8();
  int16_t read_int16();
  int32_t read_int32();
  int64_t read_int64();
  uint16_t read_uint16();
  uint32_t read_uint32();
  bool read_bool();  // any non-zero byte is true
  double read_float64();
  Uuid read_uuid();
  int32_t read_varint();    // zigzag
  int64_t read_varlong();   // zigzag
  uint32_t read_uvarint();  // unsigned LEB128, at most 5 bytes

  std::string read_string();  // int16 length; null is an error
  std::optional<std::string> read_nullable_string();
  std::string read_compact_string();  // uvarint N+1; null is an error
  std::optional<std::string> read_compact_nullable_string();

  std::vector<std::byte> read_bytes();  // int32 length; null is an error
  std::optional<std::vector<std::byte>> read_nullable_bytes();
  std::vector<std::byte> read_compact_bytes();
  std::optional<std::vector<std::byte>> read_compact_nullable_bytes();

  // A records field: bytes length as read_(compact_)nullable_bytes, returned
  // as a view into the input. Null is an error unless `nullable`.
  RecordsRef read_records(bool compact, bool nullable = true);

  // Array element counts, -1 for null. A count whose elements could not fit
  // in the remaining bytes, at `min_element_size` bytes each, is an error
  // (truncated) and returns 0.
  int32_t read_array_length(size_t min_element_size = 1);
  int32_t read_compact_array_length(size_t min_element_size = 1);

  // The next n bytes as a view, advancing past them.
  std::span<const std::byte> read_raw(size_t n);

  // A tagged-field section: uvarint count, then per field uvarint tag,
  // uvarint size and the bytes. on_field(tag, field_reader) is called with a
  // reader over exactly that field's bytes; it may ignore unknown tags.
  // Errors inside a field become this reader's error.
  template <class OnField>
  void read_tagged_fields(OnField&& on_field) {
    const uint32_t count = read_uvarint();
    for (uint32_t i = 0; i < count && ok(); ++i) {
      const uint32_t tag = read_uvarint();
      const uint32_t size = read_uvarint();
      Reader field(read_raw(size));
      if (!ok()) return;
      on_field(tag, field);
      if (!field.ok()) fail_with(field.error());
    }
  }
  void skip_tagged_fields() {
    read_tagged_fields([](uint32_t, Reader&) {});
  }

 private:
  bool take(size_t n, const std::byte*& p);
  void fail_with(std::error_code ec);
  template <typename T, typename Decode>
  T read_varint_with(Decode decode, size_t max_bytes);
  // Length prefixes: -1 = null, else a length that fits in the input.
  int64_t read_length16();
  int64_t read_length32();
  int64_t read_compact_length();
  std::optional<std::string> string_of(int64_t length);
  std::optional<std::vector<std::byte>> bytes_of(int64_t length);
  int32_t checked_count(int64_t count, size_t min_element_size);

  std::span<const std::byte> in_;
  size_t pos_ = 0;
  std::error_code error_;
};

// A hole in an encoded buffer: `size` bytes identified by `id` belong
// before buffer[position].
struct Splice {
  size_t position = 0;
  int32_t id = -1;
  uint64_t size = 0;
  friend bool operator==(const Splice&, const Splice&) = default;
};

struct Encoded {
  std::vector<std::byte> buffer;
  std::vector<Splice> splices;
  // Bytes on the wire: the buffer plus every spliced range.
  uint64_t total_size() const;
};

class Writer {
 public:
  Writer() = default;
  // Appends after `prefix` (e.g. a frame size placeholder, or a reused buffer).
  explicit Writer(std::vector<std::byte> prefix) : out_(std::move(prefix)) {}

  void write_int8(int8_t v);
  void write_int16(int16_t v);
  void write_int32(int32_t v);
  void write_int64(int64_t v);
  void write_uint16(uint16_t v);
  void write_uint32(uint32_t v);
  void write_bool(bool v);
  void write_float64(double v);
  void write_uuid(const Uuid& v);
  void write_varint(int32_t v);
  void write_varlong(int64_t v);
  void write_uvarint(uint32_t v);

  // Classic strings hold at most 32767 bytes: a longer one is a bug
  // (std::length_error).
  void write_string(std::string_view v);
  void write_nullable_string(const std::optional<std::string>& v);
  void write_compact_string(std::string_view v);
  void write_compact_nullable_string(const std::optional<std::string>& v);

  void write_bytes(std::span<const std::byte> v);
  void write_nullable_bytes(const std::optional<std::vector<std::byte>>& v);
  void write_compact_bytes(std::span<const std::byte> v);
  void write_compact_nullable_bytes(const std::optional<std::vector<std::byte>>& v);

  // A records field: in-memory bytes, null (length -1 / 0 compact), or an
  // external range (length, then a Splice).
  void write_records(const RecordsRef& v, bool compact);

  void write_array_length(size_t n);
  void write_null_array_length();
  void write_compact_array_length(size_t n);
  void write_compact_null_array_length();

  void write_raw(std::span<const std::byte> v);
  void write_external(int32_t id, uint64_t size);

  // Tagged-field sections: the count, then each field as tag, size and the
  // bytes of `field` (a Writer holding exactly that field; no splices).
  void write_empty_tagged_fields() { write_uvarint(0); }
  void write_tagged_field(uint32_t tag, const Writer& field);

  size_t size() const { return out_.size(); }
  std::span<const std::byte> bytes() const { return out_; }
  const std::vector<Splice>& splices() const { return splices_; }
  // Overwrites 4 bytes at `position` (e.g. a frame size written last).
  void patch_int32(size_t position, int32_t v);

  Encoded finish() &&;

 private:
  template <class T>
  void put(T v);

  std::vector<std::byte> out_;
  std::vector<Splice> splices_;
};

}  // namespace runnel::protocol
