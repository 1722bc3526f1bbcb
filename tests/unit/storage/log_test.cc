#include "storage/log.h"

#include <catch2/catch.hpp>
#include <thread>

#include "protocol/byte_order.h"
#include "protocol/record_batch.h"
#include "storage/errc.h"
#include "support/batches.h"
#include "support/fault_injection_fs.h"
#include "support/log_harness.h"

using namespace runnel;
using namespace runnel::storage;
using runnel::test::LogHarness;
using runnel::test::make_batch;
using runnel::test::read_bytes;

namespace {

struct Stored {
  std::vector<std::byte> bytes;  // as stored: offsets and epoch written in
  int64_t base_offset;
  int64_t last_offset;
};

LogConfig small_segments(int64_t segment_bytes = 1024, int32_t index_interval = 100) {
  LogConfig config;
  config.segment_bytes = segment_bytes;
  config.index_interval_bytes = index_interval;
  return config;
}

Stored append_stored(Log& log, std::vector<std::byte> batch, int32_t epoch = 0, int64_t now_ms = 0) {
  auto info = log.append_as_leader(batch, epoch, now_ms);
  INFO((info ? std::string() : info.error().message()));
  REQUIRE(info);
  return Stored{std::move(batch), info->first_offset, info->last_offset};
}

// Splits a read result into its batches; REQUIREs whole, valid batches.
std::vector<protocol::RecordBatchHeader> split(const std::vector<std::byte>& bytes) {
  std::vector<protocol::RecordBatchHeader> headers;
  for (size_t pos = 0; pos < bytes.size();) {
    REQUIRE(bytes.size() - pos >= protocol::kLogOverhead);
    auto frame = protocol::read_frame(std::span(bytes).subspan(pos));
    const size_t size = protocol::kLogOverhead + static_cast<size_t>(frame.batch_length);
    REQUIRE(pos + size <= bytes.size());
    auto header = protocol::validate_batch(std::span(bytes).subspan(pos, size));
    REQUIRE(header);
    headers.push_back(*header);
    pos += size;
  }
  return headers;
}

std::vector<Stored> fill(Log& log, int batches, int records_per_batch = 3, size_t value_size = 40) {
  std::vector<Stored> stored;
  for (int i = 0; i < batches; ++i)
    stored.push_back(append_stored(log, make_batch(records_per_batch, 1000 * i, "b" + std::to_string(i), value_size)));
  return stored;
}

}  // namespace

TEST_CASE("appended batches get consecutive offsets and read back byte for byte across many segments", "[log]") {
  LogHarness harness;
  auto log = harness.open(small_segments());
  auto stored = fill(*log, 200);
  CHECK(log->log_end_offset() == 600);
  CHECK(log->segment_count() > 20);
  for (size_t i = 0; i < stored.size(); ++i) CHECK(stored[i].base_offset == static_cast<int64_t>(3 * i));

  size_t next = 0;
  for (int64_t offset = 0; offset < log->log_end_offset();) {
    auto bytes = read_bytes(*log, offset, 1 << 20, log->log_end_offset());
    REQUIRE_FALSE(bytes.empty());
    size_t pos = 0;
    for (const auto& header : split(bytes)) {
      REQUIRE(next < stored.size());
      const auto& expected = stored[next++].bytes;
      CHECK(std::equal(expected.begin(), expected.end(), bytes.begin() + static_cast<std::ptrdiff_t>(pos)));
      pos += static_cast<size_t>(header.total_size());
      offset = header.last_offset() + 1;
    }
  }
  CHECK(next == stored.size());
}

TEST_CASE("reading at any offset starts with the batch that contains it", "[log]") {
  LogHarness harness;
  auto log = harness.open(small_segments(2048, 0));
  fill(*log, 60, 4);
  for (int64_t offset = 0; offset < log->log_end_offset(); ++offset) {
    auto headers = split(read_bytes(*log, offset, 1, log->log_end_offset()));
    REQUIRE(headers.size() == 1);  // max_bytes 1: the first batch, whole
    CHECK(headers[0].base_offset <= offset);
    CHECK(headers[0].last_offset() >= offset);
  }
}

