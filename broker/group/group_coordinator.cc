#include "broker/group/group_coordinator.h"

#include <asio/async_result.hpp>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <algorithm>
#include <chrono>
#include <variant>

#include "broker/logging.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"

namespace runnel::broker::group {

using protocol::ErrorCode;
namespace offsets_topic = protocol::offsets_topic;

namespace {

// Kafka's offsets.commit.timeout.ms: how long a commit waits to be replicated.
constexpr int64_t kOffsetsCommitTimeoutMs = 5000;

// What a write of __consumer_offsets that did not reach the high watermark answers, as Kafka:
// a lost leadership is NOT_COORDINATOR, a timeout COORDINATOR_NOT_AVAILABLE.
ErrorCode replication_error(ErrorCode error) {
  if (error == ErrorCode::none) return error;
  return error == ErrorCode::not_leader_or_follower ? ErrorCode::not_coordinator : ErrorCode::coordinator_not_available;
}

// Answers held SyncGroup requests once the group metadata below `offset` is replicated.
asio::awaitable<void> answer_when_replicated(std::shared_ptr<Partition> partition, int64_t offset,
                                             std::vector<std::pair<SyncCallback, SyncResult>> held) {
  const ErrorCode error = replication_error(co_await partition->wait_high_watermark(offset, kOffsetsCommitTimeoutMs));
  for (auto& [done, result] : held) {
    if (error != ErrorCode::none) result = SyncResult{error, {}};
    done(std::move(result));
  }
}

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

offsets_topic::GroupMetadataValue stored_form(const ClassicGroup& group) {
  offsets_topic::GroupMetadataValue value;
  value.protocol_type = group.protocol_type();
  value.generation = group.generation();
  value.protocol = group.protocol_name();
  value.leader = group.leader();
  value.current_state_timestamp = wall_now_ms();
  for (const auto& m : group.members()) {
    value.members.push_back({m.member_id, m.group_instance_id, m.client_id, m.client_host, m.rebalance_timeout_ms,
                             m.session_timeout_ms, m.metadata_for(group.protocol_name().value_or("")),
                             m.assignment});
  }
  return value;
}

ClassicGroup restore_group(const std::string& group_id, const GroupConfig& config,
                           const offsets_topic::GroupMetadataValue& value) {
  std::vector<Member> members;
  for (const auto& m : value.members) {
    Member member;
    member.member_id = m.member_id;
    member.group_instance_id = m.group_instance_id;
    member.client_id = m.client_id;
    member.client_host = m.client_host;
    member.session_timeout_ms = m.session_timeout_ms;
    member.rebalance_timeout_ms = m.rebalance_timeout_ms;
    member.protocols.push_back({value.protocol.value_or(""), m.subscription});
    member.assignment = m.assignment;
    members.push_back(std::move(member));
  }
  return ClassicGroup::restore(group_id, config, value.protocol_type, value.generation, value.protocol, value.leader,
                               std::move(members), steady_now_ms());
}

// Completes an asio handler from a plain callback: posts the result to the
// handler's executor, so group code never runs the continuation inline.
template <typename Result, typename Handler>
std::function<void(Result)> post_to(Handler handler) {
  auto executor = asio::get_associated_executor(handler);
  auto shared = std::make_shared<Handler>(std::move(handler));
  return [shared, executor](Result result) {
    asio::post(executor, [shared, result = std::move(result)]() mutable { (*shared)(std::move(result)); });
  };
}

}  // namespace

int32_t java_string_hash(const std::string& s) {
  uint32_t h = 0;
  auto add = [&](uint32_t unit) { h = 31 * h + unit; };
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0xFFFD;
    size_t n = 1;
    if (c < 0x80) cp = c;
    else if ((c >> 5) == 0x6 && i + 1 < s.size()) cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F), n = 2;
    else if ((c >> 4) == 0xE && i + 2 < s.size())
      cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F), n = 3;
    else if ((c >> 3) == 0x1E && i + 3 < s.size())
      cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F), n = 4;
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      add(0xD800 + (cp >> 10));
      add(0xDC00 + (cp & 0x3FF));
    } else {
      add(cp);
    }
  }
  return static_cast<int32_t>(h);
}

