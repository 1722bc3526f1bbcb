// A randomized model test: random appends, flushes, checkpoints, clean
// restarts and crashes that drop unsynced bytes (wholly, partly, or with
// garbage), compared after every reopen with the list of appended batches.
// Invariants: the reopened log is a prefix of what was appended, byte for
// byte; it holds at least everything flushed before the crash; and appends
// continue at its end.

#include <catch2/catch.hpp>
#include <random>

#include "protocol/record_batch.h"
#include "storage/log.h"
#include "support/batches.h"
#include "support/fault_injection_fs.h"
#include "support/log_harness.h"

using namespace runnel;
using namespace runnel::storage;
using runnel::test::FaultInjectionFileSystem;
using runnel::test::LogHarness;
using runnel::test::make_batch;
using runnel::test::read_bytes;

namespace {

std::vector<std::vector<std::byte>> read_all_batches(const Log& log) {
  std::vector<std::vector<std::byte>> batches;
  for (int64_t offset = log.log_start_offset(); offset < log.log_end_offset();) {
    auto bytes = read_bytes(log, offset, 1 << 16, log.log_end_offset());
    REQUIRE_FALSE(bytes.empty());
    for (size_t pos = 0; pos < bytes.size();) {
      auto frame = protocol::read_frame(std::span(bytes).subspan(pos));
      size_t size = protocol::kLogOverhead + static_cast<size_t>(frame.batch_length);
      std::vector<std::byte> batch(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                                   bytes.begin() + static_cast<std::ptrdiff_t>(pos + size));
      auto header = protocol::validate_batch(batch);
      REQUIRE(header);
      offset = header->last_offset() + 1;
      batches.push_back(std::move(batch));
      pos += size;
    }
  }
  return batches;
}

}  // namespace

TEST_CASE("a log survives random crashes without losing flushed batches or serving torn ones", "[model]") {
  const uint64_t seed = GENERATE(range(1, 13));
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };

  FaultInjectionFileSystem fs;
  LogHarness harness(fs, 8);
  LogConfig config;
  config.segment_bytes = pick(300, 4000);
  config.index_interval_bytes = pick(0, 600);
  config.segment_index_bytes = pick(16, 400);

  std::vector<std::vector<std::byte>> appended;  // as stored, in offset order
  size_t flushed = 0;                            // batches known durable
  int64_t recovery_point = 0;
  auto log = harness.open(config);

  for (int step = 0; step < 250; ++step) {
    const int op = pick(0, 99);
    if (op < 70) {
      auto codec = pick(0, 4) == 0 ? protocol::CompressionType::gzip : protocol::CompressionType::none;
      auto batch = make_batch(pick(1, 6), step * 10, "s" + std::to_string(step), static_cast<size_t>(pick(0, 300)), codec);
      auto info = log->append_as_leader(batch, 0, 0);
      REQUIRE(info);
      REQUIRE(info->first_offset == log->log_end_offset() - (info->last_offset - info->first_offset + 1));
      appended.push_back(std::move(batch));
    } else if (op < 82) {
      REQUIRE(log->flush());
      flushed = appended.size();
    } else if (op < 88) {
      recovery_point = log->flushed_offset();
    } else if (op < 91) {
      REQUIRE(log->close());
      log.reset();
      harness.cache().forget_prefix(harness.dir() + "/");
      log = harness.open(config, 0, true);
      flushed = appended.size();
      recovery_point = log->log_end_offset();
    } else {
      log.reset();
      harness.cache().forget_prefix(harness.dir() + "/");
      auto mode = static_cast<FaultInjectionFileSystem::CrashMode>(pick(0, 2));
      fs.crash(mode, rng);
      log = harness.open(config, recovery_point);
      auto survived = read_all_batches(*log);
      INFO("step " << step << " mode " << static_cast<int>(mode));
      REQUIRE(survived.size() >= flushed);
      REQUIRE(survived.size() <= appended.size());
      for (size_t i = 0; i < survived.size(); ++i) REQUIRE(survived[i] == appended[i]);
      appended.resize(survived.size());
      flushed = appended.size();  // recovery makes what survived durable
      REQUIRE(log->flushed_offset() == log->log_end_offset());
    }
  }
  auto final_batches = read_all_batches(*log);
  REQUIRE(final_batches.size() == appended.size());
}
