#pragma once
// Leader election rules for one partition (Kafka's controller, ZooKeeper mode), as pure
// functions: each returns the new state to write (by compare-and-set on the current version),
// or nullopt when nothing changes. Every leader change bumps the leader epoch.
//
// - offline_election: the leader is gone (-1 or not registered). The new leader is the first
//   replica in assignment order that is in the ISR and registered; the ISR keeps its registered
//   members. With none: unclean election (if enabled) takes the first registered replica with an
//   ISR of itself; otherwise the partition has no leader (-1) and keeps its last ISR, so that an
//   ISR member's return brings it back without losing acknowledged records.
// - isr_cleanup: the leader is alive but some ISR members are not registered: they leave the
//   ISR at once (the leader would drop them after replica.lag.time.max.ms anyway). Same epoch.
// - preferred_election: the preferred replica (first in the assignment) is registered and in the
//   ISR but does not lead: it takes over (auto.leader.rebalance.enable).
// - controlled_shutdown: `leaving` shuts down; if it leads, the next ISR member that is
//   registered (and is not `leaving`) takes over and `leaving` leaves the ISR; if it only
//   follows, it leaves the ISR. Never shrinks the ISR to nothing.

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "broker/metadata_store.h"

namespace runnel::broker {

std::optional<PartitionState> offline_election(const PartitionState& current, const std::vector<int32_t>& assignment,
                                               const std::set<int32_t>& live, bool unclean, int32_t controller_epoch);
std::optional<PartitionState> isr_cleanup(const PartitionState& current, const std::set<int32_t>& live,
                                          int32_t controller_epoch);
std::optional<PartitionState> preferred_election(const PartitionState& current, const std::vector<int32_t>& assignment,
                                                 const std::set<int32_t>& live, int32_t controller_epoch);
std::optional<PartitionState> controlled_shutdown(const PartitionState& current, const std::vector<int32_t>& assignment,
                                                  const std::set<int32_t>& live, int32_t leaving,
                                                  int32_t controller_epoch);

}  // namespace runnel::broker
