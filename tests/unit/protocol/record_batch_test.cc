#include "protocol/record_batch.h"

#include <catch2/catch.hpp>
#include <limits>

#include "protocol/byte_order.h"
#include "protocol/errc.h"
#include "protocol/record_batch_builder.h"
#include "test_util.h"

namespace runnel::protocol {
namespace {

using test::Bytes;
using test::bytes_of;

// A one-record batch assembled by hand from the v2 layout (the CRC was
// computed separately): key "order-17", value "paid", header trace=a1.
const Bytes kGoldenBatch = bytes_of({
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // base_offset 0
    0x00, 0x00, 0x00, 0x4d,                          // batch_length 77
    0x00, 0x00, 0x00, 0x00,                          // partition_leader_epoch 0
    0x02,                                            // magic 2
    0xb3, 0xe9, 0x3a, 0x8b,                          // crc 0xB3E93A8B
    0x00, 0x00,                                      // attributes: none, CreateTime
    0x00, 0x00, 0x00, 0x00,                          // last_offset_delta 0
    0x00, 0x00, 0x01, 0xa1, 0xee, 0x56, 0x5e, 0x00,  // base_timestamp 1795000000000
    0x00, 0x00, 0x01, 0xa1, 0xee, 0x56, 0x5e, 0x00,  // max_timestamp 1795000000000
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // producer_id -1
    0xff, 0xff,                                      // producer_epoch -1
    0xff, 0xff, 0xff, 0xff,                          // base_sequence -1
    0x00, 0x00, 0x00, 0x01,                          // records_count 1
    0x36,                                            // record length 27
    0x00, 0x00, 0x00,                                // attributes, timestamp_delta 0, offset_delta 0
    0x10, 'o', 'r', 'd', 'e', 'r', '-', '1', '7',    // key
    0x08, 'p', 'a', 'i', 'd',                        // value
    0x02,                                            // one header
    0x0a, 't', 'r', 'a', 'c', 'e',
    0x04, 'a', '1',
});

constexpr int64_t kTimestamp = 1795000000000;

Bytes build(const BatchOptions& options = {}) {
  std::vector<RecordInput> records(3);
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].value = to_bytes("value");
    records[i].timestamp = kTimestamp + static_cast<int64_t>(i);
  }
  auto batch = build_record_batch(records, options);
  REQUIRE(batch);
  return *batch;
}

// Rewrites a field inside the CRC and stamps a fresh CRC, so that only the
// field itself can make validation fail.
template <class T>
void write_field_with_crc(Bytes& batch, size_t field, T value) {
  write_be<T>(batch.data() + field, value);
  write_be<uint32_t>(batch.data() + batch_field::crc, compute_batch_crc(batch));
}

TEST_CASE("a hand-assembled batch reads field by field", "[record_batch]") {
  RecordBatchHeader h = read_header(kGoldenBatch);
  CHECK(h.base_offset == 0);
  CHECK(h.batch_length == 77);
  CHECK(h.total_size() == static_cast<int64_t>(kGoldenBatch.size()));
  CHECK(h.partition_leader_epoch == 0);
  CHECK(h.magic == 2);
  CHECK(h.crc == 0xB3E93A8Bu);
  CHECK(h.attributes == 0);
  CHECK(h.compression() == CompressionType::none);
  CHECK(h.timestamp_type() == TimestampType::create_time);
  CHECK_FALSE(h.is_transactional());
  CHECK_FALSE(h.is_control());
  CHECK(h.last_offset_delta == 0);
  CHECK(h.base_timestamp == kTimestamp);
  CHECK(h.max_timestamp == kTimestamp);
  CHECK(h.producer_id == -1);
  CHECK(h.producer_epoch == -1);
  CHECK(h.base_sequence == -1);
  CHECK(h.records_count == 1);

  BatchFrame frame = read_frame(kGoldenBatch);
  CHECK(frame.base_offset == 0);
  CHECK(frame.batch_length == 77);

  auto valid = validate_batch(kGoldenBatch);
  REQUIRE(valid);
  CHECK(valid->crc == 0xB3E93A8Bu);
  CHECK(compute_batch_crc(kGoldenBatch) == 0xB3E93A8Bu);
}

TEST_CASE("the builder writes the golden bytes for the same record", "[record_batch]") {
  RecordInput record;
  record.key = to_bytes("order-17");
  record.value = to_bytes("paid");
  record.timestamp = kTimestamp;
  record.headers.push_back({"trace", to_bytes("a1")});
  BatchOptions options;
  options.partition_leader_epoch = 0;
  auto batch = build_record_batch(std::span(&record, 1), options);
  REQUIRE(batch);
  CHECK(*batch == kGoldenBatch);
}

