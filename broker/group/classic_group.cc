#include "broker/group/classic_group.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <utility>

namespace runnel::broker::group {

using protocol::ErrorCode;

std::string_view state_name(GroupState state) {
  switch (state) {
    case GroupState::empty: return "Empty";
    case GroupState::preparing_rebalance: return "PreparingRebalance";
    case GroupState::completing_rebalance: return "CompletingRebalance";
    case GroupState::stable: return "Stable";
    case GroupState::dead: return "Dead";
  }
  return "Unknown";
}

std::vector<std::byte> Member::metadata_for(const std::string& protocol) const {
  for (const auto& p : protocols)
    if (p.name == protocol) return p.metadata;
  return {};
}

ClassicGroup::ClassicGroup(std::string group_id, GroupConfig config)
    : group_id_(std::move(group_id)), config_(config) {}

ClassicGroup ClassicGroup::restore(std::string group_id, GroupConfig config, std::string protocol_type,
                                   int32_t generation, std::optional<std::string> protocol,
                                   std::optional<std::string> leader, std::vector<Member> members, int64_t now_ms) {
  ClassicGroup group(std::move(group_id), config);
  group.protocol_type_ = std::move(protocol_type);
  group.generation_ = generation;
  group.protocol_name_ = std::move(protocol);
  group.leader_ = std::move(leader);
  group.members_ = std::move(members);
  for (auto& m : group.members_) m.session_deadline_ms = now_ms + m.session_timeout_ms;
  group.state_ = group.members_.empty() ? GroupState::empty : GroupState::stable;
  group.state_changed_ms_ = now_ms;
  if (group.members_.empty()) {
    group.protocol_name_.reset();
    group.leader_.reset();
  }
  return group;
}

Member* ClassicGroup::find_member(const std::string& member_id) {
  auto it = std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.member_id == member_id; });
  return it == members_.end() ? nullptr : &*it;
}

const Member* ClassicGroup::find_member(const std::string& member_id) const {
  return const_cast<ClassicGroup*>(this)->find_member(member_id);
}

Member* ClassicGroup::find_static_member(const std::string& group_instance_id) {
  auto it = std::find_if(members_.begin(), members_.end(),
                         [&](const Member& m) { return m.group_instance_id == group_instance_id; });
  return it == members_.end() ? nullptr : &*it;
}

bool ClassicGroup::is_fenced(const std::string& member_id, const std::optional<std::string>& group_instance_id) const {
  if (!group_instance_id) return false;
  auto it = std::find_if(members_.begin(), members_.end(),
                         [&](const Member& m) { return m.group_instance_id == group_instance_id; });
  return it != members_.end() && it->member_id != member_id;
}

bool ClassicGroup::supports_protocols(const std::string& protocol_type,
                                      const std::vector<MemberProtocol>& protocols) const {
  if (members_.empty()) return !protocol_type.empty() && !protocols.empty();
  if (protocol_type != protocol_type_) return false;
  // Some protocol of the request must be supported by every current member.
  return std::any_of(protocols.begin(), protocols.end(), [&](const MemberProtocol& candidate) {
    return std::all_of(members_.begin(), members_.end(), [&](const Member& m) {
      return std::any_of(m.protocols.begin(), m.protocols.end(),
                         [&](const MemberProtocol& p) { return p.name == candidate.name; });
    });
  });
}

bool ClassicGroup::protocols_changed(const Member& member, const JoinRequest& request) const {
  return member.protocols != request.protocols;
}