TEST_CASE("max_bytes returns the longest run of whole batches that fits", "[log]") {
  LogHarness harness;
  auto log = harness.open(small_segments(1 << 20, 200));
  auto stored = fill(*log, 50);
  const int64_t batch_size = static_cast<int64_t>(stored[0].bytes.size());
  for (int64_t max_bytes : {int64_t{0}, batch_size - 1, batch_size, batch_size + 1, 3 * batch_size, 7 * batch_size + 5,
                            1000 * batch_size}) {
    auto bytes = read_bytes(*log, 0, max_bytes, log->log_end_offset());
    auto expected_batches = std::clamp<int64_t>(max_bytes / batch_size, 1, 50);
    CHECK(static_cast<int64_t>(split(bytes).size()) == expected_batches);
  }
}

TEST_CASE("the upper bound excludes the batch that contains it", "[log]") {
  LogHarness harness;
  auto log = harness.open(small_segments(1 << 20, 150));
  fill(*log, 30, 3);
  for (int64_t upper = 0; upper <= log->log_end_offset(); ++upper) {
    auto headers = split(read_bytes(*log, 0, 1 << 20, upper));
    const int64_t expected_batches = upper / 3;  // batches whose last offset < upper
    REQUIRE(static_cast<int64_t>(headers.size()) == expected_batches);
    if (!headers.empty()) CHECK(headers.back().last_offset() < upper);
  }
}

TEST_CASE("reads outside the log are out of range and a read at the end is empty", "[log]") {
  LogHarness harness;
  auto log = harness.open(small_segments());
  fill(*log, 5);
  CHECK(log->read(16, 100, 15).error() == Errc::offset_out_of_range);
  CHECK(log->read(-1, 100, 15).error() == Errc::offset_out_of_range);
  CHECK(to_kafka_error(log->read(16, 100, 15).error()) == protocol::ErrorCode::offset_out_of_range);
  auto at_end = log->read(15, 100, 15);
  REQUIRE(at_end);
  CHECK(at_end->empty());
  auto above_upper = log->read(6, 100, 6);
  REQUIRE(above_upper);
  CHECK(above_upper->empty());
}

TEST_CASE("offset_for_timestamp finds the earliest record at or after a timestamp", "[log]") {
  const auto codec = GENERATE(protocol::CompressionType::none, protocol::CompressionType::gzip,
                              protocol::CompressionType::zstd);
  LogHarness harness;
  auto log = harness.open(small_segments(900, 120));
  // Batch b holds records with timestamps 100*b, 100*b+1, 100*b+2.
  for (int b = 0; b < 40; ++b) append_stored(*log, make_batch(3, 100 * b, "t", 30, codec));
  for (int64_t t = -5; t <= 100 * 39 + 5; ++t) {
    // Records with timestamps >= t: the first is at offset 3b + i.
    std::optional<int64_t> expected;
    for (int64_t offset = 0; offset < 120 && !expected; ++offset)
      if (100 * (offset / 3) + offset % 3 >= t) expected = offset;
    auto found = log->offset_for_timestamp(t);
    REQUIRE(found);
    INFO("timestamp " << t);
    REQUIRE(found->has_value() == expected.has_value());
    if (expected) {
      CHECK((*found)->offset == *expected);
      CHECK((*found)->timestamp == 100 * (*expected / 3) + *expected % 3);
    }
  }
}

TEST_CASE("offset_for_timestamp handles timestamps that go back and forth", "[log]") {
  LogHarness harness;
  auto log = harness.open(small_segments(700, 50));
  std::mt19937_64 rng(7);
  std::vector<int64_t> timestamps;  // per offset
  for (int b = 0; b < 60; ++b) {
    int64_t ts = static_cast<int64_t>(rng() % 1000);
    append_stored(*log, make_batch(2, ts, "x"));
    timestamps.push_back(ts);
    timestamps.push_back(ts + 1);
  }
  for (int64_t t = 0; t <= 1002; t += 7) {
    std::optional<int64_t> expected;
    for (size_t o = 0; o < timestamps.size(); ++o)
      if (timestamps[o] >= t) {
        expected = static_cast<int64_t>(o);
        break;
      }
    auto found = log->offset_for_timestamp(t);
    REQUIRE(found);
    INFO("timestamp " << t);
    REQUIRE(found->has_value() == expected.has_value());
    if (expected) CHECK((*found)->offset == *expected);
  }
}

