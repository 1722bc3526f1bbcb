// Recovery after a crash: the log reopens from the recovery point, validates
// every batch after it, cuts at the first invalid byte and rebuilds indexes.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "protocol/record_batch.h"
#include "storage/log.h"
#include "support/batches.h"
#include "support/fault_injection_fs.h"
#include "support/log_harness.h"

using namespace runnel;
using namespace runnel::storage;
using runnel::test::LogHarness;
using runnel::test::make_batch;
using runnel::test::read_bytes;

namespace {

constexpr int kBatches = 30;
constexpr int kRecords = 2;

LogConfig config() {
  LogConfig c;
  c.segment_bytes = 800;
  c.index_interval_bytes = 100;
  return c;
}

struct Written {
  std::vector<std::vector<std::byte>> batches;  // as stored
  std::vector<std::string> segments;            // .log names, in order
};

// Writes kBatches batches of kRecords records, flushes, and "crashes"
// (drops the log without close()).
Written write_log(LogHarness& harness) {
  Written written;
  auto log = harness.open(config());
  for (int i = 0; i < kBatches; ++i) {
    auto batch = make_batch(kRecords, 10 * i, "r" + std::to_string(i), 20);
    REQUIRE(log->append_as_leader(batch, 0, 0));
    written.batches.push_back(batch);
  }
  REQUIRE(log->flush());
  for (const auto& name : harness.files())
    if (name.ends_with(".log")) written.segments.push_back(name);
  REQUIRE(written.segments.size() >= 4);
  harness.cache().forget_prefix(harness.dir() + "/");
  return written;
}

uint64_t file_size(const std::string& path) { return std::filesystem::file_size(path); }

void flip_byte(const std::string& path, uint64_t position) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(position));
  char c;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(position));
  f.put(static_cast<char>(c ^ 0x40));
}

void append_zeros(const std::string& path, size_t n) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  std::string zeros(n, '\0');
  f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
}

// Every batch of the log from offset 0, as bytes.
std::vector<std::vector<std::byte>> all_batches(const Log& log) {
  std::vector<std::vector<std::byte>> batches;
  for (int64_t offset = log.log_start_offset(); offset < log.log_end_offset();) {
    auto bytes = read_bytes(log, offset, 1, log.log_end_offset());
    REQUIRE_FALSE(bytes.empty());
    auto header = protocol::validate_batch(bytes);
    REQUIRE(header);
    offset = header->last_offset() + 1;
    batches.push_back(std::move(bytes));
  }
  return batches;
}

// Position of batch `index` inside its segment file, and that file.
std::pair<std::string, uint64_t> locate(const LogHarness& harness, const Written& written, int index) {
  uint64_t position = 0;
  int64_t wanted = static_cast<int64_t>(index) * kRecords;
  std::string segment;
  for (const auto& name : written.segments)
    if (std::stoll(name.substr(0, 20)) <= wanted) segment = name;
  int64_t base = std::stoll(segment.substr(0, 20));
  for (int i = 0; i < index; ++i)
    if (static_cast<int64_t>(i) * kRecords >= base) position += written.batches[static_cast<size_t>(i)].size();
  return {harness.path(segment), position};
}

void check_prefix(const Log& log, const Written& written, size_t expected_batches) {
  auto batches = all_batches(log);
  REQUIRE(batches.size() == expected_batches);
  for (size_t i = 0; i < batches.size(); ++i) CHECK(batches[i] == written.batches[i]);
  CHECK(log.log_end_offset() == static_cast<int64_t>(expected_batches) * kRecords);
  CHECK(log.flushed_offset() == log.log_end_offset());
}

}  // namespace

TEST_CASE("recovery cuts a torn tail at the last whole batch", "[recovery]") {
  LogHarness harness;
  auto written = write_log(harness);
  auto [path, position] = locate(harness, written, kBatches - 1);
  std::filesystem::resize_file(path, position + 30);  // the last batch, cut mid-way
  auto log = harness.open(config(), 0);
  check_prefix(*log, written, kBatches - 1);
  CHECK(file_size(path) == position);
  auto again = make_batch(1, 0);
  auto info = log->append_as_leader(again, 0, 0);
  REQUIRE(info);
  CHECK(info->first_offset == (kBatches - 1) * kRecords);
}