std::string ClassicGroup::new_member_id(const std::string& prefix) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const uint64_t high = random(), low = random();
  char uuid[40];
  std::snprintf(uuid, sizeof uuid, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(0x4000 | (high & 0x0fff)),
                static_cast<unsigned>(0x8000 | ((low >> 48) & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  ++member_counter_;
  return prefix + "-" + uuid;
}

void ClassicGroup::join(JoinRequest request, int64_t now_ms, JoinCallback done) {
  auto fail = [&](ErrorCode error) {
    JoinResult result;
    result.error = error;
    result.member_id = request.member_id;
    done(std::move(result));
  };
  if (state_ == GroupState::dead) return fail(ErrorCode::coordinator_not_available);
  if (request.session_timeout_ms < config_.min_session_timeout_ms ||
      request.session_timeout_ms > config_.max_session_timeout_ms)
    return fail(ErrorCode::invalid_session_timeout);
  if (!supports_protocols(request.protocol_type, request.protocols))
    return fail(ErrorCode::inconsistent_group_protocol);

  if (request.member_id.empty()) {
    if (request.group_instance_id) {
      if (Member* existing = find_static_member(*request.group_instance_id))
        return replace_static_member(*existing, std::move(request), now_ms, std::move(done));
    }
    if (static_cast<int64_t>(members_.size() + pending_members_.size()) >= config_.max_size)
      return fail(ErrorCode::group_max_size_reached);
    std::string member_id = new_member_id(request.group_instance_id.value_or(request.client_id));
    if (request.require_known_member_id && !request.group_instance_id) {
      pending_members_[member_id] = now_ms + request.session_timeout_ms;
      JoinResult result;
      result.error = ErrorCode::member_id_required;
      result.member_id = member_id;
      return done(std::move(result));
    }
    return add_member_and_rebalance(std::move(request), std::move(member_id), now_ms, std::move(done));
  }

  if (auto pending = pending_members_.find(request.member_id); pending != pending_members_.end()) {
    pending_members_.erase(pending);
    std::string member_id = request.member_id;
    return add_member_and_rebalance(std::move(request), std::move(member_id), now_ms, std::move(done));
  }
  if (is_fenced(request.member_id, request.group_instance_id)) return fail(ErrorCode::fenced_instance_id);
  Member* member = find_member(request.member_id);
  if (member == nullptr || state_ == GroupState::empty) return fail(ErrorCode::unknown_member_id);

  switch (state_) {
    case GroupState::preparing_rebalance:
      return update_member_and_rebalance(*member, std::move(request), now_ms, std::move(done));
    case GroupState::completing_rebalance:
      if (!protocols_changed(*member, request)) {
        member->session_deadline_ms = now_ms + member->session_timeout_ms;
        return done(join_result_for(*member));
      }
      return update_member_and_rebalance(*member, std::move(request), now_ms, std::move(done));
    case GroupState::stable:
      if (member->member_id != leader_ && !protocols_changed(*member, request)) {
        member->session_deadline_ms = now_ms + member->session_timeout_ms;
        return done(join_result_for(*member));
      }
      return update_member_and_rebalance(*member, std::move(request), now_ms, std::move(done));
    case GroupState::empty:
    case GroupState::dead:
      break;
  }
  fail(ErrorCode::unknown_member_id);
}

void ClassicGroup::add_member_and_rebalance(JoinRequest request, std::string member_id, int64_t now_ms,
                                            JoinCallback done) {
  if (members_.empty()) protocol_type_ = request.protocol_type;
  Member member;
  member.member_id = std::move(member_id);
  member.group_instance_id = std::move(request.group_instance_id);
  member.client_id = std::move(request.client_id);
  member.client_host = std::move(request.client_host);
  member.session_timeout_ms = request.session_timeout_ms;
  member.rebalance_timeout_ms = request.rebalance_timeout_ms;
  member.protocols = std::move(request.protocols);
  member.session_deadline_ms = now_ms + member.session_timeout_ms;
  member.awaiting_join = std::move(done);
  member.is_new = true;
  members_.push_back(std::move(member));
  if (initial_delay_) joined_during_delay_ = true;
  if (state_ == GroupState::preparing_rebalance) try_complete_join(now_ms);
  else prepare_rebalance(now_ms);
}

void ClassicGroup::replace_static_member(Member& member, JoinRequest request, int64_t now_ms, JoinCallback done) {
  // The instance restarted: the old member id is fenced, and its parked
  // requests are answered with FENCED_INSTANCE_ID.
  if (member.awaiting_join) {
    JoinResult fenced;
    fenced.error = ErrorCode::fenced_instance_id;
    fenced.member_id = member.member_id;
    std::exchange(member.awaiting_join, nullptr)(std::move(fenced));
  }
  if (member.awaiting_sync) std::exchange(member.awaiting_sync, nullptr)(SyncResult{ErrorCode::fenced_instance_id, {}});
  const std::string old_id = member.member_id;
  const std::optional<std::string> previous_leader = leader_;
  member.member_id = new_member_id(*member.group_instance_id);
  if (leader_ == old_id) leader_ = member.member_id;
  member.client_id = request.client_id;
  member.client_host = request.client_host;
  member.session_timeout_ms = request.session_timeout_ms;
  member.rebalance_timeout_ms = request.rebalance_timeout_ms;
  member.session_deadline_ms = now_ms + member.session_timeout_ms;
  switch (state_) {
    case GroupState::stable: {
      // As Kafka: no rebalance unless the group's protocol would change, even
      // if the metadata did. The member keeps its assignment and learns the
      // current generation; its SyncGroup gets the stored assignment.
      member.protocols = request.protocols;
      if (select_protocol() == protocol_name_) {
        metadata_changed_ = true;
        // JoinGroup v0-8 answer: the leader as it was before the restart and
        // no member list, so a restarted leader does not compute an assignment.
        JoinResult result = join_result_for(member);
        result.leader = previous_leader.value_or("");
        result.members.clear();
        return done(std::move(result));
      }
      return update_member_and_rebalance(member, std::move(request), now_ms, std::move(done));
    }
    case GroupState::completing_rebalance:
      // The new id was not part of the join phase: start again.
      return update_member_and_rebalance(member, std::move(request), now_ms, std::move(done));
    case GroupState::preparing_rebalance:
      return update_member_and_rebalance(member, std::move(request), now_ms, std::move(done));
    case GroupState::empty:
    case GroupState::dead:
      break;
  }
  JoinResult result;
  result.error = ErrorCode::unknown_member_id;
  done(std::move(result));
}

void ClassicGroup::update_member_and_rebalance(Member& member, JoinRequest request, int64_t now_ms,
                                               JoinCallback done) {
  member.protocols = std::move(request.protocols);
  member.session_timeout_ms = request.session_timeout_ms;
  member.rebalance_timeout_ms = request.rebalance_timeout_ms;
  member.session_deadline_ms = now_ms + member.session_timeout_ms;
  if (member.awaiting_join) {
    // A repeated JoinGroup replaces the parked one (the client gave up on it).
    JoinResult superseded;
    superseded.error = ErrorCode::rebalance_in_progress;
    superseded.member_id = member.member_id;
    std::exchange(member.awaiting_join, nullptr)(std::move(superseded));
  }
  member.awaiting_join = std::move(done);
  if (state_ == GroupState::preparing_rebalance) try_complete_join(now_ms);
  else prepare_rebalance(now_ms);
}

int32_t ClassicGroup::max_rebalance_timeout_ms() const {
  int32_t max = 0;
  for (const auto& m : members_) max = std::max(max, m.rebalance_timeout_ms);
  return max;
}

void ClassicGroup::reset_assignments_and_fail_syncs(ErrorCode error, int64_t now_ms) {
  for (auto& m : members_) {
    m.assignment.clear();
    if (!m.awaiting_sync) continue;
    m.session_deadline_ms = now_ms + m.session_timeout_ms;
    std::exchange(m.awaiting_sync, nullptr)(SyncResult{error, {}});
  }
}

void ClassicGroup::prepare_rebalance(int64_t now_ms) {
  if (state_ == GroupState::completing_rebalance)
    reset_assignments_and_fail_syncs(ErrorCode::rebalance_in_progress, now_ms);
  for (auto& m : members_) m.pending_sync = false;
  const bool was_empty = state_ == GroupState::empty;
  set_state(GroupState::preparing_rebalance, now_ms);
  const int32_t rebalance_timeout = max_rebalance_timeout_ms();
  if (was_empty && config_.initial_rebalance_delay_ms > 0) {
    initial_delay_ = true;
    joined_during_delay_ = false;
    // The whole delay even when the rebalance timeout is shorter (Kafka's
    // prepareRebalance); the timeout only bounds the extensions.
    initial_delay_end_ms_ = now_ms + std::max(rebalance_timeout, config_.initial_rebalance_delay_ms);
    join_deadline_ms_ = now_ms + config_.initial_rebalance_delay_ms;
  } else {
    initial_delay_ = false;
    join_deadline_ms_ = now_ms + rebalance_timeout;
    try_complete_join(now_ms);
  }
}

void ClassicGroup::try_complete_join(int64_t now_ms) {
  if (state_ != GroupState::preparing_rebalance || initial_delay_) return;
  const bool all_joined = pending_members_.empty() &&
                          std::all_of(members_.begin(), members_.end(),
                                      [](const Member& m) { return static_cast<bool>(m.awaiting_join); });
  if (all_joined) complete_join(now_ms);
}

void ClassicGroup::complete_join(int64_t now_ms) {
  initial_delay_ = false;
  // Dynamic members that did not rejoin in time leave the group; static
  // members stay until their session expires.
  std::erase_if(members_, [](const Member& m) { return !m.awaiting_join && !m.group_instance_id; });
  if (leader_ && find_member(*leader_) == nullptr) leader_.reset();
  // The leader must be a member that rejoined.
  if (!members_.empty() && (!leader_ || !find_member(*leader_)->awaiting_join)) {
    auto joined = std::find_if(members_.begin(), members_.end(),
                               [](const Member& m) { return static_cast<bool>(m.awaiting_join); });
    if (joined == members_.end()) {
      // Only static members that did not rejoin are left: wait another
      // rebalance timeout for them (or for their sessions to expire).
      join_deadline_ms_ = now_ms + max_rebalance_timeout_ms();
      return;
    }
    leader_ = joined->member_id;
  }
  ++generation_;
  if (members_.empty()) {
    protocol_name_.reset();
    leader_.reset();
    set_state(GroupState::empty, now_ms);
    metadata_changed_ = true;
    return;
  }
  protocol_name_ = select_protocol();
  set_state(GroupState::completing_rebalance, now_ms);
  sync_deadline_ms_ = now_ms + max_rebalance_timeout_ms();
  for (auto& m : members_) {
    m.is_new = false;
    m.pending_sync = true;
    m.session_deadline_ms = now_ms + m.session_timeout_ms;
    if (m.awaiting_join) std::exchange(m.awaiting_join, nullptr)(join_result_for(m));
  }
}

std::string ClassicGroup::select_protocol() const {
  // Candidates: the protocols every member supports. Each member votes for
  // its most preferred candidate; ties go to the earlier joiner's preference.
  std::vector<std::string> candidates;
  for (const auto& p : members_.front().protocols) {
    const bool everyone = std::all_of(members_.begin(), members_.end(), [&](const Member& m) {
      return std::any_of(m.protocols.begin(), m.protocols.end(), [&](const MemberProtocol& q) { return q.name == p.name; });
    });
    if (everyone) candidates.push_back(p.name);
  }
  std::map<std::string, int> votes;
  std::vector<std::string> first_vote_order;
  for (const auto& m : members_) {
    for (const auto& p : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), p.name) == candidates.end()) continue;
      if (votes[p.name]++ == 0) first_vote_order.push_back(p.name);
      break;
    }
  }
  std::string best;
  int best_votes = -1;
  for (const auto& name : first_vote_order) {
    if (votes[name] > best_votes) {
      best = name;
      best_votes = votes[name];
    }
  }
  return best;
}