TEST_CASE("segments roll when full, old, out of index space or out of relative offsets", "[log]") {
  LogHarness harness;
  SECTION("segment.bytes") {
    auto batch_size = static_cast<int64_t>(make_batch(3, 0, "b0", 40).size());
    auto log = harness.open(small_segments(3 * batch_size));
    fill(*log, 7);
    CHECK(log->segment_count() == 3);
    auto files = harness.files();
    CHECK(std::count(files.begin(), files.end(), "00000000000000000000.log") == 1);
    CHECK(std::count(files.begin(), files.end(), "00000000000000000009.log") == 1);
    CHECK(std::count(files.begin(), files.end(), "00000000000000000018.index") == 1);
    CHECK(std::count(files.begin(), files.end(), "00000000000000000018.timeindex") == 1);
  }
  SECTION("segment.ms") {
    LogConfig config = small_segments(1 << 20);
    config.segment_ms = 100;
    auto log = harness.open(config);
    append_stored(*log, make_batch(1, 0), 0, 1000);
    append_stored(*log, make_batch(1, 0), 0, 1100);
    CHECK(log->segment_count() == 1);
    append_stored(*log, make_batch(1, 0), 0, 1101);
    CHECK(log->segment_count() == 2);
  }
  SECTION("segment.index.bytes") {
    LogConfig config = small_segments(1 << 20, 0);
    config.segment_index_bytes = 24;  // room for two time index entries (12 bytes each)
    auto log = harness.open(config);
    fill(*log, 9, 1);
    // Entries are made for every batch after the first: three batches a segment.
    CHECK(log->segment_count() == 3);
  }
  SECTION("relative offsets past 2^31 - 1") {
    auto log = harness.open(small_segments(1 << 20));
    auto first = make_batch(2, 0);
    auto far = make_batch(2, 0);
    const int64_t far_offset = (int64_t{1} << 31) + 10;
    protocol::set_base_offset(far, far_offset);
    std::vector<std::byte> both = first;
    both.insert(both.end(), far.begin(), far.end());
    REQUIRE(log->append_with_offsets(both, 0));
    CHECK(log->segment_count() == 2);
    CHECK(log->log_end_offset() == far_offset + 2);
    auto files = harness.files();
    CHECK(std::count(files.begin(), files.end(), "00000000002147483658.log") == 1);
    auto headers = split(read_bytes(*log, 5, 1 << 20, log->log_end_offset()));
    REQUIRE(headers.size() == 1);
    CHECK(headers[0].base_offset == far_offset);
  }
}

TEST_CASE("refused batches leave the log unchanged", "[log]") {
  LogHarness harness;
  LogConfig config = small_segments();
  config.max_message_bytes = 400;
  auto log = harness.open(config);
  fill(*log, 2);
  const int64_t end_before = log->log_end_offset();
  const int64_t size_before = log->size_bytes();

  auto expect_refused = [&](std::vector<std::byte> batch, Errc expected, protocol::ErrorCode wire) {
    auto result = log->append_as_leader(batch, 0, 0);
    REQUIRE_FALSE(result);
    CHECK(result.error() == expected);
    CHECK(to_kafka_error(result.error()) == wire);
    CHECK(log->log_end_offset() == end_before);
    CHECK(log->size_bytes() == size_before);
  };
  auto flipped = make_batch(3, 0);
  flipped[70] ^= std::byte{0x01};
  expect_refused(flipped, Errc::corrupt_message, protocol::ErrorCode::corrupt_message);
  auto shortened = make_batch(3, 0);
  shortened.pop_back();
  expect_refused(shortened, Errc::corrupt_message, protocol::ErrorCode::corrupt_message);
  auto magic1 = make_batch(3, 0);
  magic1[protocol::batch_field::magic] = std::byte{1};
  expect_refused(magic1, Errc::invalid_record, protocol::ErrorCode::invalid_record);
  expect_refused(make_batch(3, 0, "big", 200), Errc::message_too_large, protocol::ErrorCode::message_too_large);
  auto miscounted = make_batch(3, 0);
  protocol::write_be<int32_t>(miscounted.data() + protocol::batch_field::last_offset_delta, 5);
  protocol::write_be<uint32_t>(miscounted.data() + protocol::batch_field::crc, protocol::compute_batch_crc(miscounted));
  expect_refused(miscounted, Errc::invalid_record, protocol::ErrorCode::invalid_record);
}

