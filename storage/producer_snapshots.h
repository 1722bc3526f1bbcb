#pragma once
// Producer-state snapshot files of a partition directory: one file per
// snapshot, named after the offset it covers up to (exclusive), as Kafka's
// <20-digit offset>.snapshot; contents as storage/producer_state.h says.
// Written at segment roll and clean close (temp file, fsync, rename; the
// directory is synced with the log's next flush), so recovery replays at most
// the log after the newest durable one.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/result.h"
#include "storage/file.h"
#include "storage/producer_state.h"

namespace runnel::storage {

inline constexpr const char* kProducerSnapshotSuffix = ".snapshot";
// Snapshots kept after a new one is written (the newest ones).
inline constexpr size_t kProducerSnapshotsKept = 2;

std::string producer_snapshot_name(int64_t end_offset);
// The offset of a snapshot file name, nullopt if `name` is not one.
std::optional<int64_t> producer_snapshot_offset(std::string_view name);

// Writes the snapshot of `state` covering offsets below `end_offset`, then
// deletes all but the newest kProducerSnapshotsKept snapshots. The directory
// is not synced: the caller does that with its next flush, so a snapshot's
// name becomes durable only with the log data it describes (a crash before
// that loses the snapshot, and recovery replays from an older one).
Result<void> write_producer_snapshot(FileSystem& fs, const std::string& dir, const ProducerStateManager& state,
                                     int64_t end_offset);

// The newest snapshot covering at most `max_end_offset`; snapshots past it
// (a truncated log) and unreadable ones are deleted. nullopt if none is left.
Result<std::optional<ProducerStateSnapshot>> load_producer_snapshot(FileSystem& fs, const std::string& dir,
                                                                    int64_t max_end_offset);

// Deletes the snapshots whose offset is below `offset` (the log start moved).
Result<void> remove_producer_snapshots_below(FileSystem& fs, const std::string& dir, int64_t offset);

}  // namespace runnel::storage
