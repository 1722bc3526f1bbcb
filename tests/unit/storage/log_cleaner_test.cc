// storage::LogCleaner: a model test (random keyed writes with overwrites and
// tombstones, compacted, compared with "the last value per key" at its
// offset), multi-pass cleaning under a small key map, batch metadata and the
// idempotent producers' last batches, keyless records, and crash safety of
// the segment swap (a child process killed at each step).

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "protocol/record.h"
#include "protocol/record_batch_builder.h"
#include "storage/errc.h"
#include "storage/log_cleaner.h"
#include "support/log_harness.h"

using namespace runnel;
using namespace runnel::storage;
using runnel::test::LogHarness;

namespace {

struct Rec {
  int64_t offset;
  std::string key;
  std::optional<std::string> value;
  int64_t timestamp;
  bool operator==(const Rec&) const = default;
};

std::string text(std::span<const std::byte> bytes) { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }

// Every record from the log start to the log end, and the batches' headers.
std::vector<Rec> read_records(const Log& log, std::vector<protocol::RecordBatchHeader>* headers = nullptr) {
  std::vector<Rec> out;
  for (int64_t offset = log.log_start_offset(); offset < log.log_end_offset();) {
    auto range = log.read(offset, 1 << 16, log.log_end_offset());
    REQUIRE(range);
    if (range->empty()) break;
    auto bytes = range->read_all();
    REQUIRE(bytes);
    std::span<const std::byte> rest(*bytes);
    while (auto batch = protocol::next_batch(rest)) {
      auto header = protocol::validate_batch(*batch);
      REQUIRE(header);
      if (header->last_offset() < offset) continue;
      if (headers) headers->push_back(*header);
      std::vector<std::byte> scratch;
      auto records = protocol::read_batch_records(*batch, scratch);
      REQUIRE(records);
      for (const auto& r : *records) {
        Rec rec{header->base_offset + r.offset_delta, r.key ? text(*r.key) : "<null>", std::nullopt,
                header->base_timestamp + r.timestamp_delta};
        if (r.value) rec.value = text(*r.value);
        out.push_back(rec);
      }
      offset = header->last_offset() + 1;
    }
  }
  return out;
}

struct Write {
  std::string key;
  std::optional<std::string> value;
};

std::vector<std::byte> batch_of(const std::vector<Write>& writes, int64_t timestamp,
                                protocol::CompressionType codec = protocol::CompressionType::none,
                                int64_t producer_id = -1, int32_t sequence = -1) {
  std::vector<protocol::RecordInput> records;
  for (const auto& w : writes) {
    protocol::RecordInput r;
    r.key = protocol::to_bytes(w.key);
    if (w.value) r.value = protocol::to_bytes(*w.value);
    r.timestamp = timestamp;
    r.headers.emplace_back("h", protocol::to_bytes("hv-" + w.key));
    records.push_back(std::move(r));
  }
  protocol::BatchOptions options;
  options.compression = codec;
  options.producer_id = producer_id;
  options.producer_epoch = producer_id >= 0 ? 0 : -1;
  options.base_sequence = sequence;
  auto batch = protocol::build_record_batch(records, options);
  REQUIRE(batch);
  return *batch;
}

LogConfig compacted_config() {
  LogConfig config;
  config.cleanup_compact = true;
  config.cleanup_delete = false;
  config.segment_bytes = 2048;
  config.delete_retention_ms = 1000;
  return config;
}

// The expected compacted view: the last write of each key at its offset, in
// offset order, plus records the cleaner may not touch (at or after `keep_from`).
std::vector<Rec> latest_per_key(const std::vector<Rec>& written, int64_t keep_from) {
  std::map<std::string, int64_t> last;
  for (const auto& r : written)
    if (r.offset < keep_from) last[r.key] = r.offset;
  std::vector<Rec> out;
  for (const auto& r : written)
    if (r.offset >= keep_from || last[r.key] == r.offset) out.push_back(r);
  return out;
}

Result<CleanStats> clean(Log& log, int64_t now_ms, uint64_t buffer = 1 << 20) {
  LogCleaner cleaner(CleanerConfig{buffer});
  return cleaner.clean(log, now_ms, log.log_end_offset());
}

}  // namespace

