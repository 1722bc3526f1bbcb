// GroupCoordinator in ZooKeeper mode: finding the coordinator of a group and following the
// leadership of the __consumer_offsets partitions (see group_coordinator.h, offsets_ownership.h).

#include <asio/post.hpp>

#include "broker/group/group_coordinator.h"
#include "broker/logging.h"

namespace runnel::broker::group {

using protocol::ErrorCode;

namespace {

std::string tp_name(int32_t p) { return std::string(kOffsetsTopic) + "-" + std::to_string(p); }

}  // namespace

void GroupCoordinator::follow_leadership(asio::thread_pool& pool) {
  loader_.emplace(asio::make_strand(pool.get_executor()));
  replicas_.on_leadership_change(
      [this](const std::shared_ptr<Partition>& partition, bool leader) { on_leadership_change(partition, leader); });
}

bool GroupCoordinator::create_offsets_topic_if_missing() {
  if (metadata_.topic(kOffsetsTopic)) return true;
  auto outcome = create_offsets_topic(config_.offsets_topic_replication_factor);
  if (outcome.error == ErrorCode::none || outcome.error == ErrorCode::topic_already_exists) return true;
  log_warn("group", std::string("cannot create ") + kOffsetsTopic + " yet: " + outcome.message);
  return false;
}

std::optional<int32_t> GroupCoordinator::coordinator_node(const std::string& group_id) const {
  auto topic = metadata_.topic(kOffsetsTopic);
  if (!topic) return std::nullopt;
  if (topic->partitions != config_.offsets_topic_num_partitions) {
    log_error("group", std::string(kOffsetsTopic) + " has " + std::to_string(topic->partitions) +
                           " partitions but offsets.topic.num.partitions is " +
                           std::to_string(config_.offsets_topic_num_partitions) + ": no group can be coordinated");
    return std::nullopt;
  }
  auto state = metadata_.partition_state(kOffsetsTopic, partition_for(group_id));
  if (!state || state->leader < 0) return std::nullopt;
  return state->leader;
}

// Runs with the ReplicaManager's lock held: only the ownership changes here (a leaf lock);
// the rest is posted to the loader strand, in order.
void GroupCoordinator::on_leadership_change(const std::shared_ptr<Partition>& partition, bool leader) {
  const auto& tp = partition->topic_partition();
  if (tp.topic != kOffsetsTopic || !loader_) return;
  const int32_t p = tp.partition;
  if (p < 0 || p >= ownership_.partitions()) return;
  const uint64_t term = ownership_.begin_term(p, partition, leader);
  asio::post(*loader_, [this, p, term, leader, partition] {
    try {
      if (leader) load_term(p, term, partition);
      else drop_groups(p);
    } catch (const std::exception& e) {
      log_error("group", std::string("following ") + tp_name(p) + " failed: " + e.what());
    }
  });
}

void GroupCoordinator::load_term(int32_t p, uint64_t term, const std::shared_ptr<Partition>& partition) {
  drop_groups(p);  // what an earlier term left, if anything
  // Appends begun in an earlier term finish before the replay starts; later ones are refused
  // (the partition is loading).
  { std::lock_guard barrier(append_mutex_); }
  if (!ownership_.is_current(p, term)) return;
  log_info("group", "loading " + tp_name(p) + " (leader epoch " + std::to_string(partition->leader_epoch()) + ")");
  if (auto r = load_partition(p, *partition); !r) {
    // Its groups keep answering COORDINATOR_LOAD_IN_PROGRESS until leadership changes again.
    log_error("group", "loading " + tp_name(p) + " failed: " + r.error().message());
    return;
  }
  if (ownership_.finish_loading(p, term)) log_info("group", "loaded " + tp_name(p));
}

void GroupCoordinator::drop_groups(int32_t p) {
  std::lock_guard lock(mutex_);
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (partition_for(it->first) != p) {
      ++it;
      continue;
    }
    it->second.mark_dead();
    it = groups_.erase(it);
  }
}

}  // namespace runnel::broker::group
