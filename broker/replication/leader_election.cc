#include "broker/replication/leader_election.h"

#include <algorithm>

namespace runnel::broker {
namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

PartitionState with_leader(const PartitionState& current, int32_t leader, std::vector<int32_t> isr,
                           int32_t controller_epoch) {
  PartitionState next = current;
  next.leader = leader;
  next.leader_epoch = current.leader_epoch + 1;
  next.isr = std::move(isr);
  next.controller_epoch = controller_epoch;
  return next;
}

std::vector<int32_t> registered(const std::vector<int32_t>& isr, const std::set<int32_t>& live) {
  std::vector<int32_t> kept;
  for (int32_t replica : isr)
    if (live.count(replica)) kept.push_back(replica);
  return kept;
}

}  // namespace

std::optional<PartitionState> offline_election(const PartitionState& current, const std::vector<int32_t>& assignment,
                                               const std::set<int32_t>& live, bool unclean, int32_t controller_epoch) {
  if (current.leader >= 0 && live.count(current.leader)) return std::nullopt;
  for (int32_t replica : assignment)
    if (live.count(replica) && contains(current.isr, replica))
      return with_leader(current, replica, registered(current.isr, live), controller_epoch);
  if (unclean)
    for (int32_t replica : assignment)
      if (live.count(replica)) return with_leader(current, replica, {replica}, controller_epoch);
  if (current.leader == -1) return std::nullopt;
  return with_leader(current, -1, current.isr, controller_epoch);
}

std::optional<PartitionState> isr_cleanup(const PartitionState& current, const std::set<int32_t>& live,
                                          int32_t controller_epoch) {
  if (current.leader < 0 || !live.count(current.leader)) return std::nullopt;
  auto isr = registered(current.isr, live);
  if (isr.size() == current.isr.size()) return std::nullopt;
  if (!contains(isr, current.leader)) isr.insert(isr.begin(), current.leader);
  PartitionState next = current;
  next.isr = std::move(isr);
  next.controller_epoch = controller_epoch;
  return next;
}

std::optional<PartitionState> preferred_election(const PartitionState& current, const std::vector<int32_t>& assignment,
                                                 const std::set<int32_t>& live, int32_t controller_epoch) {
  if (assignment.empty()) return std::nullopt;
  const int32_t preferred = assignment.front();
  if (current.leader == preferred || !live.count(preferred) || !contains(current.isr, preferred)) return std::nullopt;
  return with_leader(current, preferred, current.isr, controller_epoch);
}

std::optional<PartitionState> controlled_shutdown(const PartitionState& current, const std::vector<int32_t>& assignment,
                                                  const std::set<int32_t>& live, int32_t leaving,
                                                  int32_t controller_epoch) {
  if (!contains(current.isr, leaving) || current.isr.size() <= 1) return std::nullopt;
  std::vector<int32_t> isr;
  for (int32_t replica : current.isr)
    if (replica != leaving) isr.push_back(replica);
  if (current.leader != leaving) {
    PartitionState next = current;
    next.isr = std::move(isr);
    next.controller_epoch = controller_epoch;
    return next;
  }
  for (int32_t replica : assignment)
    if (replica != leaving && live.count(replica) && contains(isr, replica))
      return with_leader(current, replica, isr, controller_epoch);
  return std::nullopt;  // no one to hand over to: keep leading until the end
}

}  // namespace runnel::broker