TEST_CASE("compaction keeps the latest value of each key at its offset, in order", "[cleaner]") {
  const auto codec = GENERATE(protocol::CompressionType::none, protocol::CompressionType::zstd,
                              protocol::CompressionType::lz4);
  LogHarness harness;
  auto log = harness.open(compacted_config());
  std::mt19937_64 rng(42 + static_cast<int>(codec));
  std::vector<Rec> written;
  int64_t now = 10'000;
  for (int round = 0; round < 200; ++round) {
    std::vector<Write> writes;
    const int count = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < count; ++i) {
      std::string key = "key-" + std::to_string(rng() % 40);
      std::optional<std::string> value;
      if (rng() % 7 != 0) value = "value-" + std::to_string(round) + "-" + std::to_string(i) + std::string(rng() % 40, 'x');
      writes.push_back({key, value});
    }
    auto info = runnel::test::append(*log, batch_of(writes, now, codec), now);
    for (int i = 0; i < count; ++i) written.push_back({info.first_offset + i, writes[i].key, writes[i].value, now});
    if (round % 50 == 49) {
      REQUIRE(log->flush());
      auto stats = clean(*log, now);
      REQUIRE(stats);
      CHECK(stats->map_end > stats->first_dirty);
    }
    ++now;
  }
  REQUIRE(log->flush());
  auto stats = clean(*log, now);
  REQUIRE(stats);
  const int64_t active_base = log->segments().back().base_offset;
  CHECK(log->cleaner_checkpoint() == active_base);
  auto expected = latest_per_key(written, active_base);
  std::vector<protocol::RecordBatchHeader> headers;
  CHECK(read_records(*log, &headers) == expected);
  for (const auto& h : headers) CHECK(h.compression() == codec);  // rebuilt batches keep their codec

  // Tombstones stay until they have been through a pass and delete.retention.ms has passed.
  stats = clean(*log, now + 1);  // nothing new is dirty: no pass
  REQUIRE(stats);
  CHECK(read_records(*log) == expected);
  auto more = runnel::test::append(*log, batch_of({{"key-0", "late"}}, now + 5000, codec), now + 5000);
  (void)more;
  REQUIRE(log->flush());
  // Roll so that the late write is in a sealed segment.
  LogConfig config = log->config();
  config.segment_ms = 1;
  log->set_config(config);
  runnel::test::append(*log, batch_of({{"key-1", "tail"}}, now + 5000, codec), now + 5002);
  REQUIRE(log->flush());
  stats = clean(*log, now + 5003);
  REQUIRE(stats);
  std::vector<Rec> all = written;
  all.push_back({more.first_offset, "key-0", "late", now + 5000});
  std::vector<Rec> after;  // tombstones below the last pass's dirty start are old enough to go
  for (const auto& r : latest_per_key(all, more.first_offset + 1))
    if (r.value || r.offset >= active_base) after.push_back(r);
  after.push_back({more.first_offset + 1, "key-1", "tail", now + 5000});
  CHECK(read_records(*log) == after);

  // The compacted log survives a restart (clean and not) unchanged.
  REQUIRE(log->close());
  log.reset();
  log = harness.open(compacted_config(), 0, false);
  CHECK(read_records(*log) == after);
}

TEST_CASE("a key map smaller than the dirty keys cleans in several passes", "[cleaner]") {
  LogHarness harness;
  auto log = harness.open(compacted_config());
  std::vector<Rec> written;
  for (int round = 0; round < 120; ++round) {
    std::vector<Write> writes;
    for (int i = 0; i < 3; ++i) writes.push_back({"key-" + std::to_string((round * 3 + i) % 100), "v" + std::to_string(round)});
    auto info = runnel::test::append(*log, batch_of(writes, 5000), 5000);
    for (int i = 0; i < 3; ++i) written.push_back({info.first_offset + i, writes[i].key, writes[i].value, 5000});
  }
  REQUIRE(log->flush());
  const int64_t active_base = log->segments().back().base_offset;
  const size_t segments_before = log->segments().size();
  int passes = 0;
  for (;;) {
    auto stats = clean(*log, 6000, 30 * 70);  // about 30 keys per pass
    REQUIRE(stats);
    if (stats->map_end == stats->first_dirty) break;
    CHECK(stats->map_bytes <= 30 * 70 + 3 * 70);
    ++passes;
    REQUIRE(passes < 50);
  }
  CHECK(passes > 3);
  CHECK(log->segments().size() < segments_before);  // cleaned segments that shrank were merged
  CHECK(log->cleaner_checkpoint() == active_base);
  CHECK(read_records(*log) == latest_per_key(written, active_base));
}