GroupCoordinator::GroupCoordinator(const BrokerConfig& config, MetadataStore& metadata, Controller& controller,
                                   ReplicaManager& replicas)
    : config_(config),
      metadata_(metadata),
      controller_(controller),
      replicas_(replicas),
      ownership_(config.offsets_topic_num_partitions) {}

GroupCoordinator::~GroupCoordinator() {
  std::lock_guard lock(mutex_);
  for (auto& [id, group] : groups_) group.mark_dead();
}

int32_t offsets_topic_partition(const std::string& group_id, int32_t partitions) {
  const int32_t hash = java_string_hash(group_id);
  const int32_t abs = hash == INT32_MIN ? 0 : (hash < 0 ? -hash : hash);
  return abs % partitions;
}

int32_t GroupCoordinator::partition_for(const std::string& group_id) const {
  return offsets_topic_partition(group_id, config_.offsets_topic_num_partitions);
}

TopicOutcome GroupCoordinator::create_offsets_topic(int16_t replication_factor) {
  TopicConfigs configs{{"cleanup.policy", "compact"},
                       {"segment.bytes", std::to_string(config_.offsets_topic_segment_bytes)},
                       {"compression.type", "producer"}};
  return controller_.create_topic(kOffsetsTopic, config_.offsets_topic_num_partitions, replication_factor, configs,
                                  false);
}

Result<void> GroupCoordinator::start() {
  auto view = OffsetsView::open(config_.log_dirs.front() + "/__consumer_offsets_view");
  if (!view) return fail(view.error());
  view_ = std::move(*view);
  if (!config_.zookeeper_connect.empty()) return {};  // partitions load as this broker comes to lead them
  auto topic = metadata_.topic(kOffsetsTopic);
  if (!topic) {
    auto outcome = create_offsets_topic(1);  // capped at the one broker available
    if (outcome.error != ErrorCode::none)
      throw std::runtime_error(std::string("cannot create ") + kOffsetsTopic + ": " + outcome.message);
    topic = outcome.topic;
  }
  if (topic->partitions != config_.offsets_topic_num_partitions)
    throw std::runtime_error(std::string(kOffsetsTopic) + " has " + std::to_string(topic->partitions) +
                             " partitions but offsets.topic.num.partitions is " +
                             std::to_string(config_.offsets_topic_num_partitions));
  for (int32_t p = 0; p < topic->partitions; ++p) {
    auto partition = replicas_.partition(*topic, p);
    if (!partition) return fail(partition.error());
    const uint64_t term = ownership_.begin_term(p, *partition, true);
    if (auto r = load_partition(p, **partition); !r) return r;
    ownership_.finish_loading(p, term);
  }
  return {};
}

Result<void> GroupCoordinator::load_partition(int32_t p, Partition& partition) {
  storage::Log& log = partition.log();
  auto checkpoint = view_->checkpoint(p);
  if (!checkpoint) return fail(checkpoint.error());
  int64_t offset = checkpoint->next_offset;
  // The view may hold records of a tail this replica later truncated (written while it led at
  // the checkpoint's epoch, then replaced by another leader's): the log's epoch that ends before
  // the checkpoint tells.
  const auto epoch_end = checkpoint->leader_epoch == -1
                             ? std::nullopt
                             : log.leader_epochs().end_offset_for(checkpoint->leader_epoch, log.log_end_offset());
  if (offset > log.log_end_offset() || offset < log.log_start_offset() ||
      (checkpoint->leader_epoch != -1 && checkpoint->leader_epoch > partition.leader_epoch()) ||
      (epoch_end && epoch_end->start_offset < offset)) {
    log_info("group", std::string("rebuilding the offsets view of ") + kOffsetsTopic + "-" + std::to_string(p) +
                          " from its log (checkpoint " + std::to_string(offset) + ", log " +
                          std::to_string(log.log_start_offset()) + ".." + std::to_string(log.log_end_offset()) + ")");
    if (auto r = view_->clear(p); !r) return r;
    offset = log.log_start_offset();
  }
  const int64_t end = log.log_end_offset();
  std::vector<std::byte> scratch;
  while (offset < end) {
    auto range = log.read(offset, 1 << 20, end);
    if (!range) return fail(range.error());
    if (range->empty()) break;
    auto bytes = range->read_all();
    if (!bytes) return fail(bytes.error());
    std::vector<ViewRecord> records;
    std::span<const std::byte> rest(*bytes);
    int64_t next = offset;
    while (auto batch = protocol::next_batch(rest)) {
      auto header = protocol::read_checked_header(*batch);
      if (!header) return fail(header.error());  // recovery validated the log
      next = header->last_offset() + 1;
      if (header->is_control()) continue;
      auto decoded = protocol::read_batch_records(*batch, scratch);
      if (!decoded) return fail(decoded.error());
      for (const auto& record : *decoded) {
        if (!record.key) continue;
        auto key = offsets_topic::decode_key(*record.key);
        if (!key) continue;  // a record of a kind this broker does not keep
        std::optional<std::vector<std::byte>> value;
        if (record.value) value.emplace(record.value->begin(), record.value->end());
        records.push_back({std::move(*key), std::move(value)});
      }
    }
    if (next == offset) break;
    if (auto r = view_->apply(p, records, {next, partition.leader_epoch()}); !r) return r;
    offset = next;
  }
  return {};
}

