#include "protocol/record.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "protocol/byte_order.h"
#include "protocol/errc.h"
#include "protocol/record_batch_builder.h"
#include "protocol/varint.h"
#include "test_util.h"

namespace runnel::protocol {
namespace {

using test::Bytes;
using test::bytes_of;
using test::error_of;

constexpr int64_t kBase = 1'700'000'000'000;

Bytes span_bytes(std::optional<std::span<const std::byte>> s) { return {s->begin(), s->end()}; }

// Keys, values and headers covering every null and empty case, timestamps
// out of order and offset gaps as a compacted batch has them.
std::vector<RecordInput> sample_records() {
  std::vector<RecordInput> r(4);
  r[0].key = to_bytes("key-0");
  r[0].value = to_bytes("value-0");
  r[0].timestamp = kBase;
  r[0].offset_delta = 0;
  r[1].key = std::nullopt;
  r[1].value = to_bytes("value without key");
  r[1].timestamp = kBase + 500;
  r[1].offset_delta = 2;
  r[1].headers = {{"trace", to_bytes("abc")}, {"null-value", std::nullopt}, {"", to_bytes("")}};
  r[2].key = to_bytes("tombstone");
  r[2].value = std::nullopt;
  r[2].timestamp = kBase - 20;
  r[2].offset_delta = 5;
  r[3].key = to_bytes("");
  r[3].value = Bytes(3000, std::byte{'x'});
  r[3].timestamp = kBase + 1;
  r[3].offset_delta = 6;
  return r;
}

void check_same(const Record& got, const RecordInput& want, int64_t base_timestamp) {
  CHECK(got.attributes == 0);
  CHECK(got.offset_delta == want.offset_delta);
  CHECK(got.timestamp_delta == want.timestamp - base_timestamp);
  REQUIRE(got.key.has_value() == want.key.has_value());
  if (want.key) CHECK(span_bytes(got.key) == *want.key);
  REQUIRE(got.value.has_value() == want.value.has_value());
  if (want.value) CHECK(span_bytes(got.value) == *want.value);
  REQUIRE(got.headers.size() == want.headers.size());
  for (size_t i = 0; i < want.headers.size(); ++i) {
    CHECK(got.headers[i].key == want.headers[i].first);
    REQUIRE(got.headers[i].value.has_value() == want.headers[i].second.has_value());
    if (want.headers[i].second) CHECK(span_bytes(got.headers[i].value) == *want.headers[i].second);
  }
}

TEST_CASE("records survive build and read_batch_records with every codec", "[record]") {
  auto codec = GENERATE(CompressionType::none, CompressionType::gzip, CompressionType::snappy, CompressionType::lz4,
                        CompressionType::zstd);
  INFO("codec " << static_cast<int>(codec));
  auto input = sample_records();
  BatchOptions options;
  options.compression = codec;
  auto batch = build_record_batch(input, options);
  REQUIRE(batch);

  auto header = validate_batch(*batch);
  REQUIRE(header);
  CHECK(header->compression() == codec);
  CHECK(header->records_count == 4);
  CHECK(header->last_offset_delta == 6);
  CHECK(header->base_timestamp == kBase);
  CHECK(header->max_timestamp == kBase + 500);

  std::vector<std::byte> scratch;
  auto records = read_batch_records(*batch, scratch);
  REQUIRE(records);
  REQUIRE(records->size() == input.size());
  for (size_t i = 0; i < input.size(); ++i) {
    INFO("record " << i);
    check_same((*records)[i], input[i], kBase);
  }
}

TEST_CASE("offset deltas default to the record's index", "[record]") {
  std::vector<RecordInput> input(3);
  for (auto& r : input) r.value = to_bytes("v");
  auto batch = build_record_batch(input, {});
  REQUIRE(batch);
  std::vector<std::byte> scratch;
  auto records = read_batch_records(*batch, scratch);
  REQUIRE(records);
  for (int32_t i = 0; i < 3; ++i) CHECK((*records)[static_cast<size_t>(i)].offset_delta == i);
  CHECK(read_header(*batch).last_offset_delta == 2);
}

TEST_CASE("uncompressed records point into the batch itself", "[record]") {
  RecordInput input;
  input.value = to_bytes("in place");
  auto batch = build_record_batch(std::span(&input, 1), {});
  REQUIRE(batch);
  std::vector<std::byte> scratch;
  auto records = read_batch_records(*batch, scratch);
  REQUIRE(records);
  const std::byte* value = (*records)[0].value->data();
  CHECK(value >= batch->data());
  CHECK(value < batch->data() + batch->size());
  CHECK(scratch.empty());
}

// One hand-encoded record: attributes 0, deltas 0, key "k", value "v", no headers.
Bytes one_record(int32_t declared_length) {
  Bytes body = bytes_of({0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x00});
  Bytes out;
  write_varint(out, declared_length);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

TEST_CASE("decode_records reads a hand-encoded record", "[record]") {
  Bytes encoded = one_record(8);
  auto records = decode_records(encoded, 1);
  REQUIRE(records);
  CHECK(span_bytes((*records)[0].key) == to_bytes("k"));
  CHECK(span_bytes((*records)[0].value) == to_bytes("v"));
}

TEST_CASE("malformed records are invalid_record", "[record]") {
  SECTION("a record length past the end") { CHECK(error_of(decode_records(one_record(9), 1)) == Errc::invalid_record); }
  SECTION("a record length shorter than its fields") {
    Bytes b = one_record(7);
    CHECK(error_of(decode_records(b, 1)) == Errc::invalid_record);
  }
  SECTION("trailing bytes after the last record") {
    Bytes b = one_record(8);
    b.push_back(std::byte{0});
    CHECK(error_of(decode_records(b, 1)) == Errc::invalid_record);
  }
  SECTION("bytes inside a record after its headers") {
    Bytes b = one_record(9);
    b.push_back(std::byte{0});
    CHECK(error_of(decode_records(b, 1)) == Errc::invalid_record);
  }
  SECTION("more records announced than present") {
    Bytes b = one_record(8);
    CHECK(error_of(decode_records(b, 2)) == Errc::invalid_record);
  }
  SECTION("a huge or negative count") {
    Bytes b = one_record(8);
    CHECK(error_of(decode_records(b, std::numeric_limits<int32_t>::max())) == Errc::invalid_record);
    CHECK(error_of(decode_records(b, -1)) == Errc::invalid_record);
  }
  SECTION("a key length past the record") {
    Bytes b = bytes_of({0x10, 0x00, 0x00, 0x00, 0x40, 'k', 0x02, 'v', 0x00});
    CHECK(error_of(decode_records(b, 1)) == Errc::invalid_record);
  }
  SECTION("a null header key") {
    Bytes b = bytes_of({0x10, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x01, 0x01});
    CHECK(error_of(decode_records(b, 1)) == Errc::invalid_record);
  }
  SECTION("a truncated varint inside a record") {
    Bytes b = bytes_of({0x0E, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
    CHECK(error_of(decode_records(b, 1)) == Errc::invalid_record);
  }
}

TEST_CASE("a batch whose records section is malformed is invalid_record", "[record]") {
  RecordInput input;
  input.value = to_bytes("v");
  auto batch = build_record_batch(std::span(&input, 1), {});
  REQUIRE(batch);
  write_be<int32_t>(batch->data() + batch_field::records_count, 2);
  std::vector<std::byte> scratch;
  CHECK(error_of(read_batch_records(*batch, scratch)) == Errc::invalid_record);
}

TEST_CASE("a compressed batch whose blob is garbage is decompression_failed", "[record]") {
  auto codec = GENERATE(CompressionType::gzip, CompressionType::snappy, CompressionType::lz4, CompressionType::zstd);
  INFO("codec " << static_cast<int>(codec));
  auto input = sample_records();
  BatchOptions options;
  options.compression = codec;
  auto batch = build_record_batch(input, options);
  REQUIRE(batch);
  for (size_t i = kRecordBatchHeaderSize; i < batch->size(); ++i) (*batch)[i] = std::byte{0xFF};
  std::vector<std::byte> scratch;
  CHECK(error_of(read_batch_records(*batch, scratch)) == Errc::decompression_failed);
}

// Whether a decoded field (null counts) lies inside one of the two buffers.
bool points_into(std::optional<std::span<const std::byte>> field, const Bytes& a, const Bytes& b) {
  if (!field) return true;
  auto within = [&](const Bytes& buffer) {
    return field->data() >= buffer.data() && field->data() + field->size() <= buffer.data() + buffer.size();
  };
  return within(a) || within(b);
}

TEST_CASE("read_batch_records stays in bounds on randomly damaged batches", "[record]") {
  auto codec = GENERATE(CompressionType::none, CompressionType::gzip, CompressionType::snappy, CompressionType::lz4,
                        CompressionType::zstd);
  INFO("codec " << static_cast<int>(codec));
  BatchOptions options;
  options.compression = codec;
  auto built = build_record_batch(sample_records(), options);
  REQUIRE(built);
  std::mt19937 rng(static_cast<uint32_t>(codec));
  for (int round = 0; round < 500; ++round) {
    Bytes batch = *built;
    for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips) {
      // Half the damage lands on the record section's first bytes, where the lengths are.
      size_t span = rng() % 2 ? batch.size() : std::min<size_t>(batch.size(), kRecordBatchHeaderSize + 32);
      batch[rng() % span] = static_cast<std::byte>(rng());
    }
    std::vector<std::byte> scratch;
    auto records = read_batch_records(batch, scratch, 1 << 20);
    if (!records) continue;
    for (const auto& r : *records) {
      CHECK(points_into(r.key, batch, scratch));
      CHECK(points_into(r.value, batch, scratch));
      for (const auto& h : r.headers) CHECK(points_into(h.value, batch, scratch));
    }
  }
}

TEST_CASE("a gzip batch with a damaged trailer is decompression_failed", "[record]") {
  auto input = sample_records();
  BatchOptions options;
  options.compression = CompressionType::gzip;
  auto batch = build_record_batch(input, options);
  REQUIRE(batch);
  test::increment_byte(*batch, batch->size() - 5);  // inside the CRC-32 of the gzip trailer
  std::vector<std::byte> scratch;
  CHECK(error_of(read_batch_records(*batch, scratch)) == Errc::decompression_failed);
}

TEST_CASE("decompressed records over the bound are too_large", "[record]") {
  auto input = sample_records();
  BatchOptions options;
  options.compression = CompressionType::zstd;
  auto batch = build_record_batch(input, options);
  REQUIRE(batch);
  std::vector<std::byte> scratch;
  CHECK(error_of(read_batch_records(*batch, scratch, 100)) == Errc::too_large);
}

TEST_CASE("a codec id above 4 is unsupported_compression", "[record]") {
  RecordInput input;
  input.value = to_bytes("v");
  auto batch = build_record_batch(std::span(&input, 1), {});
  REQUIRE(batch);
  write_be<int16_t>(batch->data() + batch_field::attributes, 5);
  std::vector<std::byte> scratch;
  CHECK(error_of(read_batch_records(*batch, scratch)) == Errc::unsupported_compression);
}

TEST_CASE("read_batch_records checks the batch layout", "[record]") {
  RecordInput input;
  input.value = to_bytes("v");
  auto batch = build_record_batch(std::span(&input, 1), {});
  REQUIRE(batch);
  std::vector<std::byte> scratch;
  CHECK(error_of(read_batch_records(std::span(*batch).first(batch->size() - 1), scratch)) == Errc::truncated);
  (*batch)[batch_field::magic] = std::byte{1};
  CHECK(error_of(read_batch_records(*batch, scratch)) == Errc::unsupported_magic);
}

}  // namespace
}  // namespace runnel::protocol
