#pragma once
// GroupCoordinator: consumer groups and their committed offsets (ARCHITECTURE
// §7, kafka-compat.md §4). Single node: this broker coordinates every group.
// ZooKeeper mode: it coordinates the groups of the __consumer_offsets partitions it leads
// (OffsetsOwnership; coordinator_leadership.cc).
//
// - A group lives in partition abs(Java hashCode(group id)) % N of the
//   internal compacted topic __consumer_offsets (N = offsets.topic.num.partitions),
//   created at start (single node, replication factor 1), or by the first FindCoordinator
//   through the Controller with offsets.topic.replication.factor (ZooKeeper mode). Commits and group metadata are records of that
//   partition in Kafka's layouts (protocol/offsets_topic.h).
// - OffsetsView (RocksDB) holds the latest value of every key with a
//   checkpoint; start() replays each partition's log from its checkpoint, or
//   rebuilds it from the log start when the log no longer reaches the
//   checkpoint. Records are applied to the view right after they are appended,
//   in log order; an OffsetCommit is answered once its records are durable and the
//   partition's high watermark passes them (offsets.commit.required.acks=-1), NOT_COORDINATOR
//   if leadership is lost meanwhile. Likewise a SyncGroup that completes a rebalance is
//   answered (every member's assignment) once the group metadata recording it is replicated;
//   other group metadata writes are not waited for.
// - ZooKeeper mode: becoming the leader of partition p loads it (replays its log from the
//   view's checkpoint, on the disk pool) while its groups answer COORDINATOR_LOAD_IN_PROGRESS;
//   becoming a follower drops its groups from memory. Groups of partitions this broker does
//   not lead answer NOT_COORDINATOR.
// - Groups with members live in memory (ClassicGroup); an Empty group is
//   dropped from memory and read back from the view when it is used again, so
//   memory is bounded by active groups, not by all groups.
// - tick() (every 100 ms) expires sessions, ends join phases and persists
//   group metadata changes; expire_offsets() removes offsets of Empty groups
//   older than offsets.retention.minutes.
// All methods are thread-safe; callbacks and coroutines resume on the
// caller's executor.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/strand.hpp>
#include <asio/thread_pool.hpp>
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
#include "broker/group/offsets_ownership.h"
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

  // ZooKeeper mode: follows the leadership of the __consumer_offsets partitions
  // (ReplicaManager::on_leadership_change), loading them on a strand of `pool`. Call once,
  // before start() and before the ReplicaManager applies any state.
  void follow_leadership(asio::thread_pool& pool);

  // Single node: creates __consumer_offsets if missing, opens the view and brings it up to
  // date with the log. ZooKeeper mode: opens the view only (the topic may not exist yet;
  // partitions load as this broker comes to lead them). A failure is a start-up failure.
  Result<void> start();

  int32_t partition_for(const std::string& group_id) const;
  // ZooKeeper mode: creates __consumer_offsets if it is missing (it cannot be while fewer than
  // offsets.topic.replication.factor brokers are registered: false, logged). A metadata store
  // write: never call it on an I/O thread.
  bool create_offsets_topic_if_missing();
  // ZooKeeper mode: the node id of the broker coordinating `group_id`, the leader of its
  // __consumer_offsets partition; nullopt when there is none now (COORDINATOR_NOT_AVAILABLE),
  // also while the topic is missing.
  std::optional<int32_t> coordinator_node(const std::string& group_id) const;
  // NONE when this broker coordinates `group_id` and its partition is loaded,
  // COORDINATOR_LOAD_IN_PROGRESS or NOT_COORDINATOR.
  protocol::ErrorCode check_coordinator(const std::string& group_id) const;

  asio::awaitable<JoinResult> join(const std::string& group_id, JoinRequest request);
  asio::awaitable<SyncResult> sync(const std::string& group_id, const std::string& member_id,
                                   const std::optional<std::string>& group_instance_id, int32_t generation,
                                   std::vector<std::pair<std::string, std::vector<std::byte>>> assignments);
  protocol::ErrorCode heartbeat(const std::string& group_id, const std::string& member_id,
                                const std::optional<std::string>& group_instance_id, int32_t generation);
  protocol::ErrorCode leave(const std::string& group_id, const std::string& member_id,
                            const std::optional<std::string>& group_instance_id);

  // One error per entry, in order; completes once the commit is durable and replicated.
  asio::awaitable<std::vector<protocol::ErrorCode>> commit_offsets(const std::string& group_id,
                                                                    const std::string& member_id,
                                                                    const std::optional<std::string>& group_instance_id,
                                                                    int32_t generation,
                                                                    const std::vector<OffsetCommitEntry>& entries);
  // The committed offsets of the listed partitions (offset -1 when none), or
  // of every partition the group has committed when `partitions` is nullopt. The caller checks
  // check_coordinator() first.
  Result<std::vector<CommittedOffset>> fetch_offsets(
      const std::string& group_id, const std::optional<std::vector<std::pair<std::string, int32_t>>>& partitions);

  GroupDescription describe(const std::string& group_id);
  // The groups of the partitions this broker leads (and has loaded).
  Result<std::vector<GroupSummary>> list_groups();
  // NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS or NONE.
  protocol::ErrorCode delete_group(const std::string& group_id);

  void tick();
  void expire_offsets();

 private:
  // The in-memory group, loaded from the view if needed; null if unknown and !create.
  ClassicGroup* find_group(const std::string& group_id, bool create);
  // Appends to partition p and applies the records to the view. NOT_COORDINATOR unless p is
  // loaded and led here; COORDINATOR_NOT_AVAILABLE when the append fails (logged).
  struct Appended {
    protocol::ErrorCode error = protocol::ErrorCode::none;
    std::shared_ptr<Partition> partition;
    int64_t next_offset = -1;
  };
  Appended append(int32_t p, std::vector<ViewRecord> records, bool flush);
  // Stores the group's metadata if it changed; what append() did, nullopt if nothing changed.
  std::optional<Appended> after_change(ClassicGroup& group);
  // SyncGroup: successful answers wait (in held_syncs_) for release_held(), which answers them
  // once the metadata stored by the same call is replicated (at once if nothing was stored;
  // with the store's error if it failed). Errors are answered at once. mutex_ held for both.
  SyncCallback hold_until_stored(SyncCallback done);
  void release_held(const std::optional<Appended>& stored, const asio::any_io_executor& executor);
  // Replays partition p's log into the view from its checkpoint (rebuilding it from the log
  // start when the checkpoint is not a prefix of the log). Blocking.
  Result<void> load_partition(int32_t p, Partition& partition);
  TopicOutcome create_offsets_topic(int16_t replication_factor);
  // coordinator_leadership.cc: the listener, and the loads and unloads it posts.
  void on_leadership_change(const std::shared_ptr<Partition>& partition, bool leader);
  void load_term(int32_t p, uint64_t term, const std::shared_ptr<Partition>& partition);
  // Drops the in-memory groups of partition p (parked requests fail).
  void drop_groups(int32_t p);

  const BrokerConfig& config_;
  MetadataStore& metadata_;
  Controller& controller_;
  ReplicaManager& replicas_;
  std::unique_ptr<OffsetsView> view_;
  OffsetsOwnership ownership_;
  // ZooKeeper mode: loads and unloads run here, one at a time, in the order of the changes.
  std::optional<asio::strand<asio::thread_pool::executor_type>> loader_;

  // Lock order: mutex_, then append_mutex_; OffsetsOwnership's lock is a leaf.
  std::mutex mutex_;  // groups_ (only groups of partitions loaded here)
  std::map<std::string, ClassicGroup> groups_;
  std::vector<std::pair<SyncCallback, SyncResult>> held_syncs_;  // see hold_until_stored
  std::mutex append_mutex_;  // log appends and view writes, in log order; loads start behind it
};

}  // namespace runnel::broker::group