GroupCoordinator::Appended GroupCoordinator::append(int32_t p, std::vector<ViewRecord> records, bool flush) {
  std::vector<protocol::RecordInput> inputs;
  const int64_t now = wall_now_ms();
  for (const auto& record : records) {
    protocol::RecordInput input;
    input.key = std::visit([](const auto& key) { return offsets_topic::encode_key(key); }, record.key);
    input.value = record.value;
    input.timestamp = now;
    inputs.push_back(std::move(input));
  }
  auto failed = [&](const std::error_code& error) {
    log_warn("group", std::string("appending to ") + kOffsetsTopic + "-" + std::to_string(p) +
                          " failed: " + error.message());
    return Appended{ErrorCode::coordinator_not_available, nullptr, -1};
  };
  auto batch = protocol::build_record_batch(inputs, protocol::BatchOptions{});
  if (!batch) return failed(batch.error());
  std::lock_guard lock(append_mutex_);
  auto partition = ownership_.loaded(p);
  if (!partition) return {ErrorCode::not_coordinator, nullptr, -1};
  auto info = partition->append(*batch, now);
  if (!info) return failed(info.error());
  const int64_t next = info->last_offset + 1;
  if (auto r = view_->apply(p, records, {next, partition->leader_epoch()}); !r) return failed(r.error());
  if (flush) partition->flush_in_background();
  return {ErrorCode::none, std::move(partition), next};
}

ErrorCode GroupCoordinator::check_coordinator(const std::string& group_id) const {
  return ownership_.check(partition_for(group_id));
}

ClassicGroup* GroupCoordinator::find_group(const std::string& group_id, bool create) {
  if (auto it = groups_.find(group_id); it != groups_.end()) return &it->second;
  auto stored = view_->group_metadata(partition_for(group_id), group_id);
  if (stored && *stored) {
    auto [it, inserted] = groups_.emplace(group_id, restore_group(group_id, config_.group, **stored));
    return &it->second;
  }
  if (!create) return nullptr;
  auto [it, inserted] = groups_.emplace(group_id, ClassicGroup(group_id, config_.group));
  return &it->second;
}

std::optional<GroupCoordinator::Appended> GroupCoordinator::after_change(ClassicGroup& group) {
  if (!group.take_metadata_change()) return std::nullopt;
  std::vector<ViewRecord> records;
  records.push_back({offsets_topic::GroupMetadataKey{group.group_id()},
                     offsets_topic::encode_value(stored_form(group))});
  // A failure is logged by append(); NOT_COORDINATOR: the new coordinator takes over.
  return append(partition_for(group.group_id()), std::move(records), true);
}

SyncCallback GroupCoordinator::hold_until_stored(SyncCallback done) {
  return [this, done = std::move(done)](SyncResult result) mutable {
    if (result.error != ErrorCode::none) return done(std::move(result));
    held_syncs_.emplace_back(std::move(done), std::move(result));  // mutex_ held: groups are called under it
  };
}

