#include "storage/file_handle_cache.h"

namespace runnel::storage {

FileHandleCache::FileHandleCache(FileSystem& fs, size_t capacity) : fs_(fs), capacity_(capacity < 1 ? 1 : capacity) {}

Result<std::shared_ptr<File>> FileHandleCache::open(const std::string& path, OpenMode mode) {
  std::lock_guard lock(mutex_);
  if (auto it = by_path_.find(path); it != by_path_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  auto file = fs_.open(path, mode);
  if (!file) return file;
  while (lru_.size() >= capacity_) {
    by_path_.erase(lru_.back().first);
    lru_.pop_back();
  }
  lru_.emplace_front(path, *file);
  by_path_[path] = lru_.begin();
  return file;
}

void FileHandleCache::forget(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto it = by_path_.find(path); it != by_path_.end()) {
    lru_.erase(it->second);
    by_path_.erase(it);
  }
}

void FileHandleCache::forget_prefix(const std::string& dir_prefix) {
  std::lock_guard lock(mutex_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->first.starts_with(dir_prefix)) {
      by_path_.erase(it->first);
      it = lru_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t FileHandleCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace runnel::storage
