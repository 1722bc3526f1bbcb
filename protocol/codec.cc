#include "protocol/codec.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <stdexcept>

#include "protocol/byte_order.h"
#include "protocol/varint.h"

namespace runnel::protocol {

// ---- Reader ----------------------------------------------------------------

void Reader::fail(Errc e) { fail_with(make_error_code(e)); }

void Reader::fail_with(std::error_code ec) {
  if (!error_) error_ = ec;
  pos_ = in_.size();
}

bool Reader::take(size_t n, const std::byte*& p) {
  if (n > remaining()) {
    fail(Errc::truncated);
    return false;
  }
  p = in_.data() + pos_;
  pos_ += n;
  return true;
}

int8_t Reader::read_int8() {
  const std::byte* p = nullptr;
  return take(1, p) ? static_cast<int8_t>(*p) : 0;
}
int16_t Reader::read_int16() {
  const std::byte* p = nullptr;
  return take(2, p) ? read_be<int16_t>(p) : 0;
}
int32_t Reader::read_int32() {
  const std::byte* p = nullptr;
  return take(4, p) ? read_be<int32_t>(p) : 0;
}
int64_t Reader::read_int64() {
  const std::byte* p = nullptr;
  return take(8, p) ? read_be<int64_t>(p) : 0;
}
uint16_t Reader::read_uint16() { return static_cast<uint16_t>(read_int16()); }
uint32_t Reader::read_uint32() { return static_cast<uint32_t>(read_int32()); }
bool Reader::read_bool() { return read_int8() != 0; }
double Reader::read_float64() { return std::bit_cast<double>(read_int64()); }

Uuid Reader::read_uuid() {
  Uuid out{};
  const std::byte* p = nullptr;
  if (take(out.size(), p)) std::copy(p, p + out.size(), out.begin());
  return out;
}

// Reads one varint with `decode` (protocol/varint.h); a failure within
// `max_bytes` of the end is truncation, otherwise a malformed varint.
template <typename T, typename Decode>
T Reader::read_varint_with(Decode decode, size_t max_bytes) {
  size_t pos = pos_;
  auto v = decode(in_, pos);
  if (!v) {
    fail(remaining() < max_bytes ? Errc::truncated : Errc::bad_varint);
    return 0;
  }
  pos_ = pos;
  return *v;
}

int32_t Reader::read_varint() {
  return read_varint_with<int32_t>([](auto in, size_t& pos) { return protocol::read_varint(in, pos); }, 5);
}

int64_t Reader::read_varlong() {
  return read_varint_with<int64_t>([](auto in, size_t& pos) { return protocol::read_varlong(in, pos); }, 10);
}

uint32_t Reader::read_uvarint() {
  // Within 5 bytes only a missing terminator can fail: that is truncation.
  return read_varint_with<uint32_t>([](auto in, size_t& pos) { return protocol::read_uvarint(in, pos); }, 5);
}

std::span<const std::byte> Reader::read_raw(size_t n) {
  const std::byte* p = nullptr;
  if (!take(n, p)) return {};
  return {p, n};
}

int64_t Reader::read_length16() {
  const int16_t n = read_int16();
  if (n < -1) {
    fail(Errc::bad_length);
    return 0;
  }
  if (n > 0 && static_cast<size_t>(n) > remaining()) {
    fail(Errc::truncated);
    return 0;
  }
  return n;
}

int64_t Reader::read_length32() {
  const int32_t n = read_int32();
  if (n < -1) {
    fail(Errc::bad_length);
    return 0;
  }
  if (n > 0 && static_cast<size_t>(n) > remaining()) {
    fail(Errc::truncated);
    return 0;
  }
  return n;
}

int64_t Reader::read_compact_length() {
  const uint32_t u = read_uvarint();
  if (!ok()) return 0;
  if (u == 0) return -1;
  const int64_t n = int64_t{u} - 1;
  if (static_cast<uint64_t>(n) > remaining()) {
    fail(Errc::truncated);
    return 0;
  }
  return n;
}

std::optional<std::string> Reader::string_of(int64_t length) {
  if (length < 0) return std::nullopt;
  auto raw = read_raw(static_cast<size_t>(length));
  return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
}

std::optional<std::vector<std::byte>> Reader::bytes_of(int64_t length) {
  if (length < 0) return std::nullopt;
  auto raw = read_raw(static_cast<size_t>(length));
  return std::vector<std::byte>(raw.begin(), raw.end());
}

std::string Reader::read_string() {
  auto s = string_of(read_length16());
  if (!s) fail(Errc::unexpected_null);
  return s.value_or(std::string());
}
std::optional<std::string> Reader::read_nullable_string() { return string_of(read_length16()); }
std::string Reader::read_compact_string() {
  auto s = string_of(read_compact_length());
  if (!s) fail(Errc::unexpected_null);
  return s.value_or(std::string());
}
std::optional<std::string> Reader::read_compact_nullable_string() { return string_of(read_compact_length()); }

std::vector<std::byte> Reader::read_bytes() {
  auto b = bytes_of(read_length32());
  if (!b) fail(Errc::unexpected_null);
  return b.value_or(std::vector<std::byte>());
}
std::optional<std::vector<std::byte>> Reader::read_nullable_bytes() { return bytes_of(read_length32()); }
std::vector<std::byte> Reader::read_compact_bytes() {
  auto b = bytes_of(read_compact_length());
  if (!b) fail(Errc::unexpected_null);
  return b.value_or(std::vector<std::byte>());
}
std::optional<std::vector<std::byte>> Reader::read_compact_nullable_bytes() {
  return bytes_of(read_compact_length());
}

RecordsRef Reader::read_records(bool compact, bool nullable) {
  const int64_t length = compact ? read_compact_length() : read_length32();
  RecordsRef out;
  if (!ok()) return out;
  if (length < 0) {
    if (!nullable) fail(Errc::unexpected_null);
    return out;
  }
  out.bytes = read_raw(static_cast<size_t>(length));
  return out;
}

int32_t Reader::checked_count(int64_t count, size_t min_element_size) {
  if (!ok()) return 0;
  if (count < -1 || count > std::numeric_limits<int32_t>::max()) {
    fail(Errc::bad_length);
    return 0;
  }
  if (count > 0 && static_cast<uint64_t>(count) * min_element_size > remaining()) {
    fail(Errc::truncated);
    return 0;
  }
  return static_cast<int32_t>(count);
}

int32_t Reader::read_array_length(size_t min_element_size) {
  return checked_count(read_int32(), min_element_size);
}

int32_t Reader::read_compact_array_length(size_t min_element_size) {
  const uint32_t u = read_uvarint();
  return checked_count(int64_t{u} - 1, min_element_size);
}

// ---- Writer ----------------------------------------------------------------

uint64_t Encoded::total_size() const {
  uint64_t n = buffer.size();
  for (const auto& s : splices) n += s.size;
  return n;
}

template <class T>
void Writer::put(T v) {
  const size_t at = out_.size();
  out_.resize(at + sizeof(T));
  write_be<T>(out_.data() + at, v);
}

void Writer::write_int8(int8_t v) { out_.push_back(static_cast<std::byte>(v)); }
void Writer::write_int16(int16_t v) { put(v); }
void Writer::write_int32(int32_t v) { put(v); }
void Writer::write_int64(int64_t v) { put(v); }
void Writer::write_uint16(uint16_t v) { put(v); }
void Writer::write_uint32(uint32_t v) { put(v); }
void Writer::write_bool(bool v) { write_int8(v ? 1 : 0); }
void Writer::write_float64(double v) { put(std::bit_cast<int64_t>(v)); }
void Writer::write_uuid(const Uuid& v) { out_.insert(out_.end(), v.begin(), v.end()); }
void Writer::write_varint(int32_t v) { protocol::write_varint(out_, v); }
void Writer::write_varlong(int64_t v) { protocol::write_varlong(out_, v); }
void Writer::write_uvarint(uint32_t v) { protocol::write_uvarint(out_, v); }

namespace {
uint32_t compact_length(size_t n) {
  if (n >= std::numeric_limits<uint32_t>::max()) throw std::length_error("compact length over 2^32-2");
  return static_cast<uint32_t>(n + 1);
}
int32_t int32_length(uint64_t n) {
  if (n > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) throw std::length_error("length over int32");
  return static_cast<int32_t>(n);
}
std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}
}  // namespace

