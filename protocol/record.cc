#include "protocol/record.h"

#include "protocol/compression.h"
#include "protocol/errc.h"
#include "protocol/varint.h"

namespace runnel::protocol {
namespace {

// Smallest encodings, used to bound counts before reserving: a record is at
// least length, attributes, timestamp_delta, offset_delta, key_length,
// value_length and headers_count; a header at least its two lengths.
constexpr size_t kMinRecordSize = 7;
constexpr size_t kMinHeaderSize = 2;

// Straight-line decoding over one record with a sticky failure flag.
class RecordReader {
 public:
  explicit RecordReader(std::span<const std::byte> in) : in_(in) {}

  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

  int8_t read_int8() {
    if (!ok_ || pos_ >= in_.size()) return fail_value<int8_t>();
    return static_cast<int8_t>(in_[pos_++]);
  }
  int32_t read_varint() { return check(protocol::read_varint(in_, pos_)); }
  int64_t read_varlong() { return check(protocol::read_varlong(in_, pos_)); }

  // A varint length then that many bytes; -1 is null when `nullable`.
  std::optional<std::span<const std::byte>> read_bytes(bool nullable) {
    int32_t length = read_varint();
    if (!ok_) return std::nullopt;
    if (length == -1 && nullable) return std::nullopt;
    if (length < 0 || static_cast<size_t>(length) > remaining()) {
      ok_ = false;
      return std::nullopt;
    }
    auto bytes = in_.subspan(pos_, static_cast<size_t>(length));
    pos_ += bytes.size();
    return bytes;
  }

 private:
  template <class T>
  T fail_value() {
    ok_ = false;
    return 0;
  }
  template <class T>
  T check(std::optional<T> v) {
    if (!ok_ || !v) return fail_value<T>();
    return *v;
  }

  std::span<const std::byte> in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

bool decode_headers(RecordReader& r, Record& record) {
  int32_t count = r.read_varint();
  if (!r.ok() || count < 0 || static_cast<size_t>(count) > r.remaining() / kMinHeaderSize) return false;
  record.headers.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) {
    auto key = r.read_bytes(/*nullable=*/false);
    auto value = r.read_bytes(/*nullable=*/true);
    if (!r.ok()) return false;
    record.headers.push_back({{reinterpret_cast<const char*>(key->data()), key->size()}, value});
  }
  return true;
}

// Decodes the fields of one record from exactly its `length` bytes.
Result<Record> decode_record(std::span<const std::byte> body) {
  RecordReader r(body);
  Record record;
  record.attributes = r.read_int8();
  record.timestamp_delta = r.read_varlong();
  record.offset_delta = r.read_varint();
  record.key = r.read_bytes(/*nullable=*/true);
  record.value = r.read_bytes(/*nullable=*/true);
  if (!r.ok() || !decode_headers(r, record) || !r.at_end()) return fail(Errc::invalid_record);
  return record;
}

}  // namespace

Result<std::vector<Record>> decode_records(std::span<const std::byte> records, int32_t count) {
  if (count < 0 || static_cast<size_t>(count) > records.size() / kMinRecordSize) return fail(Errc::invalid_record);
  std::vector<Record> out;
  out.reserve(static_cast<size_t>(count));
  size_t pos = 0;
  for (int32_t i = 0; i < count; ++i) {
    auto length = read_varint(records, pos);
    if (!length || *length < 0 || static_cast<size_t>(*length) > records.size() - pos) {
      return fail(Errc::invalid_record);
    }
    auto record = decode_record(records.subspan(pos, static_cast<size_t>(*length)));
    if (!record) return fail(record.error());
    out.push_back(std::move(*record));
    pos += static_cast<size_t>(*length);
  }
  if (pos != records.size()) return fail(Errc::invalid_record);
  return out;
}

Result<std::vector<Record>> read_batch_records(std::span<const std::byte> batch, std::vector<std::byte>& scratch,
                                               size_t max_decompressed) {
  auto header = read_checked_header(batch);
  if (!header) return fail(header.error());
  auto records = batch.subspan(kRecordBatchHeaderSize);
  CompressionType codec = header->compression();
  if (codec != CompressionType::none) {
    auto plain = decompress(codec, records, max_decompressed);
    if (!plain) return fail(plain.error());
    scratch = std::move(*plain);
    records = scratch;
  }
  return decode_records(records, header->records_count);
}

}  // namespace runnel::protocol
