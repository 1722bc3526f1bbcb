#pragma once
// SparseIndex<Entry>: one index file of a segment (.index or .timeindex).
//
// The active segment's index lives in memory and is written to its file when
// the segment is sealed (rolled or closed); a sealed index is searched in
// its file with pread-based binary search, so closed segments cost no memory
// and no mapping. After a crash an unsealed index is rebuilt from the log.
// Not thread-safe: the owning Log serializes writers against readers.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "protocol/result.h"
#include "storage/errc.h"
#include "storage/file_handle_cache.h"

namespace runnel::storage {

template <class Entry>
class SparseIndex {
 public:
  SparseIndex(std::string path, FileHandleCache& files) : path_(std::move(path)), files_(&files) {}

  const std::string& path() const { return path_; }
  bool sealed() const { return sealed_; }
  size_t entry_count() const { return sealed_ ? sealed_count_ : memory_.size(); }
  size_t size_bytes() const { return entry_count() * Entry::kSize; }

  // Active mode with the given entries (new segment, or a segment reopened as active).
  void activate(std::vector<Entry> entries) {
    memory_ = std::move(entries);
    sealed_ = false;
  }
  void append(const Entry& e) { memory_.push_back(e); }
  std::optional<Entry> last() const {
    if (!sealed_) return memory_.empty() ? std::nullopt : std::optional<Entry>(memory_.back());
    if (sealed_count_ == 0) return std::nullopt;
    auto e = entry_at(sealed_count_ - 1);
    return e ? std::optional<Entry>(*e) : std::nullopt;
  }

  // Writes the in-memory entries to the file (replacing it) and switches to
  // file mode. The file is durable only after sync().
  Result<void> seal() {
    if (sealed_) return {};
    std::vector<std::byte> bytes(memory_.size() * Entry::kSize);
    for (size_t i = 0; i < memory_.size(); ++i) memory_[i].encode(bytes.data() + i * Entry::kSize);
    auto file = files_->open(path_, OpenMode::create);
    if (!file) return fail(file.error());
    if (auto r = (*file)->truncate(0); !r) return r;
    if (auto r = (*file)->write_at(0, bytes); !r) return r;
    sealed_count_ = memory_.size();
    memory_.clear();
    memory_.shrink_to_fit();
    sealed_ = true;
    sync_pending_ = true;
    return {};
  }

  // Uses the existing file as a sealed index of `count` entries (checked by
  // the caller with load()).
  void attach_sealed(size_t count) {
    memory_.clear();
    sealed_ = true;
    sealed_count_ = count;
  }

  Result<void> sync() {
    if (!sync_pending_) return {};
    auto file = files_->open(path_, OpenMode::create);
    if (!file) return fail(file.error());
    if (auto r = (*file)->sync(); !r) return r;
    sync_pending_ = false;
    return {};
  }

  // Every entry of the file; Errc::bad_checkpoint if its size is not a
  // multiple of the entry size. A missing file is an error too.
  static Result<std::vector<Entry>> load(FileSystem& fs, const std::string& path) {
    auto data = read_file(fs, path);
    if (!data) return fail(data.error());
    if (data->size() % Entry::kSize != 0) return fail(Errc::bad_checkpoint);
    std::vector<Entry> entries(data->size() / Entry::kSize);
    for (size_t i = 0; i < entries.size(); ++i) entries[i] = Entry::decode(data->data() + i * Entry::kSize);
    return entries;
  }
  Result<std::vector<Entry>> entries() const {
    if (!sealed_) return memory_;
    return load(files_->fs(), path_);
  }

  // The last entry whose key (by `proj`, non-decreasing over entries) is <= `key`.
  template <class Key, class Proj>
  Result<std::optional<Entry>> floor(Key key, Proj proj) const {
    if (!sealed_) {
      auto it = std::upper_bound(memory_.begin(), memory_.end(), key,
                                 [&](const Key& k, const Entry& e) { return k < proj(e); });
      if (it == memory_.begin()) return std::optional<Entry>{};
      return std::optional<Entry>(*(it - 1));
    }
    size_t lo = 0, hi = sealed_count_;  // answer is in [lo - 1, hi)
    std::optional<Entry> best;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      auto e = entry_at(mid);
      if (!e) return fail(e.error());
      if (proj(*e) <= key) {
        best = *e;
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return best;
  }

  Result<void> remove_file() {
    files_->forget(path_);
    return files_->fs().remove(path_);
  }

 private:
  Result<Entry> entry_at(size_t i) const {
    auto file = files_->open(path_, OpenMode::read_write);
    if (!file) return fail(file.error());
    std::byte buf[Entry::kSize];
    if (auto r = read_exact(**file, i * Entry::kSize, buf); !r) return fail(r.error());
    return Entry::decode(buf);
  }

  std::string path_;
  FileHandleCache* files_;
  bool sealed_ = false;
  bool sync_pending_ = false;
  size_t sealed_count_ = 0;
  std::vector<Entry> memory_;
};

}  // namespace runnel::storage
