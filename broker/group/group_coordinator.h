#pragma once
// GroupCoordinator: consumer groups and their committed offsets (ARCHITECTURE
// §7, kafka-compat.md §4). Single node: this broker coordinates every group.
//
// - A group lives in partition abs(Java hashCode(group id)) % N of the
//   internal compacted topic __consumer_offsets (N = offsets.topic.num.partitions),
//   created at start. Commits and group metadata are records of that
//   partition in Kafka's layouts (protocol/offsets_topic.h).
// - OffsetsView (RocksDB) holds the latest value of every key with a
//   checkpoint; start() replays each partition's log from its checkpoint, or
//   rebuilds it from the log start when the log no longer reaches the
//   checkpoint. Records are applied to the view right after they are appended,
//   in log order; an OffsetCommit is answered once its records are durable.
// - Groups with members live in memory (ClassicGroup); an Empty group is
//   dropped from memory and read back from the view when it is used again, so
//   memory is bounded by active groups, not by all groups.
// - tick() (every 100 ms) expires sessions, ends join phases and persists
//   group metadata changes; expire_offsets() removes offsets of Empty groups
//   older than offsets.retention.minutes.
// All methods are thread-safe; callbacks and coroutines resume on the
// caller's executor.

#include <asio/awaitable.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/config.h"
#include "broker/controller.h"
#include "broker/group/classic_group.h"
#include "broker/group/offsets_view.h"
#include "broker/metadata_store.h"
#include "broker/replica_manager.h"
#include "protocol/error_code.h"

namespace runnel::broker::group {

inline constexpr const char* kOffsetsTopic = "__consumer_offsets";

// Java's String.hashCode of the UTF-16 code units of `s` (UTF-8 input).
int32_t java_string_hash(const std::string& s);
// The __consumer_offsets partition of a group: Kafka's
// Utils.abs(groupId.hashCode()) % partitions (Utils.abs(MIN_VALUE) = 0).
int32_t offsets_topic_partition(const std::string& group_id, int32_t partitions);

struct OffsetCommitEntry {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
};

struct CommittedOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;  // -1: none
  int32_t leader_epoch = -1;
  std::string metadata;
};

struct GroupSummary {
  std::string group_id;
  std::string protocol_type;
  GroupState state = GroupState::dead;
};

struct MemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::vector<std::byte> metadata;    // for the chosen protocol (Stable only)
  std::vector<std::byte> assignment;  // Stable only
};

struct GroupDescription {
  protocol::ErrorCode error = protocol::ErrorCode::none;
  std::string group_id;
  GroupState state = GroupState::dead;
  std::string protocol_type;
  std::string protocol;
  std::vector<MemberDescription> members;
};

class GroupCoordinator {
 public:
  GroupCoordinator(const BrokerConfig& config, MetadataStore& metadata, Controller& controller,
                   ReplicaManager& replicas);
  ~GroupCoordinator();

  // Creates __consumer_offsets if missing, opens the view and brings it up to
  // date with the log. A failure is a start-up failure.
  Result<void> start();

  int32_t partition_for(const std::string& group_id) const;

  asio::awaitable<JoinResult> join(const std::string& group_id, JoinRequest request);
  asio::awaitable<SyncResult> sync(const std::string& group_id, const std::string& member_id,
                                   const std::optional<std::string>& group_instance_id, int32_t generation,
                                   std::vector<std::pair<std::string, std::vector<std::byte>>> assignments);
  protocol::ErrorCode heartbeat(const std::string& group_id, const std::string& member_id,
                                const std::optional<std::string>& group_instance_id, int32_t generation);
  protocol::ErrorCode leave(const std::string& group_id, const std::string& member_id,
                            const std::optional<std::string>& group_instance_id);

  // One error per entry, in order; completes once the commit is durable.
  asio::awaitable<std::vector<protocol::ErrorCode>> commit_offsets(const std::string& group_id,
                                                                    const std::string& member_id,
                                                                    const std::optional<std::string>& group_instance_id,
                                                                    int32_t generation,
                                                                    const std::vector<OffsetCommitEntry>& entries);
  // The committed offsets of the listed partitions (offset -1 when none), or
  // of every partition the group has committed when `partitions` is nullopt.
  Result<std::vector<CommittedOffset>> fetch_offsets(
      const std::string& group_id, const std::optional<std::vector<std::pair<std::string, int32_t>>>& partitions);

  GroupDescription describe(const std::string& group_id);
  Result<std::vector<GroupSummary>> list_groups();
  // NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND or NONE.
  protocol::ErrorCode delete_group(const std::string& group_id);

  void tick();
  void expire_offsets();

 private:
  // The in-memory group, loaded from the view if needed; null if unknown and !create.
  ClassicGroup* find_group(const std::string& group_id, bool create);
  void after_change(ClassicGroup& group);
  Result<int64_t> append(int32_t p, std::vector<ViewRecord> records, bool flush);
  Result<void> load_partition(int32_t p);
  std::shared_ptr<Partition> offsets_partition(int32_t p);

  const BrokerConfig& config_;
  MetadataStore& metadata_;
  Controller& controller_;
  ReplicaManager& replicas_;
  std::unique_ptr<OffsetsView> view_;
  std::vector<std::shared_ptr<Partition>> partitions_;

  std::mutex mutex_;  // groups_
  std::map<std::string, ClassicGroup> groups_;
  std::mutex append_mutex_;  // log appends and view writes, in log order
};

}  // namespace runnel::broker::group