TEST_CASE("validate_batch accepts a built batch and returns its header", "[record_batch]") {
  BatchOptions options;
  options.base_offset = 1000;
  options.producer_id = 7;
  options.producer_epoch = 2;
  options.base_sequence = 11;
  options.transactional = true;
  Bytes batch = build(options);
  auto h = validate_batch(batch);
  REQUIRE(h);
  CHECK(h->base_offset == 1000);
  CHECK(h->last_offset() == 1002);
  CHECK(h->records_count == 3);
  CHECK(h->producer_id == 7);
  CHECK(h->producer_epoch == 2);
  CHECK(h->base_sequence == 11);
  CHECK(h->is_transactional());
  CHECK(h->base_timestamp == kTimestamp);
  CHECK(h->max_timestamp == kTimestamp + 2);
}

TEST_CASE("changing any byte covered by the CRC fails validation with crc_mismatch", "[record_batch]") {
  const Bytes batch = build();
  for (size_t at = batch_field::crc; at < batch.size(); ++at) {
    Bytes corrupt = batch;
    test::increment_byte(corrupt, at);
    INFO("byte " << at);
    CHECK(test::error_of(validate_batch(corrupt)) == Errc::crc_mismatch);
  }
}

TEST_CASE("base_offset and partition_leader_epoch are outside the CRC", "[record_batch]") {
  Bytes batch = build();
  set_base_offset(batch, 123456789012);
  set_partition_leader_epoch(batch, 42);
  auto h = validate_batch(batch);
  REQUIRE(h);
  CHECK(h->base_offset == 123456789012);
  CHECK(h->partition_leader_epoch == 42);
}

TEST_CASE("set_log_append_time sets the timestamp type and max_timestamp and restamps the CRC", "[record_batch]") {
  Bytes batch = build();
  uint32_t old_crc = read_header(batch).crc;
  set_log_append_time(batch, 1700000000000);
  auto h = validate_batch(batch);
  REQUIRE(h);
  CHECK(h->timestamp_type() == TimestampType::log_append_time);
  CHECK(h->max_timestamp == 1700000000000);
  CHECK(h->base_timestamp == kTimestamp);
  CHECK(h->crc != old_crc);
}

TEST_CASE("every proper prefix of a batch is truncated", "[record_batch]") {
  const Bytes batch = build();
  for (size_t n = 0; n < batch.size(); ++n) {
    INFO("size " << n);
    CHECK(test::error_of(validate_batch(std::span(batch).first(n))) == Errc::truncated);
    CHECK(test::error_of(read_checked_header(std::span(batch).first(n))) == Errc::truncated);
  }
}

TEST_CASE("bytes after the batch are a bad length", "[record_batch]") {
  Bytes batch = build();
  batch.push_back(std::byte{0});
  CHECK(test::error_of(validate_batch(batch)) == Errc::bad_length);
}

TEST_CASE("a batch_length below the header size is a bad length", "[record_batch]") {
  Bytes batch = build();
  for (int32_t length : {48, 0, -1, std::numeric_limits<int32_t>::min()}) {
    INFO(length);
    write_be<int32_t>(batch.data() + batch_field::batch_length, length);
    CHECK(test::error_of(validate_batch(batch)) == Errc::bad_length);
  }
}

TEST_CASE("magic other than 2 is unsupported", "[record_batch]") {
  Bytes batch = build();
  for (int magic : {0, 1, 3}) {
    batch[batch_field::magic] = static_cast<std::byte>(magic);
    CHECK(test::error_of(validate_batch(batch)) == Errc::unsupported_magic);
  }
}

TEST_CASE("negative record count or last offset delta is a bad length even with a good CRC", "[record_batch]") {
  Bytes batch = build();
  SECTION("records_count") { write_field_with_crc<int32_t>(batch, batch_field::records_count, -1); }
  SECTION("last_offset_delta") { write_field_with_crc<int32_t>(batch, batch_field::last_offset_delta, -5); }
  CHECK(test::error_of(validate_batch(batch)) == Errc::bad_length);
  CHECK(test::error_of(read_checked_header(batch)) == Errc::bad_length);
}

TEST_CASE("read_checked_header skips only the CRC check", "[record_batch]") {
  Bytes batch = build();
  test::increment_byte(batch, batch.size() - 1);
  CHECK(test::error_of(validate_batch(batch)) == Errc::crc_mismatch);
  auto h = read_checked_header(batch);
  REQUIRE(h);
  CHECK(h->records_count == 3);
}

TEST_CASE("an empty batch keeps the requested last_offset_delta", "[record_batch]") {
  BatchOptions options;
  options.last_offset_delta = 9;
  auto batch = build_record_batch({}, options);
  REQUIRE(batch);
  CHECK(batch->size() == kRecordBatchHeaderSize);
  auto h = validate_batch(*batch);
  REQUIRE(h);
  CHECK(h->records_count == 0);
  CHECK(h->last_offset_delta == 9);
  CHECK(h->base_timestamp == -1);
}

}  // namespace
}  // namespace runnel::protocol
