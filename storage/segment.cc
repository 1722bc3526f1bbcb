#include "storage/segment.h"

#include <charconv>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <vector>

#include "protocol/byte_order.h"
#include "protocol/record.h"
#include "storage/errc.h"
#include "storage/log.h"

namespace runnel::storage {

using protocol::kLogOverhead;
using protocol::kRecordBatchHeaderSize;
using protocol::read_be;
using protocol::RecordBatchHeader;
namespace field = protocol::batch_field;

namespace {
constexpr size_t kLocationBytes = field::last_offset_delta + 4;
constexpr int64_t kMaxRelativeOffset = std::numeric_limits<int32_t>::max();
}  // namespace

std::string Segment::file_name(int64_t base_offset, const char* suffix) {
  char name[48];
  std::snprintf(name, sizeof name, "%020" PRId64 "%s", base_offset, suffix);
  return name;
}

std::optional<int64_t> Segment::offset_from_file_name(std::string_view name, std::string_view suffix) {
  if (name.size() != 20 + suffix.size() || !name.ends_with(suffix)) return std::nullopt;
  int64_t offset = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + 20, offset);
  if (ec != std::errc{} || ptr != name.data() + 20 || offset < 0) return std::nullopt;
  return offset;
}

Segment::Segment(const std::string& dir, int64_t base_offset, FileHandleCache& files)
    : base_offset_(base_offset),
      log_path_(dir + "/" + file_name(base_offset, ".log")),
      files_(files),
      offset_index_(dir + "/" + file_name(base_offset, ".index"), files),
      time_index_(dir + "/" + file_name(base_offset, ".timeindex"), files),
      next_offset_(base_offset) {}

Result<std::unique_ptr<Segment>> Segment::create(const std::string& dir, int64_t base_offset, FileHandleCache& files,
                                                 int64_t now_ms) {
  auto segment = std::make_unique<Segment>(dir, base_offset, files);
  for (const auto& path : {segment->log_path_, segment->offset_index_.path(), segment->time_index_.path()}) {
    files.forget(path);
    auto file = files.fs().open(path, OpenMode::create);
    if (!file) return fail(file.error());
    if (auto r = (*file)->truncate(0); !r) return fail(r.error());
  }
  segment->rolling_timestamp_ms_ = now_ms;
  return segment;
}

Result<std::shared_ptr<File>> Segment::log_file() const { return files_.open(log_path_, OpenMode::read_write); }

Result<BatchLocation> Segment::read_location(const File& file, uint64_t position) const {
  std::byte buf[kLocationBytes];
  if (position + kLocationBytes > size()) return fail(Errc::short_read);
  if (auto r = read_exact(file, position, buf); !r) return fail(r.error());
  int64_t base = read_be<int64_t>(buf + field::base_offset);
  int32_t length = read_be<int32_t>(buf + field::batch_length);
  int32_t delta = read_be<int32_t>(buf + field::last_offset_delta);
  if (length < 0 || position + kLogOverhead + static_cast<uint64_t>(length) > size()) return fail(Errc::short_read);
  return BatchLocation{position, base, base + delta, kLogOverhead + static_cast<uint64_t>(length)};
}

void Segment::index_batch(const RecordBatchHeader& header, uint64_t position, uint64_t batch_size,
                          int32_t index_interval_bytes) {
  if (header.max_timestamp > max_timestamp_) {
    max_timestamp_ = header.max_timestamp;
    offset_of_max_timestamp_ = header.base_offset;
  }
  if (bytes_since_last_index_entry_ > static_cast<uint64_t>(index_interval_bytes)) {
    offset_index_.append({static_cast<uint32_t>(header.base_offset - base_offset_), static_cast<uint32_t>(position)});
    auto last_time = time_index_.last();
    if (!last_time || max_timestamp_ > last_time->timestamp)
      time_index_.append({max_timestamp_, static_cast<uint32_t>(offset_of_max_timestamp_ - base_offset_)});
    bytes_since_last_index_entry_ = 0;
  }
  bytes_since_last_index_entry_ += batch_size;
  next_offset_ = header.last_offset() + 1;
}

