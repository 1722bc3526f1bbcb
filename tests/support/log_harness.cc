#include "support/log_harness.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

namespace runnel::test {

Result<std::unique_ptr<storage::Log>> LogHarness::try_open(const storage::LogConfig& config, int64_t recovery_point,
                                                           bool clean_shutdown, int64_t log_start_offset) {
  storage::LogOpenOptions options;
  options.dir = dir_;
  options.config = config;
  options.fs = &fs_;
  options.files = &cache_;
  options.recovery_point = recovery_point;
  options.clean_shutdown = clean_shutdown;
  options.log_start_offset = log_start_offset;
  return storage::Log::open(options);
}

std::unique_ptr<storage::Log> LogHarness::open(const storage::LogConfig& config, int64_t recovery_point,
                                               bool clean_shutdown, int64_t log_start_offset) {
  auto log = try_open(config, recovery_point, clean_shutdown, log_start_offset);
  INFO((log ? std::string() : log.error().message()));
  REQUIRE(log);
  return std::move(*log);
}

std::vector<std::string> LogHarness::files() const {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

storage::AppendInfo append(storage::Log& log, std::vector<std::byte> batch, int64_t now_ms) {
  auto info = log.append_as_leader(batch, 0, now_ms);
  INFO((info ? std::string() : info.error().message()));
  REQUIRE(info);
  return *info;
}

std::vector<std::byte> read_bytes(const storage::Log& log, int64_t offset, int64_t max_bytes, int64_t upper_bound) {
  auto range = log.read(offset, max_bytes, upper_bound);
  INFO((range ? std::string() : range.error().message()));
  REQUIRE(range);
  auto bytes = range->read_all();
  REQUIRE(bytes);
  return *bytes;
}

}  // namespace runnel::test
