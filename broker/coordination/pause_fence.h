#pragma once
// PauseFence: notices that this whole process stood still (SIGSTOP, a frozen VM, a stall of every
// thread) for longer than `threshold`, and fences this broker's leaderships until its owner has
// confirmed that ZooKeeper still knows the broker as it does.
//
// Why: a leader paused past its ZooKeeper session has lost its leaderships without knowing it. On
// resuming it would take the requests that queued up in its sockets as the leader it believes it
// is, before the ZooKeeper client has even noticed the expiry: acks=1 records acknowledged and
// then truncated away, and sequence checks against a stale producer state that make an idempotent
// producer bump its epoch (and send records again). While fenced, Produce closes the client's
// connection instead (outcome unknown: clients retry, with the same sequence numbers; see
// handlers/produce.cc for why not NOT_LEADER_OR_FOLLOWER).
//
// Contract:
//  - A watchdog thread calls beat(now) every `tick`. A beat more than `threshold` after the last
//    one is a pause: it gets the next pause number, the fence is set to it, then `on_pause(pause)`
//    runs on the watchdog thread (it must only post work elsewhere).
//  - fenced(now) is true while the fence is set, and also when the last beat is more than
//    `threshold` old: a request handled after a resume but before the watchdog's first beat is
//    fenced too. Before start() it is false. It is lock-free (the Produce path calls it) and safe
//    from any thread.
//  - lift(pause) clears the fence if `pause` is still the latest pause (true); a later pause
//    keeps it (false).
// The owner (ClusterMembership) picks threshold = half the session timeout: a shorter stall
// cannot have cost the session, so it is never fenced.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace runnel::broker {

// CLOCK_BOOTTIME: steady like CLOCK_MONOTONIC, but it also counts time the system spent suspended.
struct BootClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<BootClock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept;
};

class PauseFence {
 public:
  using Clock = BootClock;
  using OnPause = std::function<void(uint64_t pause, std::chrono::milliseconds paused_for)>;

  PauseFence(std::chrono::milliseconds threshold, OnPause on_pause,
             std::chrono::milliseconds tick = std::chrono::milliseconds(100));
  ~PauseFence();  // stops the watchdog
  PauseFence(const PauseFence&) = delete;
  PauseFence& operator=(const PauseFence&) = delete;

  // Starts the watchdog thread (once), armed from now.
  void start();
  // Arms the fence with a first beat at `now`, without a watchdog (start() does both; tests call
  // this and beat() themselves).
  void arm(Clock::time_point now);

  void beat(Clock::time_point now);
  bool fenced(Clock::time_point now) const;
  bool fenced() const { return fenced(Clock::now()); }
  bool lift(uint64_t pause);
  // The pause the fence is set to; 0 when it is not set.
  uint64_t fencing_pause() const { return fence_.load(); }

 private:
  void run();

  const Clock::duration threshold_;
  const Clock::duration tick_;
  OnPause on_pause_;
  std::atomic<Clock::rep> last_beat_{0};  // Clock ticks since its epoch; set by arm() before started_
  std::atomic<uint64_t> fence_{0};
  std::atomic<bool> started_{false};
  uint64_t pauses_ = 0;  // the watchdog's (or beat()'s single caller's) counter
  std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::thread watchdog_;
};

}  // namespace runnel::broker
