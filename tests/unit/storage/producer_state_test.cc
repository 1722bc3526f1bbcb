// ProducerStateManager: idempotent-producer sequence checks, rebuild from
// the log, truncation, expiry, and the snapshot format.

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <vector>

#include "protocol/byte_order.h"
#include "protocol/crc32c.h"
#include "storage/errc.h"
#include "storage/producer_state.h"

using runnel::protocol::ErrorCode;
using runnel::protocol::RecordBatchHeader;
using runnel::storage::BatchMetadata;
using runnel::storage::Errc;
using runnel::storage::increment_sequence;
using runnel::storage::kBatchesToRetain;
using runnel::storage::ProducerCheck;
using runnel::storage::ProducerStateManager;
using Outcome = runnel::storage::ProducerCheck::Outcome;

namespace runnel::storage {
// For readable failure messages (internal linkage: other test files may print these too).
static std::ostream& operator<<(std::ostream& os, const BatchMetadata& b) {
  return os << "{seq " << b.first_seq << ".." << b.last_seq << ", offsets " << b.first_offset << ".."
            << b.last_offset << ", ts " << b.max_timestamp << "}";
}
static std::ostream& operator<<(std::ostream& os, ProducerCheck::Outcome o) {
  return os << (o == Outcome::append ? "append" : o == Outcome::duplicate ? "duplicate" : "refused");
}
}  // namespace runnel::storage

namespace runnel::protocol {
static std::ostream& operator<<(std::ostream& os, ErrorCode e) { return os << error_name(e); }
}  // namespace runnel::protocol

namespace {

constexpr int64_t kProducer = 4000;
constexpr int32_t kMaxSeq = std::numeric_limits<int32_t>::max();

// A partition's log reduced to batch headers, appended the way storage::Log
// will: check(), then write at the log end and update() with the offsets.
struct Partition {
  ProducerStateManager state;
  std::vector<RecordBatchHeader> log;
  int64_t log_end_offset = 0;
  int64_t clock_ms = 1'000;

  // Offers a batch of `records` records; returns what check() said.
  ProducerCheck produce(int64_t producer_id, int16_t epoch, int32_t base_sequence, int32_t records = 1) {
    RecordBatchHeader h;
    h.producer_id = producer_id;
    h.producer_epoch = producer_id < 0 ? -1 : epoch;
    h.base_sequence = producer_id < 0 ? -1 : base_sequence;
    h.last_offset_delta = records - 1;
    h.records_count = records;
    h.max_timestamp = clock_ms++;
    ProducerCheck c = state.check(h);
    if (c.outcome != Outcome::append) return c;
    h.base_offset = log_end_offset;
    log_end_offset = h.last_offset() + 1;
    log.push_back(h);
    if (producer_id >= 0) {
      state.update(producer_id, epoch,
                   {h.base_sequence, runnel::storage::last_sequence(h), h.base_offset, h.last_offset(), h.max_timestamp});
    }
    return c;
  }

  // A control batch (a transaction marker) at the log end.
  void write_control_batch(int64_t producer_id, int16_t epoch) {
    RecordBatchHeader h;
    h.producer_id = producer_id;
    h.producer_epoch = epoch;
    h.attributes = runnel::protocol::batch_attribute::control | runnel::protocol::batch_attribute::transactional;
    h.base_offset = log_end_offset++;
    log.push_back(h);
  }