TEST_CASE("the cleaner keeps batch metadata and each idempotent producer's last batch", "[cleaner]") {
  LogHarness harness;
  auto config = compacted_config();
  auto log = harness.open(config);
  // Producer 7 writes "a" twice; its last batch is then overwritten by producer 8.
  runnel::test::append(*log, batch_of({{"a", "1"}, {"b", "1"}}, 100, protocol::CompressionType::none, 7, 0), 100);
  runnel::test::append(*log, batch_of({{"a", "2"}}, 101, protocol::CompressionType::gzip, 7, 2), 101);
  for (int i = 0; i < 40; ++i)
    runnel::test::append(*log, batch_of({{"a", "p8-" + std::to_string(i)}, {"c", std::string(60, 'c')}}, 102,
                                        protocol::CompressionType::gzip, 8, 2 * i),
                         102);
  REQUIRE(log->flush());
  REQUIRE(log->segments().size() > 2);
  auto stats = clean(*log, 200);
  REQUIRE(stats);

  std::vector<protocol::RecordBatchHeader> headers;
  auto records = read_records(*log, &headers);
  // Producer 7's last batch (offset 2) stays, empty; its first keeps "b" only.
  REQUIRE(headers.size() >= 2);
  CHECK(headers[0].base_offset == 0);
  CHECK(headers[0].last_offset_delta == 1);
  CHECK(headers[0].records_count == 1);
  CHECK(headers[0].producer_id == 7);
  CHECK(headers[0].base_sequence == 0);
  CHECK(headers[1].base_offset == 2);
  CHECK(headers[1].records_count == 0);
  CHECK(headers[1].compression() == protocol::CompressionType::none);  // as Kafka writes empty batches
  CHECK(headers[1].producer_id == 7);
  CHECK(headers[1].base_sequence == 2);
  for (const auto& h : headers)
    if (h.producer_id == 8) {
      CHECK(h.compression() == protocol::CompressionType::gzip);
      CHECK(h.last_offset_delta == 1);
    }
  CHECK(records.front() == Rec{1, "b", "1", 100});

  // After a crash, without snapshots, the producer state is rebuilt from
  // the compacted log: producer 7's retry of its last batch is still a duplicate.
  log.reset();
  for (const auto& name : harness.files())
    if (name.ends_with(".snapshot")) std::filesystem::remove(harness.path(name));
  harness.cache().forget_prefix(harness.dir() + "/");
  log = harness.open(config, 0, false);
  auto again = batch_of({{"a", "2"}}, 101, protocol::CompressionType::gzip, 7, 2);
  auto retry = log->append_as_leader(again, 0, 300);
  REQUIRE(retry);
  CHECK(retry->duplicate);
  CHECK(retry->first_offset == 2);

  // Once producer 7 writes again, its emptied batch is no longer needed and goes.
  const int64_t next = runnel::test::append(*log, batch_of({{"z", "1"}}, 400, protocol::CompressionType::none, 7, 3), 400).first_offset;
  LogConfig rolling = log->config();
  rolling.segment_ms = 1;
  log->set_config(rolling);
  runnel::test::append(*log, batch_of({{"y", "1"}}, 500), 500);
  REQUIRE(log->flush());
  REQUIRE(clean(*log, 600));
  headers.clear();
  records = read_records(*log, &headers);
  for (const auto& h : headers) CHECK(h.records_count > 0);
  CHECK(std::find(records.begin(), records.end(), Rec{next, "z", "1", 400}) != records.end());
}

TEST_CASE("compaction works when DeleteRecords left the log start inside the first segment", "[cleaner]") {
  LogHarness harness;
  auto log = harness.open(compacted_config());
  std::vector<Rec> written;
  for (int round = 0; round < 40; ++round) {
    auto info = runnel::test::append(*log, batch_of({{"k" + std::to_string(round % 4), "v" + std::to_string(round) + std::string(80, '.')}}, 50), 50);
    written.push_back({info.first_offset, "k" + std::to_string(round % 4), "v" + std::to_string(round) + std::string(80, '.'), 50});
  }
  REQUIRE(log->flush());
  const auto segments = log->segments();
  REQUIRE(segments.size() > 3);
  const int64_t start = segments[0].base_offset + 2;
  REQUIRE(segments[0].next_offset > start);
  REQUIRE(log->advance_log_start_offset(start));
  auto stats = clean(*log, 60);
  REQUIRE(stats);
  CHECK(stats->map_end == log->segments().back().base_offset);
  std::vector<Rec> visible;
  for (const auto& r : written)
    if (r.offset >= start) visible.push_back(r);
  CHECK(read_records(*log) == latest_per_key(visible, log->segments().back().base_offset));
  CHECK(log->log_start_offset() == start);
}

