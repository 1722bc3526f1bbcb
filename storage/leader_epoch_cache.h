#pragma once
// LeaderEpochCache: which leader epoch began at which offset (KIP-101), kept
// in <partition dir>/leader-epoch-checkpoint, in Kafka's checkpoint format:
//   0            (version)
//   N            (count)
//   epoch start_offset   (N lines, epochs and offsets strictly increasing)
// The file is rewritten atomically (temp, fsync, rename) on every change.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "protocol/result.h"
#include "storage/file.h"

namespace runnel::storage {

struct EpochEntry {
  int32_t epoch;
  int64_t start_offset;
  bool operator==(const EpochEntry&) const = default;
};

class LeaderEpochCache {
 public:
  // Loads the checkpoint (missing file: empty cache).
  static Result<LeaderEpochCache> load(FileSystem& fs, std::string path);

  // Records that `epoch` starts at `start_offset` if `epoch` is newer than
  // the latest one (older or equal epochs are ignored).
  Result<void> assign(int32_t epoch, int64_t start_offset);
  // Removes entries starting at or after `end_offset` (log truncated).
  Result<void> truncate_from_end(int64_t end_offset);
  // Drops entries wholly below `start_offset`, moving the start of the one
  // that contains it up to `start_offset`.
  Result<void> truncate_from_start(int64_t start_offset);

  std::optional<EpochEntry> latest() const;
  // For OffsetForLeaderEpoch, Kafka's rules: the latest epoch ends at
  // `log_end_offset`; an older one gives the largest known epoch <= `epoch`
  // and the start of the next known epoch, or `epoch` itself and the first
  // epoch's start when older than every known one; nullopt (UNDEFINED) for
  // a negative epoch, an empty cache or an epoch newer than every known one.
  std::optional<EpochEntry> end_offset_for(int32_t epoch, int64_t log_end_offset) const;
  std::vector<EpochEntry> entries() const;

  LeaderEpochCache(LeaderEpochCache&& other) noexcept;
  LeaderEpochCache& operator=(LeaderEpochCache&& other) noexcept;

 private:
  LeaderEpochCache(FileSystem& fs, std::string path, std::vector<EpochEntry> entries);
  Result<void> persist_locked();

  FileSystem* fs_;
  std::string path_;
  mutable std::mutex mutex_;
  std::vector<EpochEntry> entries_;
};

}  // namespace runnel::storage