  // State rebuilt by replaying the log's batches below `end_offset`.
  ProducerStateManager replayed(int64_t end_offset = std::numeric_limits<int64_t>::max()) const {
    ProducerStateManager rebuilt;
    for (const auto& h : log)
      if (h.last_offset() < end_offset) rebuilt.replay(h);
    return rebuilt;
  }
};

void require_appended(const ProducerCheck& c) {
  REQUIRE(c.outcome == Outcome::append);
  REQUIRE(c.error == ErrorCode::none);
}

void require_refused(const ProducerCheck& c, ErrorCode error) {
  CHECK(c.outcome == Outcome::refused);
  CHECK(c.error == error);
}

// `count` in-sequence batches of `records` records each, from `first_seq`.
void produce_in_sequence(Partition& p, int64_t producer_id, int16_t epoch, int32_t first_seq, int count,
                         int32_t records = 1) {
  for (int i = 0; i < count; ++i) require_appended(p.produce(producer_id, epoch, first_seq + i * records, records));
}

// Corruption helpers.
void flip_byte(std::vector<std::byte>& bytes, size_t position) { bytes[position] ^= std::byte{0xff}; }
// Rewrites the snapshot CRC so that content changes pass the checksum.
void reseal_crc(std::vector<std::byte>& bytes) {
  runnel::protocol::write_be<uint32_t>(bytes.data() + 2, runnel::protocol::crc32c(std::span(bytes).subspan(6)));
}

}  // namespace

TEST_CASE("sequences advance by the batch size and wrap from INT32_MAX to 0", "[producer_state]") {
  CHECK(increment_sequence(0, 0) == 0);
  CHECK(increment_sequence(10, 4) == 14);
  CHECK(increment_sequence(kMaxSeq - 1, 1) == kMaxSeq);
  CHECK(increment_sequence(kMaxSeq, 1) == 0);
  CHECK(increment_sequence(kMaxSeq - 1, 4) == 2);
  CHECK(increment_sequence(kMaxSeq, kMaxSeq) == kMaxSeq - 1);
}

TEST_CASE("batches without a producer id are appended and leave no state", "[producer_state]") {
  Partition p;
  for (int i = 0; i < 3; ++i) require_appended(p.produce(-1, -1, -1, 10));
  CHECK(p.state.empty());
  CHECK(p.state.check(-1, 7, 99, 3).outcome == Outcome::append);
}

