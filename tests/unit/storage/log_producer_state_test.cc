// storage::Log with idempotent producers: retries of the last batches are
// answered with their original offsets and not written again, gaps and old
// epochs are refused, and the state survives a clean restart (snapshot), a
// crash (replay of the log after the newest snapshot), segment rolls and
// truncation.

#include <catch2/catch.hpp>

#include "protocol/record_batch_builder.h"
#include "storage/errc.h"
#include "storage/producer_snapshots.h"
#include "support/log_harness.h"

using namespace runnel;
using namespace runnel::storage;
using runnel::test::LogHarness;

namespace {

// `count` records of producer `pid` at `epoch`, sequences from `sequence`.
std::vector<std::byte> idempotent_batch(int64_t pid, int16_t epoch, int32_t sequence, int count = 2) {
  std::vector<protocol::RecordInput> records;
  for (int i = 0; i < count; ++i)
    records.push_back({protocol::to_bytes("k"), protocol::to_bytes("v" + std::to_string(sequence + i)), 1000 + i, {}});
  protocol::BatchOptions options;
  options.producer_id = pid;
  options.producer_epoch = epoch;
  options.base_sequence = sequence;
  auto batch = protocol::build_record_batch(records, options);
  REQUIRE(batch);
  return *batch;
}

Result<AppendInfo> append(Log& log, int64_t pid, int16_t epoch, int32_t sequence, int count = 2) {
  auto batch = idempotent_batch(pid, epoch, sequence, count);
  return log.append_as_leader(batch, 0, 0);
}

}  // namespace

TEST_CASE("a retried idempotent batch is answered with its original offsets and written once", "[producer_state]") {
  LogHarness harness;
  auto log = harness.open(LogConfig{});
  auto first = append(*log, 7, 0, 0);
  REQUIRE(first);
  CHECK_FALSE(first->duplicate);
  auto second = append(*log, 7, 0, 2);
  REQUIRE(second);
  CHECK(second->first_offset == 2);
  auto retry = append(*log, 7, 0, 0);
  REQUIRE(retry);
  CHECK(retry->duplicate);
  CHECK(retry->first_offset == 0);
  CHECK(retry->last_offset == 1);
  CHECK(log->log_end_offset() == 4);

  auto gap = append(*log, 7, 0, 9);
  REQUIRE_FALSE(gap);
  CHECK(to_kafka_error(gap.error()) == protocol::ErrorCode::out_of_order_sequence_number);
  auto bumped = append(*log, 7, 1, 0);
  REQUIRE(bumped);
  auto old_epoch = append(*log, 7, 0, 4);
  REQUIRE_FALSE(old_epoch);
  CHECK(to_kafka_error(old_epoch.error()) == protocol::ErrorCode::invalid_producer_epoch);
  CHECK(log->log_end_offset() == 6);
}

TEST_CASE("producer state survives a clean restart, a crash and segment rolls", "[producer_state]") {
  LogHarness harness;
  LogConfig config;
  config.segment_bytes = 300;  // a roll every few batches
  {
    auto log = harness.open(config);
    for (int32_t seq = 0; seq < 40; seq += 2) REQUIRE(append(*log, 3, 0, seq));
    REQUIRE(append(*log, 4, 2, 0));
    CHECK(log->segment_count() > 3);
    REQUIRE(log->close());
  }
  auto names = harness.files();
  CHECK(std::count_if(names.begin(), names.end(), [](const std::string& n) {
          return producer_snapshot_offset(n).has_value();
        }) == static_cast<long>(kProducerSnapshotsKept));
  harness.cache().forget_prefix(harness.dir() + "/");
  {
    auto log = harness.open(config, 0, true);
    auto retry = append(*log, 3, 0, 38);
    REQUIRE(retry);
    CHECK(retry->duplicate);
    CHECK(retry->first_offset == 38);
    REQUIRE(append(*log, 3, 0, 40));
    REQUIRE(append(*log, 4, 2, 2));
    REQUIRE(log->flush());
    // A crash: no close, so no snapshot at the log end; the state is rebuilt
    // from the newest roll snapshot plus the batches after it.
  }
  harness.cache().forget_prefix(harness.dir() + "/");
  auto log = harness.open(config, 0, false);
  auto retry = append(*log, 3, 0, 40);
  REQUIRE(retry);
  CHECK(retry->duplicate);
  auto retry4 = append(*log, 4, 2, 2);
  REQUIRE(retry4);
  CHECK(retry4->duplicate);
  auto next = append(*log, 3, 0, 42);
  REQUIRE(next);
  CHECK_FALSE(next->duplicate);
}

TEST_CASE("truncation forgets the producer batches it removes", "[producer_state]") {
  LogHarness harness;
  auto log = harness.open(LogConfig{});
  REQUIRE(append(*log, 9, 0, 0));
  REQUIRE(append(*log, 9, 0, 2));
  REQUIRE(log->truncate_to(2));
  // The batch at sequence 2 is gone: sending it again appends it anew.
  auto again = append(*log, 9, 0, 2);
  REQUIRE(again);
  CHECK_FALSE(again->duplicate);
  CHECK(again->first_offset == 2);
  REQUIRE(log->truncate_to(0));
  CHECK(log->producer_state().empty());
}