void Writer::write_string(std::string_view v) {
  if (v.size() > static_cast<size_t>(std::numeric_limits<int16_t>::max()))
    throw std::length_error("string over 32767 bytes");
  write_int16(static_cast<int16_t>(v.size()));
  write_raw(as_bytes(v));
}
void Writer::write_nullable_string(const std::optional<std::string>& v) {
  if (v) write_string(*v);
  else write_int16(-1);
}
void Writer::write_compact_string(std::string_view v) {
  write_uvarint(compact_length(v.size()));
  write_raw(as_bytes(v));
}
void Writer::write_compact_nullable_string(const std::optional<std::string>& v) {
  if (v) write_compact_string(*v);
  else write_uvarint(0);
}

void Writer::write_bytes(std::span<const std::byte> v) {
  write_int32(int32_length(v.size()));
  write_raw(v);
}
void Writer::write_nullable_bytes(const std::optional<std::vector<std::byte>>& v) {
  if (v) write_bytes(*v);
  else write_int32(-1);
}
void Writer::write_compact_bytes(std::span<const std::byte> v) {
  write_uvarint(compact_length(v.size()));
  write_raw(v);
}
void Writer::write_compact_nullable_bytes(const std::optional<std::vector<std::byte>>& v) {
  if (v) write_compact_bytes(*v);
  else write_uvarint(0);
}

void Writer::write_records(const RecordsRef& v, bool compact) {
  if (v.external >= 0) {
    if (compact) write_uvarint(compact_length(v.external_size));
    else write_int32(int32_length(v.external_size));
    write_external(v.external, v.external_size);
  } else if (v.bytes) {
    if (compact) write_compact_bytes(*v.bytes);
    else write_bytes(*v.bytes);
  } else if (compact) {
    write_uvarint(0);
  } else {
    write_int32(-1);
  }
}

void Writer::write_array_length(size_t n) { write_int32(int32_length(n)); }
void Writer::write_null_array_length() { write_int32(-1); }
void Writer::write_compact_array_length(size_t n) { write_uvarint(compact_length(n)); }
void Writer::write_compact_null_array_length() { write_uvarint(0); }

void Writer::write_raw(std::span<const std::byte> v) { out_.insert(out_.end(), v.begin(), v.end()); }

void Writer::write_external(int32_t id, uint64_t size) { splices_.push_back({out_.size(), id, size}); }

void Writer::write_tagged_field(uint32_t tag, const Writer& field) {
  if (!field.splices_.empty()) throw std::logic_error("tagged field with external bytes");
  write_uvarint(tag);
  write_uvarint(compact_length(field.size()) - 1);  // the size itself, range-checked
  write_raw(field.bytes());
}

void Writer::patch_int32(size_t position, int32_t v) {
  if (position + 4 > out_.size()) throw std::out_of_range("patch_int32 beyond the buffer");
  write_be<int32_t>(out_.data() + position, v);
}

Encoded Writer::finish() && { return Encoded{std::move(out_), std::move(splices_)}; }

}  // namespace runnel::protocol