TEST_CASE("recovery cuts at a flipped byte and drops every later segment", "[recovery]") {
  LogHarness harness;
  auto written = write_log(harness);
  const int damaged = 7;  // in an early segment
  auto [path, position] = locate(harness, written, damaged);
  flip_byte(path, position + 70);
  auto log = harness.open(config(), 0);
  check_prefix(*log, written, damaged);
  CHECK(file_size(path) == position);
  CHECK(log->recovery_report().bytes_truncated > 0);
  CHECK(log->recovery_report().segments_deleted > 0);
  auto files = harness.files();
  for (const auto& name : written.segments)
    if (harness.path(name) > path) CHECK(std::count(files.begin(), files.end(), name) == 0);
}

TEST_CASE("recovery starts at the segment holding the recovery point", "[recovery]") {
  LogHarness harness;
  auto written = write_log(harness);
  auto [last_path, last_position] = locate(harness, written, kBatches - 1);
  flip_byte(last_path, last_position + 65);
  // Recovery point inside the last segment: only it is validated.
  auto log = harness.open(config(), (kBatches - 1) * kRecords);
  check_prefix(*log, written, kBatches - 1);
}

TEST_CASE("recovery removes a zero-filled tail", "[recovery]") {
  LogHarness harness;
  auto written = write_log(harness);
  const auto last = harness.path(written.segments.back());
  const uint64_t size = file_size(last);
  append_zeros(last, 4096);
  auto log = harness.open(config(), kBatches * kRecords);
  check_prefix(*log, written, kBatches);
  CHECK(file_size(last) == size);
}

TEST_CASE("a missing or damaged index is rebuilt", "[recovery]") {
  LogHarness harness;
  auto written = write_log(harness);
  {  // A clean close seals every index into its file.
    auto log = harness.open(config(), 0);
    REQUIRE(log->close());
    harness.cache().forget_prefix(harness.dir() + "/");
  }
  const std::string first_index = harness.path(written.segments[0].substr(0, 20) + ".index");
  const std::string second_index = harness.path(written.segments[1].substr(0, 20) + ".index");
  const std::string third_timeindex = harness.path(written.segments[2].substr(0, 20) + ".timeindex");
  REQUIRE(file_size(first_index) > 0);
  const uint64_t index_size = file_size(first_index);

  SECTION("missing") { std::filesystem::remove(first_index); }
  SECTION("truncated mid-entry") {
    std::filesystem::resize_file(first_index, 5);
    std::filesystem::resize_file(third_timeindex, 13);
  }
  SECTION("last entry pointing at the wrong place") {
    flip_byte(first_index, index_size - 1);
    flip_byte(second_index, file_size(second_index) - 6);
  }
  SECTION("a damaged entry in the middle") { flip_byte(first_index, 3); }

  auto log = harness.open(config(), kBatches * kRecords, true);
  check_prefix(*log, written, kBatches);
  for (int64_t offset = 0; offset < log->log_end_offset(); ++offset) {
    auto bytes = read_bytes(*log, offset, 1, log->log_end_offset());
    CHECK(bytes == written.batches[static_cast<size_t>(offset / kRecords)]);
  }
  for (int i = 0; i < kBatches; ++i) {
    auto found = log->offset_for_timestamp(10 * i + 1);
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->offset == i * kRecords + 1);
  }
  CHECK(std::filesystem::exists(first_index));
  CHECK(file_size(first_index) % 8 == 0);
}

TEST_CASE("leftover temp files and orphaned indexes are removed on open", "[recovery]") {
  LogHarness harness;
  auto written = write_log(harness);
  std::ofstream(harness.path("leader-epoch-checkpoint.tmp")) << "junk";
  std::ofstream(harness.path("00000000000000099999.index")) << "junk";
  auto log = harness.open(config(), 0);
  auto files = harness.files();
  CHECK(std::count(files.begin(), files.end(), "leader-epoch-checkpoint.tmp") == 0);
  CHECK(std::count(files.begin(), files.end(), "00000000000000099999.index") == 0);
  check_prefix(*log, written, kBatches);
}
