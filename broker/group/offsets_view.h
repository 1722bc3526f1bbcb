#pragma once
// OffsetsView: the group coordinator's RocksDB view of __consumer_offsets,
// kept at <first log dir>/__consumer_offsets_view. It holds, per partition of
// the topic, the latest value of every key (committed offsets and group
// metadata, in Kafka's record layouts, protocol/offsets_topic.h) and a
// checkpoint: the log offset up to which the view reflects that partition,
// with the leader epoch it was written under.
//
// Keys (P = the __consumer_offsets partition, 4 bytes big-endian; strings as
// 2-byte big-endian length + bytes):
//   'c' P                              -> checkpoint: int64 next offset, int32 leader epoch
//   'o' P group topic int32-partition  -> OffsetCommitValue record value
//   'g' P group                        -> GroupMetadataValue record value
// A tombstone in the log deletes the key. The view is written after the
// records are appended to the log, atomically with the checkpoint, and not
// synced: the log is the source of truth and the view is rebuilt or replayed
// from it on start (see GroupCoordinator).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/offsets_topic.h"
#include "protocol/result.h"
#include "storage/meta_store.h"

namespace runnel::broker::group {

struct ViewCheckpoint {
  int64_t next_offset = 0;
  int32_t leader_epoch = -1;
};

// One record of __consumer_offsets as the view applies it.
struct ViewRecord {
  protocol::offsets_topic::RecordKey key;
  std::optional<std::vector<std::byte>> value;  // nullopt: tombstone
};

class OffsetsView {
 public:
  static Result<std::unique_ptr<OffsetsView>> open(const std::string& path);

  // The checkpoint of partition `p`; {0, -1} when none was written.
  Result<ViewCheckpoint> checkpoint(int32_t p) const;
  // Applies `records` of partition `p` and sets its checkpoint, atomically.
  Result<void> apply(int32_t p, std::span<const ViewRecord> records, ViewCheckpoint checkpoint);
  // Forgets everything about partition `p` (before a rebuild from its log).
  Result<void> clear(int32_t p);

  Result<std::optional<protocol::offsets_topic::OffsetCommitValue>> committed_offset(int32_t p,
                                                                                     const std::string& group,
                                                                                     const std::string& topic,
                                                                                     int32_t partition) const;
  // Every committed offset of `group`, in (topic, partition) order.
  Result<void> scan_offsets(
      int32_t p, const std::string& group,
      const std::function<void(const std::string& topic, int32_t partition,
                               const protocol::offsets_topic::OffsetCommitValue&)>& visit) const;
  // Whether `group` has any committed offset (reads only that group's keys).
  Result<bool> has_offsets(int32_t p, const std::string& group) const;
  Result<std::optional<protocol::offsets_topic::GroupMetadataValue>> group_metadata(int32_t p,
                                                                                    const std::string& group) const;
  // Every group the view knows of in partition `p`: those with metadata or
  // with committed offsets, each once, in name order.
  Result<std::vector<std::string>> groups(int32_t p) const;

 private:
  explicit OffsetsView(std::unique_ptr<storage::MetaStore> store) : store_(std::move(store)) {}
  std::unique_ptr<storage::MetaStore> store_;
};

}  // namespace runnel::broker::group
