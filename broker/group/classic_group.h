#pragma once
// ClassicGroup: one consumer group under Kafka's classic rebalance protocol
// (JoinGroup / SyncGroup / Heartbeat / LeaveGroup), as pure state: no clock,
// no I/O, no locking. The coordinator passes the time (`now_ms`, a steady
// clock) into every call, calls poll() when next_deadline_ms() passes, and
// serializes all calls. Parked requests are completed by calling their
// callbacks, which must not call back into the group.
//
// States (kafka-compat.md §4.1):
//   Empty --join--> PreparingRebalance --all rejoined / timeout--> CompletingRebalance
//   CompletingRebalance --leader's SyncGroup--> Stable
//   Stable / CompletingRebalance --join with new metadata, leave, expiry--> PreparingRebalance
//   PreparingRebalance --nobody rejoined--> Empty
//   any --delete--> Dead
// The join phase ends when every member (and no pending member) has sent
// JoinGroup, or at the deadline: the largest rebalance timeout of the members,
// or, for a group that was Empty, group.initial.rebalance.delay.ms, extended
// by the same delay while new members keep arriving, up to the rebalance
// timeout. Dynamic members that did not rejoin are removed; static members
// stay (their session still runs), and if only they are left the deadline
// moves on by another rebalance timeout. Each completed join phase
// increments the generation and picks the protocol by vote among those every
// member supports.
// Sessions: a member parked in JoinGroup or SyncGroup is not expired; its
// session restarts when it is answered. Members of a new generation that have
// not sent SyncGroup a rebalance timeout after the join phase ended are
// removed (Kafka's pending-sync expiry).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/group/group_config.h"
#include "protocol/error_code.h"

namespace runnel::broker::group {

enum class GroupState { empty, preparing_rebalance, completing_rebalance, stable, dead };

// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
std::string_view state_name(GroupState state);

struct MemberProtocol {
  std::string name;
  std::vector<std::byte> metadata;
  bool operator==(const MemberProtocol&) const = default;
};

struct JoinRequest {
  std::string member_id;  // empty on a first join
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<MemberProtocol> protocols;
  // JoinGroup v4+: a member without an id first gets one with MEMBER_ID_REQUIRED.
  bool require_known_member_id = false;
};

struct JoinResult {
  protocol::ErrorCode error = protocol::ErrorCode::none;
  int32_t generation = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::vector<std::byte> metadata;
  };
  std::vector<Member> members;  // the leader's response only
};
using JoinCallback = std::function<void(JoinResult)>;

struct SyncResult {
  protocol::ErrorCode error = protocol::ErrorCode::none;
  std::vector<std::byte> assignment;
};
using SyncCallback = std::function<void(SyncResult)>;

struct Member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::vector<MemberProtocol> protocols;
  std::vector<std::byte> assignment;
  int64_t session_deadline_ms = 0;
  JoinCallback awaiting_join;
  SyncCallback awaiting_sync;
  bool is_new = false;        // joined during the current join phase
  bool pending_sync = false;  // in the current generation, no SyncGroup yet

  // The member's metadata for `protocol`, empty if it does not support it.
  std::vector<std::byte> metadata_for(const std::string& protocol) const;
};

class ClassicGroup {
 public:
  ClassicGroup(std::string group_id, GroupConfig config);

  // Restores a group from its stored form: Empty if `members` is empty, else
  // Stable with every member's session starting at `now_ms`.
  static ClassicGroup restore(std::string group_id, GroupConfig config, std::string protocol_type, int32_t generation,
                              std::optional<std::string> protocol, std::optional<std::string> leader,
                              std::vector<Member> members, int64_t now_ms);

