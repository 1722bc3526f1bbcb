#pragma once
// Opens storage::Log instances in a temp dir for tests, through any FileSystem.

#include <memory>
#include <string>
#include <vector>

#include "storage/file_handle_cache.h"
#include "storage/log.h"
#include "support/temp_dir.h"

namespace runnel::test {

class LogHarness {
 public:
  explicit LogHarness(storage::FileSystem& fs = storage::FileSystem::posix(), size_t max_open_files = 64)
      : fs_(fs), cache_(fs, max_open_files), dir_(tmp_ / "topic-0") {}

  // Opens (and recovers) the log; REQUIREs success.
  std::unique_ptr<storage::Log> open(const storage::LogConfig& config, int64_t recovery_point = 0,
                                     bool clean_shutdown = false, int64_t log_start_offset = 0);
  Result<std::unique_ptr<storage::Log>> try_open(const storage::LogConfig& config, int64_t recovery_point = 0,
                                                 bool clean_shutdown = false, int64_t log_start_offset = 0);

  const std::string& dir() const { return dir_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::vector<std::string> files() const;  // sorted names in the partition dir
  storage::FileHandleCache& cache() { return cache_; }

 private:
  storage::FileSystem& fs_;
  storage::FileHandleCache cache_;
  TempDir tmp_;
  std::string dir_;
};

// Appends `batch` as leader with epoch 0, REQUIREs success, returns the info.
storage::AppendInfo append(storage::Log& log, std::vector<std::byte> batch, int64_t now_ms = 0);
// Bytes of everything read() returns from `offset` up to the log end.
std::vector<std::byte> read_bytes(const storage::Log& log, int64_t offset, int64_t max_bytes, int64_t upper_bound);

}  // namespace runnel::test
