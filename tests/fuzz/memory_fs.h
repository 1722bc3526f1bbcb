#pragma once
// MemoryFileSystem: storage::FileSystem kept in memory, so that a fuzz target
// can open, append to and recover a Log thousands of times a second without
// touching the disk. Follows the contracts of storage/file.h with POSIX
// behaviour where they are silent: files are inodes shared by their open
// handles (a removed file stays readable through them), opening a missing
// file without OpenMode::create fails with ENOENT, as does creating one in a
// missing directory. Everything is durable at once; sync() does nothing.
// Not thread-safe: the fuzz targets are single-threaded.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "storage/file.h"

namespace runnel::fuzz {

class MemoryFileSystem final : public storage::FileSystem {
 public:
  Result<std::shared_ptr<storage::File>> open(const std::string& path, storage::OpenMode mode) override {
    auto it = files_.find(path);
    if (it == files_.end()) {
      if (mode != storage::OpenMode::create || !dirs_.contains(parent_of(path))) return not_found();
      it = files_.emplace(path, std::make_shared<std::vector<std::byte>>()).first;
    }
    return std::make_shared<MemoryFile>(it->second);
  }

  Result<void> rename(const std::string& from, const std::string& to) override {
    auto it = files_.find(from);
    if (it == files_.end() || !dirs_.contains(parent_of(to))) return not_found();
    auto data = it->second;
    files_.erase(it);
    files_[to] = std::move(data);
    return {};
  }

  Result<void> remove(const std::string& path) override {
    files_.erase(path);
    return {};
  }

  Result<void> remove_all(const std::string& dir) override {
    std::erase_if(files_, [&](const auto& entry) { return under(entry.first, dir); });
    std::erase_if(dirs_, [&](const std::string& d) { return d == dir || under(d, dir); });
    return {};
  }

  Result<void> create_directories(const std::string& dir) override {
    for (size_t slash = dir.find('/', 1); slash != std::string::npos; slash = dir.find('/', slash + 1))
      dirs_.insert(dir.substr(0, slash));
    dirs_.insert(dir);
    return {};
  }

  Result<void> sync_directory(const std::string& dir) override {
    if (!dirs_.contains(dir)) return not_found();
    return {};
  }

  Result<std::vector<std::string>> list(const std::string& dir) override {
    if (!dirs_.contains(dir)) return not_found();
    std::vector<std::string> names;
    for (const auto& [path, data] : files_)
      if (parent_of(path) == dir) names.push_back(path.substr(dir.size() + 1));
    for (const auto& d : dirs_)
      if (d != dir && parent_of(d) == dir) names.push_back(d.substr(dir.size() + 1));
    return names;
  }

  bool exists(const std::string& path) override { return files_.contains(path) || dirs_.contains(path); }

 private:
  using Data = std::vector<std::byte>;

  class MemoryFile final : public storage::File {
   public:
    explicit MemoryFile(std::shared_ptr<Data> data) : data_(std::move(data)) {}

    Result<size_t> read_at(uint64_t position, std::span<std::byte> out) const override {
      if (position >= data_->size()) return size_t{0};
      const size_t n = std::min<uint64_t>(out.size(), data_->size() - position);
      std::copy_n(data_->begin() + static_cast<std::ptrdiff_t>(position), n, out.begin());
      return n;
    }
    Result<void> write_at(uint64_t position, std::span<const std::byte> bytes) override {
      if (data_->size() < position + bytes.size()) data_->resize(position + bytes.size());
      std::copy(bytes.begin(), bytes.end(), data_->begin() + static_cast<std::ptrdiff_t>(position));
      return {};
    }
    Result<void> sync() override { return {}; }
    Result<void> truncate(uint64_t size) override {
      data_->resize(size);
      return {};
    }
    Result<uint64_t> size() const override { return uint64_t{data_->size()}; }
    int native_handle() const override { return -1; }

   private:
    std::shared_ptr<Data> data_;
  };

  static std::string parent_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
  }
  static bool under(const std::string& path, const std::string& dir) {
    return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
  }
  static tl::unexpected<std::error_code> not_found() {
    return fail(std::make_error_code(std::errc::no_such_file_or_directory));
  }

  std::map<std::string, std::shared_ptr<Data>> files_;
  std::set<std::string> dirs_{"/"};
};

}  // namespace runnel::fuzz
