#include "support/fault_injection_fs.h"

#include <filesystem>

namespace runnel::test {
namespace {

class FaultFile final : public storage::File {
 public:
  FaultFile(std::shared_ptr<storage::File> inner, FaultInjectionFileSystem& fs, std::string path)
      : inner_(std::move(inner)), fs_(fs), path_(std::move(path)) {}

  Result<size_t> read_at(uint64_t position, std::span<std::byte> out) const override {
    return inner_->read_at(position, out);
  }
  Result<void> write_at(uint64_t position, std::span<const std::byte> data) override {
    return inner_->write_at(position, data);
  }
  Result<void> sync() override {
    auto size = inner_->size();
    if (!size) return fail(size.error());
    auto r = inner_->sync();
    if (r) fs_.note_sync(path_, *size);
    return r;
  }
  Result<void> truncate(uint64_t size) override {
    auto r = inner_->truncate(size);
    if (r) fs_.note_truncate(path_, size);
    return r;
  }
  Result<uint64_t> size() const override { return inner_->size(); }
  int native_handle() const override { return inner_->native_handle(); }

 private:
  std::shared_ptr<storage::File> inner_;
  FaultInjectionFileSystem& fs_;
  std::string path_;
};

std::string parent_of(const std::string& path) { return std::filesystem::path(path).parent_path().string(); }

}  // namespace

FaultInjectionFileSystem::FileState& FaultInjectionFileSystem::state_locked(const std::string& path) {
  auto it = files_.find(path);
  if (it != files_.end()) return it->second;
  FileState state;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  state.synced_size = ec ? 0 : size;
  return files_.emplace(path, state).first->second;
}

Result<std::shared_ptr<storage::File>> FaultInjectionFileSystem::open(const std::string& path, storage::OpenMode mode) {
  const bool is_new = mode == storage::OpenMode::create && !real_.exists(path);
  auto file = real_.open(path, mode);
  if (!file) return file;
  {
    std::lock_guard lock(mutex_);
    auto& state = state_locked(path);
    if (is_new) state = FileState{0, false};
  }
  return std::shared_ptr<storage::File>(std::make_shared<FaultFile>(*file, *this, path));
}

void FaultInjectionFileSystem::note_sync(const std::string& path, uint64_t size) {
  ++sync_count_;
  std::lock_guard lock(mutex_);
  state_locked(path).synced_size = size;
}

void FaultInjectionFileSystem::note_truncate(const std::string& path, uint64_t size) {
  std::lock_guard lock(mutex_);
  auto& state = state_locked(path);
  if (state.synced_size > size) state.synced_size = size;
}

Result<void> FaultInjectionFileSystem::rename(const std::string& from, const std::string& to) {
  auto r = real_.rename(from, to);
  if (!r) return r;
  std::lock_guard lock(mutex_);
  auto node = files_.extract(from);
  files_.erase(to);
  if (!node.empty()) {
    node.key() = to;
    files_.insert(std::move(node));
  }
  return r;
}

Result<void> FaultInjectionFileSystem::remove(const std::string& path) {
  auto r = real_.remove(path);
  std::lock_guard lock(mutex_);
  files_.erase(path);
  return r;
}

Result<void> FaultInjectionFileSystem::remove_all(const std::string& dir) {
  auto r = real_.remove_all(dir);
  std::lock_guard lock(mutex_);
  for (auto it = files_.begin(); it != files_.end();)
    it = it->first.starts_with(dir + "/") ? files_.erase(it) : std::next(it);
  return r;
}

Result<void> FaultInjectionFileSystem::create_directories(const std::string& dir) {
  return real_.create_directories(dir);
}

Result<void> FaultInjectionFileSystem::sync_directory(const std::string& dir) {
  auto r = real_.sync_directory(dir);
  if (!r) return r;
  std::lock_guard lock(mutex_);
  for (auto& [path, state] : files_)
    if (parent_of(path) == dir) state.entry_durable = true;
  return r;
}

Result<std::vector<std::string>> FaultInjectionFileSystem::list(const std::string& dir) { return real_.list(dir); }

bool FaultInjectionFileSystem::exists(const std::string& path) { return real_.exists(path); }

void FaultInjectionFileSystem::crash(CrashMode mode, std::mt19937_64& rng) {
  std::lock_guard lock(mutex_);
  for (auto it = files_.begin(); it != files_.end();) {
    const auto& [path, state] = *it;
    if (!state.entry_durable) {
      std::filesystem::remove(path);
      it = files_.erase(it);
      continue;
    }
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (!ec && size > state.synced_size) {
      uint64_t keep = state.synced_size;
      if (mode != CrashMode::drop_unsynced)
        keep += std::uniform_int_distribution<uint64_t>(0, size - state.synced_size)(rng);
      std::filesystem::resize_file(path, keep);
      if (mode == CrashMode::garbage_tail && keep > state.synced_size) {
        auto file = real_.open(path, storage::OpenMode::read_write);
        if (file) {
          std::vector<std::byte> junk(keep - state.synced_size);
          for (auto& b : junk) b = static_cast<std::byte>(rng());
          (void)(*file)->write_at(state.synced_size, junk);
        }
      }
    }
    ++it;
  }
}

}  // namespace runnel::test
