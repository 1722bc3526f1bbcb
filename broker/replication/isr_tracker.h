#pragma once
// IsrTracker: a partition leader's view of its replicas (Kafka's replica state on the leader).
// Pure bookkeeping, no I/O; the Partition holds it under its mutex.
//
// - Each follower's log end offset is the fetch offset of its latest Fetch (a follower asks for
//   offset N once it holds everything below N, and, in the durable mode, has fsynced it).
// - A follower is caught up at time T if at T it had fetched up to the leader's log end offset
//   as it was at its previous fetch (Kafka's lastCaughtUpTimeMs): a follower that keeps fetching
//   while the leader keeps appending stays caught up.
// - The high watermark candidate is the smallest log end offset over the ISR, the leader's own
//   counted as `local_offset` (its flushed offset in the durable mode). A follower whose log end
//   is not known yet (just after this broker became leader) counts as 0, so the high watermark
//   waits for its first fetch.

#include <cstdint>
#include <map>
#include <vector>

namespace runnel::broker {

class IsrTracker {
 public:
  // Becoming leader: every follower's log end offset is unknown, and each counts as caught up
  // `now_ms` (Kafka gives a new leader's followers a full lag period).
  void reset(int32_t self, const std::vector<int32_t>& replicas, const std::vector<int32_t>& isr, int64_t now_ms);
  void set_isr(const std::vector<int32_t>& isr) { isr_ = isr; }
  const std::vector<int32_t>& isr() const { return isr_; }
  const std::vector<int32_t>& replicas() const { return replicas_; }
  bool in_isr(int32_t replica) const;
  bool is_replica(int32_t replica) const;

  // `replica` fetched from `fetch_offset` when the leader's log end offset was `leader_log_end`.
  void on_follower_fetch(int32_t replica, int64_t fetch_offset, int64_t leader_log_end, int64_t now_ms);
  // -1 when unknown.
  int64_t follower_log_end(int32_t replica) const;

  int64_t high_watermark_candidate(int64_t local_offset) const;
  // The ISR with the followers outside it that have reached `high_watermark` and the start of
  // the current leader epoch added (ordered as the replicas); equal to isr() when none has.
  std::vector<int32_t> expanded_isr(int64_t high_watermark, int64_t epoch_start_offset) const;
  // The ISR without the followers not caught up within the last `lag_ms`.
  std::vector<int32_t> shrunk_isr(int64_t now_ms, int64_t lag_ms) const;
  // After the leader itself stood still (no follower could fetch from it meanwhile): every
  // follower counts as caught up `now_ms`, so each gets a full lag period again, as a new leader's
  // followers do.
  void restart_lag_clocks(int64_t now_ms);

 private:
  struct Follower {
    int64_t log_end_offset = -1;
    int64_t last_caught_up_ms = 0;
    int64_t last_fetch_ms = 0;
    int64_t leader_log_end_at_last_fetch = -1;
  };
  int32_t self_ = -1;
  std::vector<int32_t> replicas_;
  std::vector<int32_t> isr_;
  std::map<int32_t, Follower> followers_;
};

}  // namespace runnel::broker
