#pragma once
// FileHandleCache: a least-recently-used cap on open segment files, so a
// broker with 10,000 partitions fits in a default `ulimit -n` of 1024.
// Evicting a handle only drops the cache's reference: readers holding a
// FileRange keep the descriptor until they release it.

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "protocol/result.h"
#include "storage/file.h"

namespace runnel::storage {

class FileHandleCache {
 public:
  FileHandleCache(FileSystem& fs, size_t capacity);

  // The open file for `path`, opening it with `mode` if not cached. Callers
  // that may write must not pass read_only: a cached handle is shared.
  Result<std::shared_ptr<File>> open(const std::string& path, OpenMode mode);
  // Forgets `path` (before it is removed or renamed over).
  void forget(const std::string& path);
  // Forgets every path under `dir_prefix`.
  void forget_prefix(const std::string& dir_prefix);

  size_t size() const;
  size_t capacity() const { return capacity_; }
  FileSystem& fs() { return fs_; }

 private:
  using Lru = std::list<std::pair<std::string, std::shared_ptr<File>>>;
  FileSystem& fs_;
  const size_t capacity_;
  mutable std::mutex mutex_;
  Lru lru_;  // most recent first
  std::unordered_map<std::string, Lru::iterator> by_path_;
};

}  // namespace runnel::storage