void GroupCoordinator::release_held(const std::optional<Appended>& stored, const asio::any_io_executor& executor) {
  auto held = std::exchange(held_syncs_, {});
  if (held.empty()) return;
  if (stored && stored->error == ErrorCode::none) {
    asio::co_spawn(executor, answer_when_replicated(stored->partition, stored->next_offset, std::move(held)),
                   [](std::exception_ptr e) {
                     if (e) log_error("group", "answering SyncGroup failed unexpectedly");
                   });
    return;
  }
  // Nothing new to store (the assignment is already in the stored metadata), or the store failed.
  for (auto& [done, result] : held) {
    if (stored) result = SyncResult{stored->error, {}};
    done(std::move(result));
  }
}

asio::awaitable<JoinResult> GroupCoordinator::join(const std::string& group_id, JoinRequest request) {
  auto initiation = [this, &group_id, &request](auto handler) {
    JoinCallback done = post_to<JoinResult>(std::move(handler));
    std::lock_guard lock(mutex_);
    if (auto error = check_coordinator(group_id); error != ErrorCode::none) {
      JoinResult refused;
      refused.error = error;
      refused.member_id = request.member_id;
      return done(std::move(refused));
    }
    ClassicGroup* group = find_group(group_id, true);
    group->join(std::move(request), steady_now_ms(), std::move(done));
    after_change(*group);
  };
  constexpr auto token = asio::use_awaitable;
  JoinResult result = co_await asio::async_initiate<decltype(token), void(JoinResult)>(initiation, token);
  co_return result;
}

asio::awaitable<SyncResult> GroupCoordinator::sync(const std::string& group_id, const std::string& member_id,
                                                   const std::optional<std::string>& group_instance_id,
                                                   int32_t generation,
                                                   std::vector<std::pair<std::string, std::vector<std::byte>>> assignments) {
  auto initiation = [&](auto handler) {
    asio::any_io_executor executor = asio::get_associated_executor(handler);
    SyncCallback done = post_to<SyncResult>(std::move(handler));
    std::lock_guard lock(mutex_);
    if (auto error = check_coordinator(group_id); error != ErrorCode::none) return done({error, {}});
    ClassicGroup* group = find_group(group_id, false);
    if (group == nullptr) return done({ErrorCode::unknown_member_id, {}});
    group->sync(member_id, group_instance_id, generation, assignments, steady_now_ms(),
                hold_until_stored(std::move(done)));
    release_held(after_change(*group), executor);
  };
  constexpr auto token = asio::use_awaitable;
  SyncResult result = co_await asio::async_initiate<decltype(token), void(SyncResult)>(initiation, token);
  co_return result;
}

ErrorCode GroupCoordinator::heartbeat(const std::string& group_id, const std::string& member_id,
                                      const std::optional<std::string>& group_instance_id, int32_t generation) {
  std::lock_guard lock(mutex_);
  if (auto error = check_coordinator(group_id); error != ErrorCode::none) return error;
  ClassicGroup* group = find_group(group_id, false);
  if (group == nullptr) return ErrorCode::unknown_member_id;
  return group->heartbeat(member_id, group_instance_id, generation, steady_now_ms());
}

ErrorCode GroupCoordinator::leave(const std::string& group_id, const std::string& member_id,
                                  const std::optional<std::string>& group_instance_id) {
  std::lock_guard lock(mutex_);
  if (auto error = check_coordinator(group_id); error != ErrorCode::none) return error;
  ClassicGroup* group = find_group(group_id, false);
  if (group == nullptr) return ErrorCode::unknown_member_id;
  const ErrorCode error = group->leave(member_id, group_instance_id, steady_now_ms());
  after_change(*group);
  return error;
}