Result<void> Segment::append(const RecordBatchHeader& header, std::span<const std::byte> batch,
                             int32_t index_interval_bytes, int64_t now_ms) {
  auto file = log_file();
  if (!file) return fail(file.error());
  const uint64_t position = size();
  if (auto r = (*file)->write_at(position, batch); !r) return r;
  if (position == 0) rolling_timestamp_ms_ = now_ms;
  index_batch(header, position, batch.size(), index_interval_bytes);
  size_.store(position + batch.size(), std::memory_order_release);
  return {};
}

Result<uint64_t> Segment::rebuild(int64_t min_offset, int32_t index_interval_bytes, bool truncate_invalid) {
  auto file = log_file();
  if (!file) return fail(file.error());
  auto file_size = (*file)->size();
  if (!file_size) return fail(file_size.error());
  offset_index_.activate({});
  time_index_.activate({});
  max_timestamp_ = -1;
  offset_of_max_timestamp_ = -1;
  bytes_since_last_index_entry_ = 0;
  next_offset_ = base_offset_;
  int64_t expected = std::max(min_offset, base_offset_);

  std::vector<std::byte> batch;
  uint64_t position = 0;
  while (position + kRecordBatchHeaderSize <= *file_size) {
    std::byte frame[kLogOverhead];
    if (auto r = read_exact(**file, position, frame); !r) return fail(r.error());
    int32_t length = read_be<int32_t>(frame + field::batch_length);
    if (length < static_cast<int32_t>(kRecordBatchHeaderSize - kLogOverhead) ||
        position + kLogOverhead + static_cast<uint64_t>(length) > *file_size)
      break;
    batch.resize(kLogOverhead + static_cast<size_t>(length));
    if (auto r = read_exact(**file, position, batch); !r) return fail(r.error());
    auto header = protocol::validate_batch(batch);
    if (!header || header->base_offset < expected || header->last_offset() - base_offset_ > kMaxRelativeOffset) break;
    index_batch(*header, position, batch.size(), index_interval_bytes);
    position += batch.size();
    expected = header->last_offset() + 1;
  }
  if (position < *file_size && truncate_invalid) {
    if (auto r = (*file)->truncate(position); !r) return fail(r.error());
  }
  size_.store(position, std::memory_order_release);
  synced_size_.store(0);
  if (position > 0) {
    std::byte ts[8];
    if (auto r = read_exact(**file, field::max_timestamp, ts); !r) return fail(r.error());
    rolling_timestamp_ms_ = read_be<int64_t>(ts);
  }
  return *file_size - position;
}

Result<uint64_t> Segment::recover(int64_t min_offset, int32_t index_interval_bytes) {
  return rebuild(min_offset, index_interval_bytes, true);
}