TEST_CASE("appending batches with offsets keeps them, allows gaps and refuses going backwards", "[log]") {
  LogHarness harness;
  auto log = harness.open(small_segments(1 << 20));
  std::vector<std::byte> batches;
  for (int64_t base : {0, 10, 25}) {
    auto batch = make_batch(2, base);
    protocol::set_base_offset(batch, base);
    protocol::set_partition_leader_epoch(batch, 4);
    batches.insert(batches.end(), batch.begin(), batch.end());
  }
  auto info = log->append_with_offsets(batches, 0);
  REQUIRE(info);
  CHECK(info->first_offset == 0);
  CHECK(info->last_offset == 26);
  CHECK(log->log_end_offset() == 27);
  auto headers = split(read_bytes(*log, 5, 1, 27));  // inside the gap: the next batch
  REQUIRE(headers.size() == 1);
  CHECK(headers[0].base_offset == 10);
  CHECK(headers[0].partition_leader_epoch == 4);
  REQUIRE(log->leader_epochs().latest());
  CHECK(log->leader_epochs().latest()->epoch == 4);

  auto backwards = make_batch(1, 0);
  protocol::set_base_offset(backwards, 20);
  auto refused = log->append_with_offsets(backwards, 0);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == Errc::offset_not_increasing);
  CHECK(log->log_end_offset() == 27);
}