asio::awaitable<std::vector<ErrorCode>> GroupCoordinator::commit_offsets(
    const std::string& group_id, const std::string& member_id, const std::optional<std::string>& group_instance_id,
    int32_t generation, const std::vector<OffsetCommitEntry>& entries) {
  ErrorCode error = ErrorCode::none;
  {
    std::lock_guard lock(mutex_);
    error = check_coordinator(group_id);
    if (error == ErrorCode::none) {
      ClassicGroup* group = find_group(group_id, false);
      if (group != nullptr) error = group->validate_offset_commit(member_id, group_instance_id, generation);
      else if (generation >= 0) error = ErrorCode::illegal_generation;
    }
  }
  std::vector<ErrorCode> errors(entries.size(), error);
  if (error != ErrorCode::none) co_return errors;

  const int64_t now = wall_now_ms();
  std::vector<ViewRecord> records;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (e.metadata && static_cast<int64_t>(e.metadata->size()) > config_.offset_metadata_max_bytes) {
      errors[i] = ErrorCode::offset_metadata_too_large;
      continue;
    }
    offsets_topic::OffsetCommitValue value{e.offset, e.leader_epoch, e.metadata.value_or(""), now, -1};
    records.push_back({offsets_topic::OffsetCommitKey{group_id, e.topic, e.partition},
                       offsets_topic::encode_value(value)});
  }
  if (records.empty()) co_return errors;
  auto appended = append(partition_for(group_id), std::move(records), false);
  error = appended.error;
  if (error == ErrorCode::none) {
    if (auto durable = co_await appended.partition->wait_durable(appended.next_offset); !durable) {
      log_warn("group", "commit of group " + group_id + " failed: " + durable.error().message());
      error = ErrorCode::coordinator_not_available;
    }
  }
  if (error == ErrorCode::none) {
    // offsets.commit.required.acks=-1: replicated to the ISR.
    error = replication_error(
        co_await appended.partition->wait_high_watermark(appended.next_offset, kOffsetsCommitTimeoutMs));
  }
  if (error != ErrorCode::none)
    for (auto& e : errors)
      if (e == ErrorCode::none) e = error;
  co_return errors;
}

Result<std::vector<CommittedOffset>> GroupCoordinator::fetch_offsets(
    const std::string& group_id, const std::optional<std::vector<std::pair<std::string, int32_t>>>& partitions) {
  const int32_t p = partition_for(group_id);
  std::vector<CommittedOffset> result;
  if (!partitions) {
    auto r = view_->scan_offsets(p, group_id, [&](const std::string& topic, int32_t partition,
                                                   const offsets_topic::OffsetCommitValue& v) {
      result.push_back({topic, partition, v.offset, v.leader_epoch, v.metadata});
    });
    if (!r) return fail(r.error());
    return result;
  }
  for (const auto& [topic, partition] : *partitions) {
    auto committed = view_->committed_offset(p, group_id, topic, partition);
    if (!committed) return fail(committed.error());
    if (*committed) result.push_back({topic, partition, (*committed)->offset, (*committed)->leader_epoch,
                                      (*committed)->metadata});
    else result.push_back({topic, partition, -1, -1, ""});
  }
  return result;
}

GroupDescription GroupCoordinator::describe(const std::string& group_id) {
  GroupDescription d;
  d.group_id = group_id;
  std::lock_guard lock(mutex_);
  if (d.error = check_coordinator(group_id); d.error != ErrorCode::none) return d;
  const ClassicGroup* group = find_group(group_id, false);
  if (group == nullptr) {
    // No metadata (find_group would have loaded it): a group only its committed offsets remember is Empty.
    auto known = view_->has_offsets(partition_for(group_id), group_id);
    if (known && *known) d.state = GroupState::empty;
    return d;
  }
  d.state = group->state();
  d.protocol_type = group->protocol_type();
  if (group->state() == GroupState::stable || group->state() == GroupState::completing_rebalance)
    d.protocol = group->protocol_name().value_or("");
  for (const auto& m : group->members()) {
    MemberDescription md{m.member_id, m.group_instance_id, m.client_id, m.client_host, {}, {}};
    if (group->state() == GroupState::stable) {
      md.metadata = m.metadata_for(d.protocol);
      md.assignment = m.assignment;
    }
    d.members.push_back(std::move(md));
  }
  return d;
}

