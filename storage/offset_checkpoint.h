#pragma once
// Per-log-dir offset checkpoints (recovery-point-offset-checkpoint,
// log-start-offset-checkpoint, cleaner-offset-checkpoint,
// replication-offset-checkpoint), Kafka's text
// format:
//   0                          (version)
//   N                          (count)
//   <topic> <partition> <offset>   (N lines)
// Written atomically: temp file, fsync, rename, fsync of the directory.

#include <cstdint>
#include <map>
#include <string>

#include "protocol/result.h"
#include "storage/file.h"
#include "storage/topic_partition.h"

namespace runnel::storage {

using OffsetMap = std::map<TopicPartition, int64_t>;

inline constexpr const char* kRecoveryPointCheckpoint = "recovery-point-offset-checkpoint";
inline constexpr const char* kLogStartOffsetCheckpoint = "log-start-offset-checkpoint";
inline constexpr const char* kCleanerOffsetCheckpoint = "cleaner-offset-checkpoint";
inline constexpr const char* kReplicationOffsetCheckpoint = "replication-offset-checkpoint";

// A missing file reads as empty; a malformed one is Errc::bad_checkpoint.
Result<OffsetMap> read_offset_checkpoint(FileSystem& fs, const std::string& path);
Result<void> write_offset_checkpoint(FileSystem& fs, const std::string& path, const OffsetMap& offsets);

}  // namespace runnel::storage
