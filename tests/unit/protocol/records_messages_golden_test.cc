// Golden bytes for Produce and Fetch, the two messages that carry record
// batches, built by hand from the protocol guide's BNF around a real batch.
#include <catch2/catch.hpp>

#include "message_test_util.h"
#include "protocol/messages/fetch.h"
#include "protocol/messages/produce.h"
#include "protocol/record_batch_builder.h"

namespace runnel::protocol::messages {
namespace {

using test::append;
using test::append_int32;
using test::Bytes;
using test::decode_all;
using test::encode;

Bytes one_batch() {
  RecordInput record;
  record.value = to_bytes("hello");
  record.timestamp = 1795000000000;
  auto batch = build_record_batch(std::span<const RecordInput>(&record, 1), BatchOptions{});
  REQUIRE(batch.has_value());
  return *batch;
}

const Bytes kOrders = test::bytes_of({0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's'});

TEST_CASE("Produce v3 request: transactional id, acks, timeout and a records blob", "[messages][golden]") {
  const Bytes batch = one_batch();
  Bytes golden;
  append(golden, {0xff, 0xff});              // transactional_id null
  append(golden, {0xff, 0xff});              // acks -1
  append(golden, {0x00, 0x00, 0x05, 0xdc});  // timeout_ms 1500
  append(golden, {0, 0, 0, 1});              // [topic_data] 1
  append(golden, kOrders);
  append(golden, {0, 0, 0, 1});              // [partition_data] 1
  append(golden, {0, 0, 0, 2});              // index 2
  append_int32(golden, static_cast<int32_t>(batch.size()));
  const size_t records_at = golden.size();
  append(golden, batch);

  auto req = decode_all<ProduceRequest>(golden, 3);
  CHECK_FALSE(req.transactional_id.has_value());
  CHECK(req.acks == -1);
  CHECK(req.timeout_ms == 1500);
  REQUIRE(req.topic_data.size() == 1);
  CHECK(req.topic_data[0].name == "orders");
  REQUIRE(req.topic_data[0].partition_data.size() == 1);
  const auto& partition = req.topic_data[0].partition_data[0];
  CHECK(partition.index == 2);
  REQUIRE(partition.records.bytes.has_value());
  CHECK(partition.records.bytes->data() == golden.data() + records_at);  // a view, not a copy
  CHECK(std::ranges::equal(*partition.records.bytes, batch));
  CHECK(encode(req, 3) == golden);
}

TEST_CASE("Produce request whose records length overruns the frame is malformed", "[messages][golden]") {
  Bytes in;
  append(in, {0xff, 0xff, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1});
  append(in, kOrders);
  append(in, {0, 0, 0, 1, 0, 0, 0, 0, 0x00, 0x10, 0x00, 0x00, 1, 2, 3});
  Reader r(in);
  ProduceRequest req;
  req.decode(r, 3);
  CHECK(r.error() == Errc::truncated);
}

Bytes fetch_v4_response(const Bytes& batch) {
  Bytes out;
  append(out, {0, 0, 0, 0});  // throttle_time_ms
  append(out, {0, 0, 0, 1});  // [responses] 1
  append(out, kOrders);
  append(out, {0, 0, 0, 1});  // [partitions] 1
  append(out, {0, 0, 0, 0, 0x00, 0x00});  // partition 0, error_code 0
  append(out, {0, 0, 0, 0, 0, 0, 0, 1});  // high_watermark 1
  append(out, {0, 0, 0, 0, 0, 0, 0, 1});  // last_stable_offset 1
  append(out, {0xff, 0xff, 0xff, 0xff});  // aborted_transactions null
  append_int32(out, static_cast<int32_t>(batch.size()));
  append(out, batch);
  return out;
}

TEST_CASE("Fetch v4 response: partition header, null aborted transactions, records", "[messages][golden]") {
  const Bytes batch = one_batch();
  const Bytes golden = fetch_v4_response(batch);
  auto resp = decode_all<FetchResponse>(golden, 4);
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].topic == "orders");
  const auto& p = resp.responses[0].partitions.at(0);
  CHECK(p.high_watermark == 1);
  CHECK(p.last_stable_offset == 1);
  CHECK(p.log_start_offset == -1);  // v5+
  CHECK_FALSE(p.aborted_transactions.has_value());
  REQUIRE(p.records.bytes.has_value());
  CHECK(std::ranges::equal(*p.records.bytes, batch));
  CHECK(encode(resp, 4) == golden);
}

Bytes fetch_v11_response(const Bytes& batch) {
  Bytes out;
  append(out, {0, 0, 0, 0});              // throttle_time_ms
  append(out, {0x00, 0x00});              // error_code
  append(out, {0, 0, 0x30, 0x39});        // session_id 12345
  append(out, {0, 0, 0, 1});              // [responses] 1
  append(out, kOrders);
  append(out, {0, 0, 0, 1});              // [partitions] 1
  append(out, {0, 0, 0, 0, 0x00, 0x00});  // partition 0, error_code 0
  append(out, {0, 0, 0, 0, 0, 0, 0, 1});  // high_watermark 1
  append(out, {0, 0, 0, 0, 0, 0, 0, 1});  // last_stable_offset 1
  append(out, {0, 0, 0, 0, 0, 0, 0, 0});  // log_start_offset 0
  append(out, {0, 0, 0, 0});              // aborted_transactions []
  append(out, {0xff, 0xff, 0xff, 0xff});  // preferred_read_replica -1
  append_int32(out, static_cast<int32_t>(batch.size()));
  append(out, batch);
  return out;
}

TEST_CASE("Fetch v11 response: session id, log start offset, preferred replica, records", "[messages][golden]") {
  const Bytes batch = one_batch();
  const Bytes golden = fetch_v11_response(batch);
  auto resp = decode_all<FetchResponse>(golden, 11);
  CHECK(resp.session_id == 12345);
  const auto& p = resp.responses.at(0).partitions.at(0);
  CHECK(p.log_start_offset == 0);
  REQUIRE(p.aborted_transactions.has_value());
  CHECK(p.aborted_transactions->empty());
  CHECK(p.preferred_read_replica == -1);
  CHECK(std::ranges::equal(p.records.bytes.value(), batch));
  CHECK(encode(resp, 11) == golden);
}

TEST_CASE("Fetch v11 response with records from a file: the same bytes with a splice", "[messages][golden]") {
  const Bytes batch = one_batch();
  const Bytes golden = fetch_v11_response(batch);
  FetchResponse resp = decode_all<FetchResponse>(golden, 11);
  resp.responses[0].partitions[0].records = RecordsRef{std::nullopt, 3, batch.size()};

  Writer w;
  resp.encode(w, 11);
  Encoded e = std::move(w).finish();
  const size_t records_at = golden.size() - batch.size();
  CHECK(e.buffer == Bytes(golden.begin(), golden.begin() + static_cast<std::ptrdiff_t>(records_at)));
  REQUIRE(e.splices.size() == 1);
  CHECK(e.splices[0] == Splice{records_at, 3, batch.size()});
  CHECK(e.total_size() == golden.size());
}

}  // namespace
}  // namespace runnel::protocol::messages