JoinResult ClassicGroup::join_result_for(const Member& member) const {
  JoinResult result;
  result.generation = generation_;
  result.protocol_name = protocol_name_.value_or("");
  result.leader = leader_.value_or("");
  result.member_id = member.member_id;
  if (leader_ == member.member_id) {
    for (const auto& m : members_)
      result.members.push_back({m.member_id, m.group_instance_id, m.metadata_for(result.protocol_name)});
  }
  return result;
}

void ClassicGroup::sync(const std::string& member_id, const std::optional<std::string>& group_instance_id,
                        int32_t generation,
                        const std::vector<std::pair<std::string, std::vector<std::byte>>>& assignments,
                        int64_t now_ms, SyncCallback done) {
  if (state_ == GroupState::dead) return done({ErrorCode::coordinator_not_available, {}});
  if (is_fenced(member_id, group_instance_id)) return done({ErrorCode::fenced_instance_id, {}});
  Member* member = find_member(member_id);
  if (member == nullptr || state_ == GroupState::empty) return done({ErrorCode::unknown_member_id, {}});
  if (generation != generation_) return done({ErrorCode::illegal_generation, {}});
  member->session_deadline_ms = now_ms + member->session_timeout_ms;
  switch (state_) {
    case GroupState::preparing_rebalance:
      return done({ErrorCode::rebalance_in_progress, {}});
    case GroupState::stable:
      member->pending_sync = false;
      return done({ErrorCode::none, member->assignment});
    case GroupState::completing_rebalance: {
      member->pending_sync = false;
      if (member->awaiting_sync) std::exchange(member->awaiting_sync, nullptr)({ErrorCode::rebalance_in_progress, {}});
      member->awaiting_sync = std::move(done);
      if (member_id != leader_) return;
      for (auto& m : members_) m.assignment.clear();
      for (const auto& [id, assignment] : assignments)
        if (Member* target = find_member(id)) target->assignment = assignment;
      set_state(GroupState::stable, now_ms);
      metadata_changed_ = true;
      for (auto& m : members_) {
        if (!m.awaiting_sync) continue;
        m.session_deadline_ms = now_ms + m.session_timeout_ms;
        std::exchange(m.awaiting_sync, nullptr)({ErrorCode::none, m.assignment});
      }
      return;
    }
    case GroupState::empty:
    case GroupState::dead:
      break;
  }
  done({ErrorCode::unknown_member_id, {}});
}