  void join(JoinRequest request, int64_t now_ms, JoinCallback done);
  void sync(const std::string& member_id, const std::optional<std::string>& group_instance_id, int32_t generation,
            const std::vector<std::pair<std::string, std::vector<std::byte>>>& assignments, int64_t now_ms,
            SyncCallback done);
  protocol::ErrorCode heartbeat(const std::string& member_id, const std::optional<std::string>& group_instance_id,
                                int32_t generation, int64_t now_ms);
  // LeaveGroup for one member: by member id, or (v3+) by instance id when given.
  protocol::ErrorCode leave(const std::string& member_id, const std::optional<std::string>& group_instance_id,
                            int64_t now_ms);
  // Whether an OffsetCommit from this member/generation may be stored.
  protocol::ErrorCode validate_offset_commit(const std::string& member_id,
                                             const std::optional<std::string>& group_instance_id,
                                             int32_t generation) const;

  // Expires sessions and pending members, ends the join phase at its deadline,
  // removes members that did not send SyncGroup in time.
  void poll(int64_t now_ms);
  // The earliest time poll() has work to do, or nullopt.
  std::optional<int64_t> next_deadline_ms() const;

  // Moves the group to Dead (DeleteGroups); parked requests get COORDINATOR_NOT_AVAILABLE.
  void mark_dead();

  const std::string& group_id() const { return group_id_; }
  GroupState state() const { return state_; }
  int32_t generation() const { return generation_; }
  const std::string& protocol_type() const { return protocol_type_; }
  const std::optional<std::string>& protocol_name() const { return protocol_name_; }
  const std::optional<std::string>& leader() const { return leader_; }
  const std::vector<Member>& members() const { return members_; }
  size_t pending_member_count() const { return pending_members_.size(); }

  // True once after each change the coordinator persists (a new generation
  // stored by the leader's SyncGroup, or the group becoming Empty).
  bool take_metadata_change();
  // When the group last changed state (for expiring offsets of Empty groups).
  int64_t state_changed_ms() const { return state_changed_ms_; }

 private:
  Member* find_member(const std::string& member_id);
  const Member* find_member(const std::string& member_id) const;
  Member* find_static_member(const std::string& group_instance_id);
  // FENCED_INSTANCE_ID when the instance id belongs to another member id.
  bool is_fenced(const std::string& member_id, const std::optional<std::string>& group_instance_id) const;
  bool supports_protocols(const std::string& protocol_type, const std::vector<MemberProtocol>& protocols) const;
  bool protocols_changed(const Member& member, const JoinRequest& request) const;
  // Kafka's form: "<group instance id or client id>-<UUID>".
  std::string new_member_id(const std::string& prefix);

  void add_member_and_rebalance(JoinRequest request, std::string member_id, int64_t now_ms, JoinCallback done);
  void replace_static_member(Member& member, JoinRequest request, int64_t now_ms, JoinCallback done);
  void update_member_and_rebalance(Member& member, JoinRequest request, int64_t now_ms, JoinCallback done);
  void prepare_rebalance(int64_t now_ms);
  void try_complete_join(int64_t now_ms);
  void complete_join(int64_t now_ms);
  void remove_member(const std::string& member_id, int64_t now_ms);
  void set_state(GroupState state, int64_t now_ms);
  std::string select_protocol() const;
  JoinResult join_result_for(const Member& member) const;
  void reset_assignments_and_fail_syncs(protocol::ErrorCode error, int64_t now_ms);
  int32_t max_rebalance_timeout_ms() const;

  std::string group_id_;
  GroupConfig config_;
  GroupState state_ = GroupState::empty;
  int64_t state_changed_ms_ = 0;
  int32_t generation_ = 0;
  std::string protocol_type_;
  std::optional<std::string> protocol_name_;
  std::optional<std::string> leader_;
  std::vector<Member> members_;  // in joining order
  std::map<std::string, int64_t> pending_members_;  // member id -> deadline (MEMBER_ID_REQUIRED given)
  int64_t join_deadline_ms_ = 0;
  int64_t sync_deadline_ms_ = 0;  // for members with pending_sync
  bool initial_delay_ = false;        // the join phase of a group that was Empty
  int64_t initial_delay_end_ms_ = 0;  // the latest the initial delay may extend to
  bool joined_during_delay_ = false;
  bool metadata_changed_ = false;
  uint64_t member_counter_ = 0;
};

}  // namespace runnel::broker::group
