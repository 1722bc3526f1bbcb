#pragma once
// OffsetsOwnership: which __consumer_offsets partitions this broker coordinates, and whether
// their groups are loaded. Per partition, a small state machine:
//   not_led --became leader--> loading --load finished (same term)--> loaded
//   loading / loaded --became follower--> not_led
//   not_led / loading / loaded --became leader again--> loading (a new term)
// Every leadership change starts a new term (a generation number): a load that finishes after
// the term it was started for ended changes nothing. Requests for a group answer by its
// partition's state: loaded → served, loading → COORDINATOR_LOAD_IN_PROGRESS, not_led →
// NOT_COORDINATOR. Single node: every partition is led and loaded from the start.
// Thread-safe; its lock is a leaf (nothing is called while it is held), so it may be used
// from the ReplicaManager's leadership listener and under the coordinator's locks.

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "broker/partition.h"
#include "protocol/error_code.h"

namespace runnel::broker::group {

class OffsetsOwnership {
 public:
  explicit OffsetsOwnership(int32_t partitions) : slots_(static_cast<size_t>(partitions)) {}

  int32_t partitions() const { return static_cast<int32_t>(slots_.size()); }
  // Starts a term: leading `partition` (loading) or not leading it. Returns the term.
  uint64_t begin_term(int32_t p, std::shared_ptr<Partition> partition, bool leader);
  // Whether `term` is still partition p's current term.
  bool is_current(int32_t p, uint64_t term) const;
  // Loading → loaded if `term` is still current; returns whether it was.
  bool finish_loading(int32_t p, uint64_t term);

  // NONE (loaded and still the partition's leader), COORDINATOR_LOAD_IN_PROGRESS or
  // NOT_COORDINATOR.
  protocol::ErrorCode check(int32_t p) const;
  // The partition while loaded and led by this broker; null otherwise.
  std::shared_ptr<Partition> loaded(int32_t p) const;
  // The partitions loaded now.
  std::vector<int32_t> loaded_partitions() const;

 private:
  enum class Status { not_led, loading, loaded };
  struct Slot {
    Status status = Status::not_led;
    uint64_t term = 0;
    std::shared_ptr<Partition> partition;  // while loading or loaded
  };
  const Slot* slot(int32_t p) const;

  mutable std::mutex mutex_;
  std::vector<Slot> slots_;
};

}  // namespace runnel::broker::group