ErrorCode ClassicGroup::heartbeat(const std::string& member_id, const std::optional<std::string>& group_instance_id,
                                  int32_t generation, int64_t now_ms) {
  if (state_ == GroupState::dead) return ErrorCode::coordinator_not_available;
  if (is_fenced(member_id, group_instance_id)) return ErrorCode::fenced_instance_id;
  Member* member = find_member(member_id);
  if (member == nullptr || state_ == GroupState::empty) return ErrorCode::unknown_member_id;
  if (generation != generation_) return ErrorCode::illegal_generation;
  member->session_deadline_ms = now_ms + member->session_timeout_ms;
  return state_ == GroupState::preparing_rebalance ? ErrorCode::rebalance_in_progress : ErrorCode::none;
}

ErrorCode ClassicGroup::leave(const std::string& member_id, const std::optional<std::string>& group_instance_id,
                              int64_t now_ms) {
  if (state_ == GroupState::dead) return ErrorCode::coordinator_not_available;
  std::string id = member_id;
  if (group_instance_id) {
    Member* member = find_static_member(*group_instance_id);
    if (member == nullptr) return ErrorCode::unknown_member_id;
    if (!member_id.empty() && member->member_id != member_id) return ErrorCode::fenced_instance_id;
    id = member->member_id;
  }
  if (pending_members_.erase(id) > 0) {
    try_complete_join(now_ms);
    return ErrorCode::none;
  }
  if (find_member(id) == nullptr) return ErrorCode::unknown_member_id;
  remove_member(id, now_ms);
  return ErrorCode::none;
}