TEST_CASE("a compacted log refuses records without a key", "[cleaner]") {
  LogHarness harness;
  auto log = harness.open(compacted_config());
  protocol::RecordInput keyless;
  keyless.value = protocol::to_bytes("v");
  auto batch = protocol::build_record_batch(std::vector{keyless}, protocol::BatchOptions{});
  REQUIRE(batch);
  auto refused = log->append_as_leader(*batch, 0, 0);
  REQUIRE_FALSE(refused);
  CHECK(to_kafka_error(refused.error()) == protocol::ErrorCode::invalid_record);
  CHECK(log->log_end_offset() == 0);
}

TEST_CASE("a kill at any step of a swap leaves the old or the new segments", "[cleaner]") {
  const auto crash_step = GENERATE(SwapStep::staged, SwapStep::committed, SwapStep::old_removed, SwapStep::renamed,
                                   SwapStep::done);
  LogHarness harness;
  std::vector<Rec> before;
  {
    auto log = harness.open(compacted_config());
    for (int round = 0; round < 60; ++round)
      runnel::test::append(*log, batch_of({{"k" + std::to_string(round % 5), "v" + std::to_string(round) + std::string(50, '.')}}, 1000), 1000);
    REQUIRE(log->close());
    log.reset();
    log = harness.open(compacted_config(), 0, true);
    before = read_records(*log);
    REQUIRE(log->segments().size() > 3);
  }
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto log = harness.try_open(compacted_config(), 0, true);
    if (!log) ::_exit(2);
    LogCleaner cleaner(CleanerConfig{});
    auto stats = cleaner.clean(**log, 2000, (*log)->log_end_offset(), nullptr, [&](SwapStep step) {
      if (step == crash_step) ::_exit(0);  // a kill -9: no destructors, nothing flushed
    });
    ::_exit(stats ? 3 : 4);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  harness.cache().forget_prefix(harness.dir() + "/");  // the child renamed files under our cached descriptors
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  auto log = harness.open(compacted_config(), 0, false);
  auto after = read_records(*log);
  const auto compacted = latest_per_key(before, log->segments().back().base_offset);
  INFO("crash after step " << static_cast<int>(crash_step));
  if (crash_step == SwapStep::staged) {
    CHECK(after == before);
  } else {
    // The first group is swapped in whole: everything below the next
    // group is compacted, the rest is untouched.
    CHECK(after != before);
    for (const auto& r : after) CHECK(std::find(before.begin(), before.end(), r) != before.end());
    for (const auto& r : compacted) CHECK(std::find(after.begin(), after.end(), r) != after.end());
  }
  for (const auto& name : harness.files()) {
    CHECK(name != "cleaning");
    CHECK(name != "cleaner-swap");
  }
  // And a full pass after the restart reaches the compacted view.
  REQUIRE(log->flush());
  auto stats = clean(*log, 2000);
  REQUIRE(stats);
  CHECK(read_records(*log) == compacted);
}

TEST_CASE("segments newer than min.compaction.lag.ms stay uncompacted", "[cleaner]") {
  LogHarness harness;
  auto config = compacted_config();
  config.min_compaction_lag_ms = 10'000;
  auto log = harness.open(config);
  std::vector<Rec> written;
  for (int round = 0; round < 60; ++round) {
    const int64_t timestamp = round < 30 ? 1'000 : 50'000;  // an old half, then a recent half
    auto info = runnel::test::append(*log, batch_of({{"k" + std::to_string(round % 3), "v" + std::to_string(round) + std::string(80, '.')}}, timestamp), timestamp);
    written.push_back({info.first_offset, "k" + std::to_string(round % 3), "v" + std::to_string(round) + std::string(80, '.'), timestamp});
  }
  REQUIRE(log->flush());
  const auto range = cleanable_range(*log, 55'000, log->log_end_offset());
  // The first segment holding a recent record bounds the pass.
  int64_t first_recent = -1;
  for (const auto& segment : log->segments())
    if (segment.max_timestamp > 55'000 - 10'000) {
      first_recent = segment.base_offset;
      break;
    }
  REQUIRE(first_recent > 0);
  CHECK(range.first_uncleanable == first_recent);
  auto stats = clean(*log, 55'000);
  REQUIRE(stats);
  CHECK(stats->map_end <= first_recent);
  // Everything from map_end on, the recent segments included, is as written.
  CHECK(read_records(*log) == latest_per_key(written, stats->map_end));
}