TEST_CASE("flush_until makes offsets durable and shares fsyncs between concurrent callers", "[log]") {
  test::FaultInjectionFileSystem fs;
  LogHarness harness(fs);
  auto log = harness.open(small_segments(1 << 22));
  const size_t syncs_before = fs.sync_count();
  constexpr int kThreads = 16, kBatches = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log] {
      for (int i = 0; i < kBatches; ++i) {
        auto batch = make_batch(1, i, "c", 100);
        auto info = log->append_as_leader(batch, 0, 0);
        if (!info || !log->flush_until(info->last_offset + 1)) std::abort();
        if (log->flushed_offset() <= info->last_offset) std::abort();
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(log->log_end_offset() == kThreads * kBatches);
  CHECK(log->flushed_offset() == log->log_end_offset());
  const size_t syncs = fs.sync_count() - syncs_before;
  INFO("fsyncs: " << syncs);
  CHECK(syncs <= static_cast<size_t>(kThreads * kBatches));
  CHECK(syncs >= 1);
}

TEST_CASE("flush policy: flush.messages decides when a flush is due", "[log]") {
  LogHarness harness;
  LogConfig config = small_segments(1 << 20);
  config.flush_interval_messages = 5;
  auto log = harness.open(config);
  append_stored(*log, make_batch(3, 0));
  CHECK_FALSE(log->flush_due(0));
  append_stored(*log, make_batch(3, 0));
  CHECK(log->flush_due(0));
  REQUIRE(log->flush());
  CHECK_FALSE(log->flush_due(0));
  CHECK(log->flushed_offset() == 6);

  LogHarness durable_harness;
  auto durable = durable_harness.open(small_segments(1 << 20));
  append_stored(*durable, make_batch(1, 0));
  CHECK(durable->flush_due(0));
}

TEST_CASE("truncate_to removes the tail and appends continue from there", "[log]") {
  LogHarness harness;
  auto log = harness.open(small_segments(600));
  auto stored = fill(*log, 10);
  append_stored(*log, make_batch(3, 0), 2);
  REQUIRE(log->leader_epochs().latest()->epoch == 2);
  REQUIRE(log->truncate_to(13));  // inside batch [12, 14]: the whole batch goes
  CHECK(log->log_end_offset() == 12);
  CHECK(log->leader_epochs().latest()->epoch == 0);
  auto headers = split(read_bytes(*log, 9, 1 << 20, 12));
  REQUIRE(headers.size() == 1);
  CHECK(headers[0].base_offset == 9);
  auto next = append_stored(*log, make_batch(2, 0));
  CHECK(next.base_offset == 12);
  REQUIRE(log->truncate_to(0));
  CHECK(log->log_end_offset() == 0);
  CHECK(log->segment_count() == 1);
}

TEST_CASE("truncate_fully_and_start_at restarts the log empty at an offset past its end", "[log]") {
  LogHarness harness;
  {
    auto log = harness.open(small_segments(400));
    fill(*log, 12);  // offsets 0-35, several segments
    append_stored(*log, make_batch(2, 0), 3);
    REQUIRE(log->segment_count() > 3);
    REQUIRE(log->truncate_fully_and_start_at(100));
    CHECK(log->log_start_offset() == 100);
    CHECK(log->log_end_offset() == 100);
    CHECK(log->flushed_offset() == 100);
    CHECK(log->segment_count() == 1);
    CHECK(log->leader_epochs().entries().empty());
    CHECK(log->read(37, 100, 100).error() == Errc::offset_out_of_range);
    CHECK(append_stored(*log, make_batch(2, 0), 4).base_offset == 100);
    CHECK(log->leader_epochs().entries() == std::vector<EpochEntry>{{4, 100}});
    REQUIRE(log->close());
  }
  auto reopened = harness.open(small_segments(400), 102, true);
  CHECK(reopened->log_start_offset() == 100);
  CHECK(reopened->log_end_offset() == 102);
  auto headers = split(read_bytes(*reopened, 100, 1 << 20, 102));
  REQUIRE(headers.size() == 1);
  CHECK(headers[0].base_offset == 100);
}

TEST_CASE("advancing the log start offset deletes the segments below it", "[log]") {
  LogHarness harness;
  auto log = harness.open(small_segments(400));
  fill(*log, 12);
  const size_t segments = log->segment_count();
  REQUIRE(segments > 3);
  REQUIRE(log->advance_log_start_offset(10));
  CHECK(log->log_start_offset() == 10);
  CHECK(log->segment_count() < segments);
  CHECK(log->read(9, 100, 36).error() == Errc::offset_out_of_range);
  auto headers = split(read_bytes(*log, 10, 1, 36));
  CHECK(headers[0].base_offset == 9);  // the batch containing the new start
  REQUIRE(log->advance_log_start_offset(36));
  CHECK(log->segment_count() == 1);
  CHECK(log->log_end_offset() == 36);
  CHECK(append_stored(*log, make_batch(1, 0)).base_offset == 36);
  CHECK(log->advance_log_start_offset(100).error() == Errc::offset_out_of_range);
}

TEST_CASE("leader epochs are written into batches and remembered", "[log]") {
  LogHarness harness;
  {
    auto log = harness.open(small_segments());
    append_stored(*log, make_batch(2, 0), 0);
    append_stored(*log, make_batch(2, 0), 0);
    auto stored = append_stored(*log, make_batch(2, 0), 3);
    CHECK(protocol::read_header(stored.bytes).partition_leader_epoch == 3);
    auto entries = log->leader_epochs().entries();
    REQUIRE(entries.size() == 2);
    CHECK(entries[0] == EpochEntry{0, 0});
    CHECK(entries[1] == EpochEntry{3, 4});
    REQUIRE(log->close());
  }
  auto reopened = harness.open(small_segments(), 6, true);
  CHECK(reopened->leader_epochs().entries().size() == 2);
  auto end = reopened->leader_epochs().end_offset_for(0, reopened->log_end_offset());
  REQUIRE(end);
  CHECK(end->start_offset == 4);
}

TEST_CASE("a clean close and reopen keeps every batch, index and timestamp", "[log]") {
  LogHarness harness;
  std::vector<Stored> stored;
  {
    auto log = harness.open(small_segments(800, 60));
    stored = fill(*log, 40);
    REQUIRE(log->close());
  }
  auto log = harness.open(small_segments(800, 60), 120, true);
  CHECK(log->log_end_offset() == 120);
  CHECK(log->flushed_offset() == 120);
  CHECK(log->max_timestamp() == 39002);
  for (size_t i = 0; i < stored.size(); ++i) {
    auto bytes = read_bytes(*log, stored[i].base_offset + 1, 1, 120);
    CHECK(bytes == stored[i].bytes);
  }
  auto found = log->offset_for_timestamp(20001);
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->offset == 61);
  CHECK(append_stored(*log, make_batch(1, 0)).base_offset == 120);
}