Result<bool> Segment::load_indexes(bool active) {
  // O(1) sanity checks, as Kafka's: whole entries, and the last offset entry
  // points at a batch with that offset. find_batch() and read() also verify
  // every entry they use, so a damaged entry elsewhere only costs a scan.
  FileSystem& fs = files_.fs();
  std::vector<std::shared_ptr<File>> index_files;
  std::vector<uint64_t> sizes;
  for (const auto& path : {offset_index_.path(), time_index_.path()}) {
    if (!fs.exists(path)) return false;
    auto file = files_.open(path, OpenMode::read_write);
    if (!file) return fail(file.error());
    auto bytes = (*file)->size();
    if (!bytes) return fail(bytes.error());
    index_files.push_back(*file);
    sizes.push_back(*bytes);
  }
  if (sizes[0] % OffsetIndexEntry::kSize != 0 || sizes[1] % TimeIndexEntry::kSize != 0) return false;
  const size_t offset_count = sizes[0] / OffsetIndexEntry::kSize;
  const size_t time_count = sizes[1] / TimeIndexEntry::kSize;
  if (size() == 0) return offset_count == 0 && time_count == 0;

  auto log = log_file();
  if (!log) return fail(log.error());
  uint64_t scan_from = 0;
  if (offset_count > 0) {
    std::byte buf[OffsetIndexEntry::kSize];
    if (auto r = read_exact(*index_files[0], sizes[0] - sizeof buf, buf); !r) return fail(r.error());
    auto last = OffsetIndexEntry::decode(buf);
    auto loc = read_location(**log, last.position);
    if (!loc || loc->base_offset != base_offset_ + last.relative_offset) return false;
    scan_from = last.position;
  }
  next_offset_ = base_offset_;
  for (uint64_t position = scan_from; position < size();) {
    auto loc = read_location(**log, position);
    if (!loc) return false;  // a batch runs past the end of the file
    next_offset_ = loc->last_offset + 1;
    position += loc->size;
  }
  bytes_since_last_index_entry_ = size() - scan_from;
  if (time_count > 0) {
    std::byte buf[TimeIndexEntry::kSize];
    if (auto r = read_exact(*index_files[1], sizes[1] - sizeof buf, buf); !r) return fail(r.error());
    auto last = TimeIndexEntry::decode(buf);
    if (base_offset_ + int64_t{last.relative_offset} >= next_offset_) return false;
    max_timestamp_ = last.timestamp;
    offset_of_max_timestamp_ = base_offset_ + last.relative_offset;
  }
  std::byte ts[8];
  if (auto r = read_exact(**log, field::max_timestamp, ts); !r) return fail(r.error());
  rolling_timestamp_ms_ = read_be<int64_t>(ts);

  if (active) {
    auto offsets = SparseIndex<OffsetIndexEntry>::load(fs, offset_index_.path());
    auto times = SparseIndex<TimeIndexEntry>::load(fs, time_index_.path());
    if (!offsets || !times) return false;
    offset_index_.activate(std::move(*offsets));
    time_index_.activate(std::move(*times));
  } else {
    offset_index_.attach_sealed(offset_count);
    time_index_.attach_sealed(time_count);
  }
  return true;
}

Result<void> Segment::load(bool active, int32_t index_interval_bytes) {
  auto file = log_file();
  if (!file) return fail(file.error());
  auto file_size = (*file)->size();
  if (!file_size) return fail(file_size.error());
  size_.store(*file_size);
  synced_size_.store(*file_size);
  auto loaded = load_indexes(active);
  if (!loaded) return fail(loaded.error());
  if (*loaded) return {};
  auto cut = rebuild(base_offset_, index_interval_bytes, true);
  if (!cut) return fail(cut.error());
  return active ? Result<void>{} : seal();
}

bool Segment::entry_matches(const File& file, uint64_t position, uint32_t relative_offset) const {
  auto loc = read_location(file, position);
  return loc && loc->base_offset == base_offset_ + relative_offset;
}

Result<std::optional<BatchLocation>> Segment::find_batch(int64_t offset) const {
  if (offset >= next_offset_) return std::optional<BatchLocation>{};
  auto file = log_file();
  if (!file) return fail(file.error());
  uint64_t position = 0;
  if (offset > base_offset_) {
    auto entry = offset_index_.floor(static_cast<uint32_t>(offset - base_offset_),
                                     [](const OffsetIndexEntry& e) { return e.relative_offset; });
    if (!entry) return fail(entry.error());
    if (*entry && entry_matches(**file, (*entry)->position, (*entry)->relative_offset)) position = (*entry)->position;
  }
  const uint64_t end = size();
  while (position < end) {
    auto loc = read_location(**file, position);
    if (!loc) return fail(loc.error());
    if (loc->last_offset >= offset) return std::optional<BatchLocation>(*loc);
    position += loc->size;
  }
  return std::optional<BatchLocation>{};
}

Result<FileRange> Segment::read(uint64_t position, int64_t max_bytes, int64_t upper_bound) const {
  const uint64_t end = size();
  if (position >= end) return FileRange{};
  auto file = log_file();
  if (!file) return fail(file.error());
  auto first = read_location(**file, position);
  if (!first) return fail(first.error());
  if (first->last_offset >= upper_bound) return FileRange{};

  uint64_t bound = end;  // the start of the first batch not to return
  if (upper_bound < next_offset_) {
    auto stop = find_batch(upper_bound);
    if (!stop) return fail(stop.error());
    if (*stop) bound = (*stop)->position;
  }
  const uint64_t limit = std::min(bound, position + static_cast<uint64_t>(std::max<int64_t>(max_bytes, 0)));
  if (limit < position + first->size) return FileRange{*file, position, first->size};

  // The last whole batch ending at or before `limit`, scanning from the
  // closest indexed batch start.
  auto entry = offset_index_.floor(limit, [](const OffsetIndexEntry& e) { return uint64_t{e.position}; });
  if (!entry) return fail(entry.error());
  uint64_t stop = position + first->size;
  if (*entry && (*entry)->position > stop && entry_matches(**file, (*entry)->position, (*entry)->relative_offset))
    stop = (*entry)->position;
  while (stop < limit) {
    auto loc = read_location(**file, stop);
    if (!loc) return fail(loc.error());
    if (stop + loc->size > limit) break;
    stop += loc->size;
  }
  return FileRange{*file, position, stop - position};
}

