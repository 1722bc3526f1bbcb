#include "storage/producer_snapshots.h"

#include <algorithm>
#include <vector>

#include "storage/segment.h"

namespace runnel::storage {
namespace {

// Snapshot offsets in `dir`, ascending.
Result<std::vector<int64_t>> snapshot_offsets(FileSystem& fs, const std::string& dir) {
  auto names = fs.list(dir);
  if (!names) return fail(names.error());
  std::vector<int64_t> offsets;
  for (const auto& name : *names)
    if (auto offset = producer_snapshot_offset(name)) offsets.push_back(*offset);
  std::sort(offsets.begin(), offsets.end());
  return offsets;
}

Result<void> remove_snapshot(FileSystem& fs, const std::string& dir, int64_t offset) {
  return fs.remove(dir + "/" + producer_snapshot_name(offset));
}

}  // namespace

std::string producer_snapshot_name(int64_t end_offset) {
  return Segment::file_name(end_offset, kProducerSnapshotSuffix);
}

std::optional<int64_t> producer_snapshot_offset(std::string_view name) {
  return Segment::offset_from_file_name(name, kProducerSnapshotSuffix);
}

Result<void> write_producer_snapshot(FileSystem& fs, const std::string& dir, const ProducerStateManager& state,
                                     int64_t end_offset) {
  const std::vector<std::byte> bytes = state.encode_snapshot(end_offset);
  if (auto r = write_file_atomically(fs, dir + "/" + producer_snapshot_name(end_offset), bytes, false); !r)
    return r;
  auto offsets = snapshot_offsets(fs, dir);
  if (!offsets) return fail(offsets.error());
  for (size_t i = 0; i + kProducerSnapshotsKept < offsets->size(); ++i)
    if (auto r = remove_snapshot(fs, dir, (*offsets)[i]); !r) return r;
  return {};
}

Result<std::optional<ProducerStateSnapshot>> load_producer_snapshot(FileSystem& fs, const std::string& dir,
                                                                    int64_t max_end_offset) {
  auto offsets = snapshot_offsets(fs, dir);
  if (!offsets) return fail(offsets.error());
  std::optional<ProducerStateSnapshot> found;
  for (auto it = offsets->rbegin(); it != offsets->rend(); ++it) {
    if (*it > max_end_offset || found) {
      if (*it > max_end_offset)
        if (auto r = remove_snapshot(fs, dir, *it); !r) return fail(r.error());
      continue;
    }
    auto bytes = read_file(fs, dir + "/" + producer_snapshot_name(*it));
    auto decoded = bytes ? ProducerStateManager::decode_snapshot(*bytes) : Result<ProducerStateSnapshot>(fail(bytes.error()));
    if (decoded && decoded->end_offset == *it) {
      found = std::move(*decoded);
      continue;
    }
    if (auto r = remove_snapshot(fs, dir, *it); !r) return fail(r.error());  // unreadable: the log rebuilds it
  }
  return found;
}

Result<void> remove_producer_snapshots_below(FileSystem& fs, const std::string& dir, int64_t offset) {
  auto offsets = snapshot_offsets(fs, dir);
  if (!offsets) return fail(offsets.error());
  for (int64_t o : *offsets)
    if (o < offset)
      if (auto r = remove_snapshot(fs, dir, o); !r) return r;
  return {};
}

}  // namespace runnel::storage