TEST_CASE("a producer without state is accepted at any sequence, and must continue from it", "[producer_state]") {
  Partition p;
  require_appended(p.produce(kProducer, 3, 123'456, 4));
  const auto* entry = p.state.last_entry(kProducer);
  REQUIRE(entry);
  CHECK(entry->producer_epoch == 3);
  CHECK(entry->last_seq() == 123'459);
  require_appended(p.produce(kProducer, 3, 123'460));
  require_refused(p.produce(kProducer, 3, 0), ErrorCode::out_of_order_sequence_number);
}

TEST_CASE("the last five batches are kept, oldest first", "[producer_state]") {
  Partition p;
  produce_in_sequence(p, kProducer, 0, 0, 7, 2);
  const auto* entry = p.state.last_entry(kProducer);
  REQUIRE(entry);
  REQUIRE(entry->batches.size() == kBatchesToRetain);
  for (size_t i = 0; i < kBatchesToRetain; ++i) {
    const int32_t n = static_cast<int32_t>(i) + 2;  // batches 0 and 1 were dropped
    CHECK(entry->batches[i] == BatchMetadata{2 * n, 2 * n + 1, 2 * n, 2 * n + 1, p.log[n].max_timestamp});
  }
  CHECK(entry->last_timestamp == p.log.back().max_timestamp);
  CHECK(entry->last_offset() == 13);
}

TEST_CASE("a retry of any of the last five batches is a duplicate carrying its original offsets", "[producer_state]") {
  Partition p;
  require_appended(p.produce(-1, -1, -1, 5));  // offsets differ from sequences
  produce_in_sequence(p, kProducer, 0, 0, 8, 3);
  for (int n = 3; n < 8; ++n) {
    INFO("batch " << n);
    const RecordBatchHeader& original = p.log[static_cast<size_t>(n) + 1];
    ProducerCheck c = p.produce(kProducer, 0, 3 * n, 3);
    CHECK(c.outcome == Outcome::duplicate);
    CHECK(c.error == ErrorCode::none);
    CHECK(c.original == BatchMetadata{3 * n, 3 * n + 2, original.base_offset, original.last_offset(), original.max_timestamp});
  }
  CHECK(p.log.size() == 9);
}

TEST_CASE("a retry of the sixth-oldest batch is out of order: its sequence is no longer retained", "[producer_state]") {
  Partition p;
  produce_in_sequence(p, kProducer, 0, 0, 6);
  require_refused(p.produce(kProducer, 0, 0), ErrorCode::out_of_order_sequence_number);
  CHECK(p.produce(kProducer, 0, 1).outcome == Outcome::duplicate);
}

TEST_CASE("a duplicate must match a retained batch's sequence range exactly", "[producer_state]") {
  Partition p;
  produce_in_sequence(p, kProducer, 0, 0, 2, 5);
  require_refused(p.produce(kProducer, 0, 5, 3), ErrorCode::out_of_order_sequence_number);
  require_refused(p.produce(kProducer, 0, 6, 4), ErrorCode::out_of_order_sequence_number);
  CHECK(p.produce(kProducer, 0, 5, 5).outcome == Outcome::duplicate);
}

TEST_CASE("a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER and changes nothing", "[producer_state]") {
  Partition p;
  produce_in_sequence(p, kProducer, 0, 0, 2);
  const ProducerStateManager before = p.state;
  require_refused(p.produce(kProducer, 0, 3), ErrorCode::out_of_order_sequence_number);
  require_refused(p.produce(kProducer, 0, kMaxSeq), ErrorCode::out_of_order_sequence_number);
  CHECK(p.state == before);
  require_appended(p.produce(kProducer, 0, 2));
}

TEST_CASE("an epoch older than the producer's is INVALID_PRODUCER_EPOCH, even for a retry", "[producer_state]") {
  Partition p;
  produce_in_sequence(p, kProducer, 5, 0, 3);
  require_refused(p.produce(kProducer, 4, 3), ErrorCode::invalid_producer_epoch);
  require_refused(p.produce(kProducer, 4, 2), ErrorCode::invalid_producer_epoch);
  require_refused(p.produce(kProducer, 0, 0), ErrorCode::invalid_producer_epoch);
  CHECK(p.state.last_entry(kProducer)->producer_epoch == 5);
}

TEST_CASE("a bumped epoch starting at sequence 0 is appended and forgets the old epoch's batches", "[producer_state]") {
  Partition p;
  produce_in_sequence(p, kProducer, 0, 0, 4);
  require_appended(p.produce(kProducer, 1, 0, 2));
  const auto* entry = p.state.last_entry(kProducer);
  CHECK(entry->producer_epoch == 1);
  REQUIRE(entry->batches.size() == 1);
  CHECK(entry->batches[0].first_offset == 4);
  require_refused(p.produce(kProducer, 0, 3), ErrorCode::invalid_producer_epoch);
  CHECK(p.produce(kProducer, 1, 0, 2).outcome == Outcome::duplicate);
  require_appended(p.produce(kProducer, 1, 2));
}

TEST_CASE("a bumped epoch not starting at sequence 0 is OUT_OF_ORDER_SEQUENCE_NUMBER", "[producer_state]") {
  Partition p;
  produce_in_sequence(p, kProducer, 0, 0, 4);
  require_refused(p.produce(kProducer, 1, 4), ErrorCode::out_of_order_sequence_number);
  require_refused(p.produce(kProducer, 7, 1), ErrorCode::out_of_order_sequence_number);
  CHECK(p.state.last_entry(kProducer)->producer_epoch == 0);
}

TEST_CASE("after a batch ending at INT32_MAX the next sequence is 0", "[producer_state]") {
  Partition p;
  require_appended(p.produce(kProducer, 0, kMaxSeq - 2, 3));
  require_refused(p.produce(kProducer, 0, 1), ErrorCode::out_of_order_sequence_number);
  require_appended(p.produce(kProducer, 0, 0, 2));
  require_appended(p.produce(kProducer, 0, 2));
  CHECK(p.produce(kProducer, 0, kMaxSeq - 2, 3).outcome == Outcome::duplicate);
}

TEST_CASE("a batch whose sequences wrap past INT32_MAX is sequenced and deduplicated", "[producer_state]") {
  Partition p;
  require_appended(p.produce(kProducer, 0, kMaxSeq - 1, 1));
  require_appended(p.produce(kProducer, 0, kMaxSeq, 4));  // sequences MAX, 0, 1, 2
  CHECK(p.state.last_entry(kProducer)->last_seq() == 2);
  ProducerCheck retry = p.produce(kProducer, 0, kMaxSeq, 4);
  CHECK(retry.outcome == Outcome::duplicate);
  CHECK(retry.original.first_offset == 1);
  CHECK(retry.original.last_offset == 4);
  require_appended(p.produce(kProducer, 0, 3));
}

TEST_CASE("a producer id with a negative epoch or sequence is refused", "[producer_state]") {
  ProducerStateManager state;
  require_refused(state.check(kProducer, -1, 0, 0), ErrorCode::invalid_producer_epoch);
  require_refused(state.check(kProducer, 0, -1, -1), ErrorCode::out_of_order_sequence_number);
  require_refused(state.check(kProducer, 0, 0, -5), ErrorCode::out_of_order_sequence_number);
}

TEST_CASE("replaying the log rebuilds exactly the live state", "[producer_state]") {
  Partition p;
  for (int round = 0; round < 4; ++round) {
    produce_in_sequence(p, kProducer, 0, round * 3, 3);
    require_appended(p.produce(-1, -1, -1, 2));
    produce_in_sequence(p, kProducer + 1, 2, round * 4, 2, 2);
  }
  p.write_control_batch(kProducer + 1, 2);
  require_appended(p.produce(kProducer + 1, 3, 0));
  require_appended(p.produce(7, 0, 42, 10));
  REQUIRE(p.state.size() == 3);
  CHECK(p.replayed() == p.state);
}

TEST_CASE("truncation forgets batches at or after the offset, and producers left with none", "[producer_state]") {
  Partition p;
  produce_in_sequence(p, kProducer, 0, 0, 2, 3);      // offsets 0-2, 3-5
  produce_in_sequence(p, kProducer + 1, 0, 0, 1, 3);  // offsets 6-8
  produce_in_sequence(p, kProducer, 0, 6, 2, 3);      // offsets 9-11, 12-14

  SECTION("to a batch boundary: the same state as replaying the log below it") {
    p.state.truncate_to(9);
    CHECK(p.state == p.replayed(9));
    CHECK(p.state.last_entry(kProducer)->last_seq() == 5);
    CHECK(p.state.last_entry(kProducer)->last_timestamp == p.log[1].max_timestamp);
  }
  SECTION("inside a batch: the whole batch is forgotten") {
    p.state.truncate_to(7);
    CHECK(p.state.last_entry(kProducer + 1) == nullptr);
    CHECK(p.state.last_entry(kProducer)->last_offset() == 5);
    CHECK(p.state == p.replayed(7));
  }
  SECTION("to the log start: nothing is left") {
    p.state.truncate_to(0);
    CHECK(p.state.empty());
  }
  SECTION("at or past the log end: nothing changes") {
    const ProducerStateManager before = p.state;
    p.state.truncate_to(15);
    CHECK(p.state == before);
  }
  SECTION("the truncated producer continues from its last kept batch") {
    p.state.truncate_to(12);
    CHECK(p.state.check(kProducer, 0, 6, 8).outcome == Outcome::duplicate);
    require_appended(p.state.check(kProducer, 0, 9, 11));
    require_refused(p.state.check(kProducer, 0, 12, 14), ErrorCode::out_of_order_sequence_number);
  }
}

TEST_CASE("advancing the log start forgets producers whose last batch lies below it", "[producer_state]") {
  Partition p;
  produce_in_sequence(p, kProducer, 0, 0, 2);      // offsets 0, 1
  produce_in_sequence(p, kProducer + 1, 0, 0, 1);  // offset 2
  produce_in_sequence(p, kProducer, 0, 2, 1, 3);   // offsets 3-5
  p.state.advance_log_start_offset(3);
  CHECK(p.state.last_entry(kProducer + 1) == nullptr);
  REQUIRE(p.state.last_entry(kProducer));
  CHECK(p.state.last_entry(kProducer)->batches.size() == 3);
  p.state.advance_log_start_offset(5);
  CHECK(p.state.size() == 1);
  p.state.advance_log_start_offset(6);
  CHECK(p.state.empty());
}

TEST_CASE("producers idle for the expiration time or longer are removed", "[producer_state]") {
  ProducerStateManager state;
  state.update(1, 0, {0, 0, 0, 0, 1'000});
  state.update(2, 0, {0, 0, 1, 1, 5'000});
  state.update(3, 0, {0, 0, 2, 2, std::numeric_limits<int64_t>::min()});
  state.update(4, 0, {0, 0, 3, 3, std::numeric_limits<int64_t>::max()});
  CHECK(state.remove_expired(10'999, 10'000) == 1);  // only the INT64_MIN timestamp
  CHECK(state.remove_expired(11'000, 10'000) == 1);  // 1: idle exactly 10 s
  CHECK(state.last_entry(2));
  CHECK(state.remove_expired(15'000, 10'000) == 1);
  CHECK(state.remove_expired(std::numeric_limits<int64_t>::max(), 10'000) == 0);
  REQUIRE(state.size() == 1);
  CHECK(state.last_entry(4));
}

TEST_CASE("a snapshot round-trips the state and its end offset", "[producer_state][snapshot]") {
  Partition p;
  produce_in_sequence(p, kProducer, 3, 0, 7, 2);
  produce_in_sequence(p, 0, 0, kMaxSeq, 1, 3);
  produce_in_sequence(p, std::numeric_limits<int64_t>::max(), 0, 0, 1);
  const auto bytes = p.state.encode_snapshot(p.log_end_offset);
  CHECK(bytes.size() == 18 + 3 * 19 + 7 * 32);
  CHECK(runnel::protocol::read_be<int16_t>(bytes.data()) == 1);
  CHECK(runnel::protocol::read_be<int64_t>(bytes.data() + 6) == p.log_end_offset);

  auto decoded = ProducerStateManager::decode_snapshot(bytes);
  REQUIRE(decoded);
  CHECK(decoded->end_offset == p.log_end_offset);
  CHECK(decoded->state == p.state);
  CHECK(decoded->state.encode_snapshot(p.log_end_offset) == bytes);
}

TEST_CASE("an empty state round-trips as an 18-byte snapshot", "[producer_state][snapshot]") {
  const auto bytes = ProducerStateManager().encode_snapshot(0);
  CHECK(bytes.size() == 18);
  auto decoded = ProducerStateManager::decode_snapshot(bytes);
  REQUIRE(decoded);
  CHECK(decoded->end_offset == 0);
  CHECK(decoded->state.empty());
}

TEST_CASE("a restored snapshot still recognises retries of the last five batches", "[producer_state][snapshot]") {
  Partition p;
  produce_in_sequence(p, kProducer, 0, 0, 6, 2);
  auto restored = ProducerStateManager::decode_snapshot(p.state.encode_snapshot(p.log_end_offset));
  REQUIRE(restored);
  for (int32_t n = 1; n < 6; ++n) CHECK(restored->state.check(kProducer, 0, 2 * n, 2 * n + 1).outcome == Outcome::duplicate);
  require_refused(restored->state.check(kProducer, 0, 0, 1), ErrorCode::out_of_order_sequence_number);
  require_appended(restored->state.check(kProducer, 0, 12, 12));
}

TEST_CASE("every truncated prefix and any trailing byte of a snapshot are refused", "[producer_state][snapshot]") {
  Partition p;
  produce_in_sequence(p, kProducer, 0, 0, 3);
  produce_in_sequence(p, kProducer + 1, 0, 0, 2);
  const auto bytes = p.state.encode_snapshot(p.log_end_offset);
  for (size_t n = 0; n < bytes.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    auto decoded = ProducerStateManager::decode_snapshot(std::span(bytes).first(n));
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error() == Errc::bad_checkpoint);
  }
  auto longer = bytes;
  longer.push_back(std::byte{0});
  CHECK_FALSE(ProducerStateManager::decode_snapshot(longer));
  reseal_crc(longer);
  CHECK_FALSE(ProducerStateManager::decode_snapshot(longer));
}

TEST_CASE("a snapshot with any byte flipped is refused", "[producer_state][snapshot]") {
  Partition p;
  produce_in_sequence(p, kProducer, 0, 0, 2);
  const auto bytes = p.state.encode_snapshot(p.log_end_offset);
  for (size_t i = 0; i < bytes.size(); ++i) {
    INFO("byte " << i);
    auto corrupt = bytes;
    flip_byte(corrupt, i);
    CHECK_FALSE(ProducerStateManager::decode_snapshot(corrupt));
  }
}

TEST_CASE("a snapshot of another version is refused", "[producer_state][snapshot]") {
  auto bytes = ProducerStateManager().encode_snapshot(0);
  for (int16_t version : {int16_t{0}, int16_t{2}, int16_t{-1}}) {
    runnel::protocol::write_be<int16_t>(bytes.data(), version);
    CHECK_FALSE(ProducerStateManager::decode_snapshot(bytes));
  }
}

TEST_CASE("a checksummed snapshot that breaks the format's rules is refused", "[producer_state][snapshot]") {
  ProducerStateManager state;
  state.update(10, 1, {0, 1, 0, 1, 100});
  state.update(10, 1, {2, 2, 2, 2, 200});
  state.update(20, 0, {0, 0, 3, 3, 300});
  const auto good = state.encode_snapshot(4);
  REQUIRE(ProducerStateManager::decode_snapshot(good));
  // Entry 1 starts at 18: id 18, epoch 26, last_timestamp 28, batch_count 36,
  // batches at 37 and 69; entry 2 starts at 101.
  auto refused_after = [&](size_t position, auto value) {
    auto bytes = good;
    runnel::protocol::write_be(bytes.data() + position, value);
    reseal_crc(bytes);
    return !ProducerStateManager::decode_snapshot(bytes);
  };
  CHECK(refused_after(6, int64_t{-1}));           // end_offset negative
  CHECK(refused_after(6, int64_t{3}));            // a batch at or past end_offset
  CHECK(refused_after(14, int32_t{3}));           // more entries than bytes
  CHECK(refused_after(14, int32_t{-1}));          // negative count
  CHECK(refused_after(14, int32_t{1}));           // fewer entries than bytes
  CHECK(refused_after(18, int64_t{-1}));          // negative producer id
  CHECK(refused_after(101, int64_t{10}));         // producer ids not increasing
  CHECK(refused_after(26, int16_t{-1}));          // negative epoch
  CHECK(refused_after(36, int8_t{0}));            // no batch
  CHECK(refused_after(36, int8_t{6}));            // more than five batches
  CHECK(refused_after(37, int32_t{-1}));          // negative first_seq
  CHECK(refused_after(41, int32_t{-1}));          // negative last_seq
  CHECK(refused_after(45, int64_t{-1}));          // negative first_offset
  CHECK(refused_after(53, int64_t{-1}));          // last_offset below first_offset
  CHECK(refused_after(77, int64_t{1}));           // batches overlapping
  CHECK_FALSE(refused_after(28, int64_t{-7}));    // any last_timestamp is fine
}

TEST_CASE("decoding random checksummed bytes never crashes", "[producer_state][snapshot]") {
  std::mt19937 random(8);
  Partition p;
  produce_in_sequence(p, kProducer, 0, 0, 3);
  const auto good = p.state.encode_snapshot(p.log_end_offset);
  for (int i = 0; i < 5'000; ++i) {
    auto bytes = good;
    bytes.resize(random() % (good.size() + 16));
    const int changes = 1 + static_cast<int>(random() % 4);
    for (int c = 0; c < changes && bytes.size() > 6; ++c) bytes[6 + random() % (bytes.size() - 6)] = std::byte(random());
    if (bytes.size() >= 6) reseal_crc(bytes);
    auto decoded = ProducerStateManager::decode_snapshot(bytes);
    if (decoded) CHECK(decoded->state.encode_snapshot(decoded->end_offset) == bytes);
  }
}