Result<std::vector<GroupSummary>> GroupCoordinator::list_groups() {
  std::map<std::string, GroupSummary> all;
  for (int32_t p : ownership_.loaded_partitions()) {
    auto names = view_->groups(p);
    if (!names) return fail(names.error());
    for (auto& name : *names) {
      auto stored = view_->group_metadata(p, name);
      GroupSummary summary{name, stored && *stored ? (*stored)->protocol_type : "", GroupState::empty};
      all.emplace(name, std::move(summary));
    }
  }
  std::lock_guard lock(mutex_);
  for (const auto& [name, group] : groups_) {
    if (group.state() == GroupState::dead || check_coordinator(name) != ErrorCode::none) continue;
    all[name] = GroupSummary{name, group.protocol_type(), group.state()};
  }
  std::vector<GroupSummary> result;
  for (auto& [name, summary] : all) result.push_back(std::move(summary));
  return result;
}

ErrorCode GroupCoordinator::delete_group(const std::string& group_id) {
  const int32_t p = partition_for(group_id);
  std::vector<ViewRecord> tombstones;
  {
    std::lock_guard lock(mutex_);
    if (auto error = check_coordinator(group_id); error != ErrorCode::none) return error;
    ClassicGroup* group = find_group(group_id, false);
    if (group != nullptr && group->state() != GroupState::empty && group->state() != GroupState::dead)
      return ErrorCode::non_empty_group;
    if (auto stored = view_->group_metadata(p, group_id); stored && *stored)
      tombstones.push_back({offsets_topic::GroupMetadataKey{group_id}, std::nullopt});
    auto r = view_->scan_offsets(p, group_id, [&](const std::string& topic, int32_t partition,
                                                   const offsets_topic::OffsetCommitValue&) {
      tombstones.push_back({offsets_topic::OffsetCommitKey{group_id, topic, partition}, std::nullopt});
    });
    if (!r) return ErrorCode::coordinator_not_available;
    if (group == nullptr && tombstones.empty()) return ErrorCode::group_id_not_found;
    if (group != nullptr) {
      group->mark_dead();
      groups_.erase(group_id);
    }
  }
  if (tombstones.empty()) return ErrorCode::none;
  return append(p, std::move(tombstones), true).error;
}

void GroupCoordinator::tick() {
  std::lock_guard lock(mutex_);
  const int64_t now = steady_now_ms();
  for (auto it = groups_.begin(); it != groups_.end();) {
    ClassicGroup& group = it->second;
    if (auto deadline = group.next_deadline_ms(); deadline && *deadline <= now) group.poll(now);
    after_change(group);
    // Empty groups are kept by the view, not in memory.
    const bool idle = (group.state() == GroupState::empty && group.pending_member_count() == 0) ||
                      group.state() == GroupState::dead;
    if (idle) it = groups_.erase(it);
    else ++it;
  }
}

void GroupCoordinator::expire_offsets() {
  const int64_t now = wall_now_ms();
  for (int32_t p : ownership_.loaded_partitions()) {
    auto names = view_->groups(p);
    if (!names) continue;
    for (const auto& name : *names) {
      std::vector<ViewRecord> tombstones;
      {
        std::lock_guard lock(mutex_);
        if (auto it = groups_.find(name); it != groups_.end() && it->second.state() != GroupState::empty) continue;
        auto stored = view_->group_metadata(p, name);
        if (stored && *stored && !(*stored)->members.empty()) continue;
        const int64_t empty_since = stored && *stored ? (*stored)->current_state_timestamp : -1;
        size_t kept = 0;
        auto r = view_->scan_offsets(p, name, [&](const std::string& topic, int32_t partition,
                                                   const offsets_topic::OffsetCommitValue& v) {
          if (now - std::max(v.commit_timestamp, empty_since) >= config_.offsets_retention_ms)
            tombstones.push_back({offsets_topic::OffsetCommitKey{name, topic, partition}, std::nullopt});
          else
            ++kept;
        });
        if (!r) continue;
        if (kept == 0 && stored && *stored) tombstones.push_back({offsets_topic::GroupMetadataKey{name}, std::nullopt});
        if (!tombstones.empty()) groups_.erase(name);
      }
      if (tombstones.empty()) continue;
      log_info("group", "expiring " + std::to_string(tombstones.size()) + " offsets/metadata of group " + name);
      (void)append(p, std::move(tombstones), true);  // a failure is logged by append()
    }
  }
}

}  // namespace runnel::broker::group
