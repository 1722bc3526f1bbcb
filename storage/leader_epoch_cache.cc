#include "storage/leader_epoch_cache.h"

#include <algorithm>
#include <iterator>
#include <sstream>

#include "storage/checkpoint_file.h"
#include "storage/errc.h"

namespace runnel::storage {

Result<LeaderEpochCache> LeaderEpochCache::load(FileSystem& fs, std::string path) {
  auto lines = read_checkpoint_lines(fs, path);
  if (!lines) return fail(lines.error());
  std::vector<EpochEntry> entries;
  for (const auto& line : *lines) {
    std::istringstream in(line);
    EpochEntry e{};
    std::string rest;
    if (!(in >> e.epoch >> e.start_offset) || (in >> rest) || e.epoch < 0 || e.start_offset < 0)
      return fail(Errc::bad_checkpoint);
    if (!entries.empty() && (e.epoch <= entries.back().epoch || e.start_offset < entries.back().start_offset))
      return fail(Errc::bad_checkpoint);
    entries.push_back(e);
  }
  return LeaderEpochCache(fs, std::move(path), std::move(entries));
}

LeaderEpochCache::LeaderEpochCache(FileSystem& fs, std::string path, std::vector<EpochEntry> entries)
    : fs_(&fs), path_(std::move(path)), entries_(std::move(entries)) {}

LeaderEpochCache::LeaderEpochCache(LeaderEpochCache&& other) noexcept
    : fs_(other.fs_), path_(std::move(other.path_)), entries_(std::move(other.entries_)) {}

LeaderEpochCache& LeaderEpochCache::operator=(LeaderEpochCache&& other) noexcept {
  fs_ = other.fs_;
  path_ = std::move(other.path_);
  entries_ = std::move(other.entries_);
  return *this;
}

Result<void> LeaderEpochCache::assign(int32_t epoch, int64_t start_offset) {
  std::lock_guard lock(mutex_);
  if (epoch < 0 || (!entries_.empty() && epoch <= entries_.back().epoch)) return {};
  // An epoch that starts where the previous one started replaces it: the
  // previous leader appended nothing.
  while (!entries_.empty() && entries_.back().start_offset >= start_offset) entries_.pop_back();
  entries_.push_back({epoch, start_offset});
  return persist_locked();
}

Result<void> LeaderEpochCache::truncate_from_end(int64_t end_offset) {
  std::lock_guard lock(mutex_);
  auto before = entries_.size();
  while (!entries_.empty() && entries_.back().start_offset >= end_offset) entries_.pop_back();
  return entries_.size() == before ? Result<void>{} : persist_locked();
}

Result<void> LeaderEpochCache::truncate_from_start(int64_t start_offset) {
  std::lock_guard lock(mutex_);
  size_t first_kept = 0;
  while (first_kept + 1 < entries_.size() && entries_[first_kept + 1].start_offset <= start_offset) ++first_kept;
  if (first_kept == 0 && (entries_.empty() || entries_[0].start_offset >= start_offset)) return {};
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(first_kept));
  if (entries_[0].start_offset < start_offset) entries_[0].start_offset = start_offset;
  return persist_locked();
}

std::optional<EpochEntry> LeaderEpochCache::latest() const {
  std::lock_guard lock(mutex_);
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

std::optional<EpochEntry> LeaderEpochCache::end_offset_for(int32_t epoch, int64_t log_end_offset) const {
  std::lock_guard lock(mutex_);
  if (epoch < 0 || entries_.empty()) return std::nullopt;
  if (entries_.back().epoch == epoch) return EpochEntry{epoch, log_end_offset};
  auto higher = std::upper_bound(entries_.begin(), entries_.end(), epoch,
                                 [](int32_t e, const EpochEntry& entry) { return e < entry.epoch; });
  if (higher == entries_.end()) return std::nullopt;  // newer than every epoch known
  if (higher == entries_.begin()) return EpochEntry{epoch, higher->start_offset};  // older than every one
  return EpochEntry{std::prev(higher)->epoch, higher->start_offset};
}

std::vector<EpochEntry> LeaderEpochCache::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

Result<void> LeaderEpochCache::persist_locked() {
  std::vector<std::string> lines;
  for (const auto& e : entries_) lines.push_back(std::to_string(e.epoch) + " " + std::to_string(e.start_offset));
  return write_checkpoint_lines(*fs_, path_, lines);
}

}  // namespace runnel::storage
