#pragma once
// FaultInjectionFileSystem: the real file system, plus a record of what has
// been made durable, so a test can "crash" and keep only what a power loss
// would keep (in the spirit of LevelDB's fault_injection_test):
//  - bytes written after a file's last sync() are dropped, wholly or in part
//    (a random prefix survives, possibly with garbage in it);
//  - a file created since its directory's last sync_directory() vanishes.
// Renames and removals are treated as durable at once (a simplification).

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "storage/file.h"

namespace runnel::test {

class FaultInjectionFileSystem final : public storage::FileSystem {
 public:
  Result<std::shared_ptr<storage::File>> open(const std::string& path, storage::OpenMode mode) override;
  Result<void> rename(const std::string& from, const std::string& to) override;
  Result<void> remove(const std::string& path) override;
  Result<void> remove_all(const std::string& dir) override;
  Result<void> create_directories(const std::string& dir) override;
  Result<void> sync_directory(const std::string& dir) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  bool exists(const std::string& path) override;

  enum class CrashMode {
    drop_unsynced,     // files end exactly at their last sync
    keep_some,         // a random prefix of the unsynced bytes survives
    garbage_tail,      // a random prefix survives with random bytes in it
  };
  // Applies the crash to the files on disk. All File objects handed out
  // before must have been released by the caller's logs first.
  void crash(CrashMode mode, std::mt19937_64& rng);

  // fsyncs of files so far (directory syncs not counted).
  size_t sync_count() const { return sync_count_.load(); }

  void note_sync(const std::string& path, uint64_t size);
  void note_truncate(const std::string& path, uint64_t size);

 private:
  struct FileState {
    uint64_t synced_size = 0;
    bool entry_durable = true;
  };
  FileState& state_locked(const std::string& path);

  storage::FileSystem& real_ = storage::FileSystem::posix();
  std::atomic<size_t> sync_count_{0};
  std::mutex mutex_;
  std::map<std::string, FileState> files_;
};

}  // namespace runnel::test