void ClassicGroup::remove_member(const std::string& member_id, int64_t now_ms) {
  auto it = std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.member_id == member_id; });
  if (it == members_.end()) return;
  if (it->awaiting_join) {
    // An empty member id, as Kafka: the client joins again as a new member.
    JoinResult gone;
    gone.error = ErrorCode::unknown_member_id;
    std::exchange(it->awaiting_join, nullptr)(std::move(gone));
  }
  if (it->awaiting_sync) std::exchange(it->awaiting_sync, nullptr)({ErrorCode::unknown_member_id, {}});
  members_.erase(it);
  if (leader_ == member_id) leader_ = members_.empty() ? std::nullopt : std::optional(members_.front().member_id);
  switch (state_) {
    case GroupState::stable:
    case GroupState::completing_rebalance:
      prepare_rebalance(now_ms);
      break;
    case GroupState::preparing_rebalance:
      try_complete_join(now_ms);
      break;
    case GroupState::empty:
    case GroupState::dead:
      break;
  }
}

ErrorCode ClassicGroup::validate_offset_commit(const std::string& member_id,
                                               const std::optional<std::string>& group_instance_id,
                                               int32_t generation) const {
  if (state_ == GroupState::dead) return ErrorCode::coordinator_not_available;
  // Consumers that assign partitions themselves (and admin tools) commit
  // with generation -1 to a group without members.
  if (generation < 0 && state_ == GroupState::empty) return ErrorCode::none;
  if (is_fenced(member_id, group_instance_id)) return ErrorCode::fenced_instance_id;
  // A generation needs a member (an Empty group has none): UNKNOWN_MEMBER_ID.
  // ILLEGAL_GENERATION for a group that does not exist is the coordinator's answer.
  if (find_member(member_id) == nullptr) return ErrorCode::unknown_member_id;
  if (generation != generation_) return ErrorCode::illegal_generation;
  if (state_ == GroupState::completing_rebalance) return ErrorCode::rebalance_in_progress;
  return ErrorCode::none;
}

