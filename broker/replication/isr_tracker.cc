#include "broker/replication/isr_tracker.h"

#include <algorithm>

namespace runnel::broker {

void IsrTracker::reset(int32_t self, const std::vector<int32_t>& replicas, const std::vector<int32_t>& isr,
                       int64_t now_ms) {
  self_ = self;
  replicas_ = replicas;
  isr_ = isr;
  followers_.clear();
  for (int32_t replica : replicas)
    if (replica != self) followers_[replica] = Follower{-1, now_ms, now_ms, -1};
}

bool IsrTracker::in_isr(int32_t replica) const { return std::find(isr_.begin(), isr_.end(), replica) != isr_.end(); }

bool IsrTracker::is_replica(int32_t replica) const {
  return std::find(replicas_.begin(), replicas_.end(), replica) != replicas_.end();
}

void IsrTracker::on_follower_fetch(int32_t replica, int64_t fetch_offset, int64_t leader_log_end, int64_t now_ms) {
  auto it = followers_.find(replica);
  if (it == followers_.end()) return;
  Follower& f = it->second;
  if (fetch_offset >= leader_log_end) f.last_caught_up_ms = now_ms;
  else if (fetch_offset >= f.leader_log_end_at_last_fetch && f.leader_log_end_at_last_fetch >= 0)
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, f.last_fetch_ms);
  f.log_end_offset = fetch_offset;
  f.last_fetch_ms = now_ms;
  f.leader_log_end_at_last_fetch = leader_log_end;
}

int64_t IsrTracker::follower_log_end(int32_t replica) const {
  auto it = followers_.find(replica);
  return it == followers_.end() ? -1 : it->second.log_end_offset;
}

int64_t IsrTracker::high_watermark_candidate(int64_t local_offset) const {
  int64_t candidate = local_offset;
  for (int32_t replica : isr_) {
    if (replica == self_) continue;
    candidate = std::min(candidate, std::max<int64_t>(0, follower_log_end(replica)));
  }
  return candidate;
}

std::vector<int32_t> IsrTracker::expanded_isr(int64_t high_watermark, int64_t epoch_start_offset) const {
  std::vector<int32_t> isr;
  for (int32_t replica : replicas_) {
    const int64_t log_end = follower_log_end(replica);
    if (in_isr(replica) || (replica != self_ && log_end >= high_watermark && log_end >= epoch_start_offset))
      isr.push_back(replica);
  }
  for (int32_t replica : isr_)  // members outside the assignment stay (a reassignment's business)
    if (!is_replica(replica)) isr.push_back(replica);
  return isr.size() == isr_.size() ? isr_ : isr;
}

void IsrTracker::restart_lag_clocks(int64_t now_ms) {
  for (auto& [replica, follower] : followers_) follower.last_caught_up_ms = std::max(follower.last_caught_up_ms, now_ms);
}

std::vector<int32_t> IsrTracker::shrunk_isr(int64_t now_ms, int64_t lag_ms) const {
  std::vector<int32_t> isr;
  for (int32_t replica : isr_) {
    auto it = followers_.find(replica);
    if (replica != self_ && it != followers_.end() && now_ms - it->second.last_caught_up_ms > lag_ms) continue;
    isr.push_back(replica);
  }
  return isr;
}

}  // namespace runnel::broker