Result<std::optional<TimestampAndOffset>> Segment::find_offset_by_timestamp(int64_t timestamp,
                                                                            int64_t min_offset) const {
  using Found = std::optional<TimestampAndOffset>;
  if (max_timestamp_ < timestamp) return Found{};
  int64_t start = std::max(min_offset, base_offset_);
  auto entry = time_index_.floor(timestamp, [](const TimeIndexEntry& e) { return e.timestamp; });
  if (!entry) return fail(entry.error());
  if (*entry) start = std::max(start, base_offset_ + int64_t{(*entry)->relative_offset});
  auto loc = find_batch(start);
  if (!loc) return fail(loc.error());
  if (!*loc) return Found{};
  auto file = log_file();
  if (!file) return fail(file.error());

  std::vector<std::byte> batch, scratch;
  uint64_t position = (*loc)->position;
  const uint64_t end = size();
  while (position < end) {
    std::byte head[kRecordBatchHeaderSize];
    if (auto r = read_exact(**file, position, head); !r) return fail(r.error());
    auto header = protocol::read_header(head);
    if (header.max_timestamp >= timestamp && header.last_offset() >= min_offset) {
      batch.resize(static_cast<size_t>(header.total_size()));
      if (auto r = read_exact(**file, position, batch); !r) return fail(r.error());
      auto records = protocol::read_batch_records(batch, scratch);
      if (!records) return fail(records.error());
      for (const auto& record : *records) {
        int64_t offset = header.base_offset + record.offset_delta;
        int64_t ts = header.timestamp_type() == protocol::TimestampType::log_append_time
                         ? header.max_timestamp
                         : header.base_timestamp + record.timestamp_delta;
        if (offset >= min_offset && ts >= timestamp) return Found(TimestampAndOffset{ts, offset});
      }
    }
    position += static_cast<uint64_t>(header.total_size());
  }
  return Found{};
}

Result<void> Segment::truncate_to(int64_t offset, int32_t index_interval_bytes) {
  auto loc = find_batch(offset);
  if (!loc) return fail(loc.error());
  auto file = log_file();
  if (!file) return fail(file.error());
  if (*loc) {
    if (auto r = (*file)->truncate((*loc)->position); !r) return r;
  }
  // Rare (followers after a leader change): rebuild the indexes from the log.
  auto cut = rebuild(base_offset_, index_interval_bytes, true);
  if (!cut) return fail(cut.error());
  return {};
}

Result<void> Segment::seal() {
  if (max_timestamp_ >= 0) {
    auto last_time = time_index_.last();
    if (!time_index_.sealed() && (!last_time || max_timestamp_ > last_time->timestamp))
      time_index_.append({max_timestamp_, static_cast<uint32_t>(offset_of_max_timestamp_ - base_offset_)});
  }
  if (auto r = offset_index_.seal(); !r) return r;
  return time_index_.seal();
}

Result<void> Segment::flush() {
  const uint64_t target = size();
  if (synced_size_.load(std::memory_order_acquire) >= target) return {};
  auto file = log_file();
  if (!file) return fail(file.error());
  if (auto r = (*file)->sync(); !r) return r;
  uint64_t prev = synced_size_.load();
  while (prev < target && !synced_size_.compare_exchange_weak(prev, target)) {
  }
  return {};
}

Result<void> Segment::remove_files() {
  files_.forget(log_path_);
  if (auto r = files_.fs().remove(log_path_); !r) return r;
  if (auto r = offset_index_.remove_file(); !r) return r;
  return time_index_.remove_file();
}

}  // namespace runnel::storage