void ClassicGroup::poll(int64_t now_ms) {
  if (state_ == GroupState::dead) return;
  for (auto it = pending_members_.begin(); it != pending_members_.end();) {
    if (it->second <= now_ms) it = pending_members_.erase(it);
    else ++it;
  }
  // A member parked in JoinGroup or SyncGroup is kept alive by its request;
  // the join phase's deadline and the sync deadline bound those waits.
  std::vector<std::string> expired;
  for (const auto& m : members_)
    if (m.session_deadline_ms <= now_ms && !m.awaiting_join && !m.awaiting_sync) expired.push_back(m.member_id);
  for (const auto& id : expired) remove_member(id, now_ms);
  if ((state_ == GroupState::completing_rebalance || state_ == GroupState::stable) && sync_deadline_ms_ <= now_ms) {
    std::vector<std::string> unsynced;
    for (const auto& m : members_)
      if (m.pending_sync) unsynced.push_back(m.member_id);
    for (const auto& id : unsynced) remove_member(id, now_ms);
  }

  if (state_ == GroupState::preparing_rebalance && join_deadline_ms_ <= now_ms) {
    if (initial_delay_ && joined_during_delay_ && now_ms < initial_delay_end_ms_) {
      joined_during_delay_ = false;
      join_deadline_ms_ = std::min<int64_t>(now_ms + config_.initial_rebalance_delay_ms, initial_delay_end_ms_);
    } else {
      complete_join(now_ms);
    }
  } else {
    try_complete_join(now_ms);
  }
}

std::optional<int64_t> ClassicGroup::next_deadline_ms() const {
  if (state_ == GroupState::dead) return std::nullopt;
  std::optional<int64_t> next;
  auto consider = [&](int64_t t) { next = next ? std::min(*next, t) : t; };
  for (const auto& [id, deadline] : pending_members_) consider(deadline);
  bool unsynced = false;
  for (const auto& m : members_) {
    if (!m.awaiting_join && !m.awaiting_sync) consider(m.session_deadline_ms);
    unsynced = unsynced || m.pending_sync;
  }
  if (state_ == GroupState::preparing_rebalance) consider(join_deadline_ms_);
  if (unsynced && (state_ == GroupState::completing_rebalance || state_ == GroupState::stable))
    consider(sync_deadline_ms_);
  return next;
}

void ClassicGroup::mark_dead() {
  for (auto& m : members_) {
    if (m.awaiting_join) {
      JoinResult dead;
      dead.error = ErrorCode::coordinator_not_available;
      dead.member_id = m.member_id;
      std::exchange(m.awaiting_join, nullptr)(std::move(dead));
    }
    if (m.awaiting_sync) std::exchange(m.awaiting_sync, nullptr)({ErrorCode::coordinator_not_available, {}});
  }
  members_.clear();
  pending_members_.clear();
  state_ = GroupState::dead;
}

bool ClassicGroup::take_metadata_change() { return std::exchange(metadata_changed_, false); }

void ClassicGroup::set_state(GroupState state, int64_t now_ms) {
  state_ = state;
  state_changed_ms_ = now_ms;
}

}  // namespace runnel::broker::group
