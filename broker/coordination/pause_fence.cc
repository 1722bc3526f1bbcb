#include "broker/coordination/pause_fence.h"

#include <time.h>

namespace runnel::broker {

BootClock::time_point BootClock::now() noexcept {
  timespec now{};
  clock_gettime(CLOCK_BOOTTIME, &now);
  return time_point(std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec));
}

PauseFence::PauseFence(std::chrono::milliseconds threshold, OnPause on_pause, std::chrono::milliseconds tick)
    : threshold_(threshold), tick_(tick), on_pause_(std::move(on_pause)) {}

PauseFence::~PauseFence() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

void PauseFence::start() {
  if (watchdog_.joinable()) return;
  arm(Clock::now());
  watchdog_ = std::thread([this] { run(); });
}

void PauseFence::arm(Clock::time_point now) {
  last_beat_ = now.time_since_epoch().count();
  started_ = true;
}

void PauseFence::run() {
  std::unique_lock lock(mutex_);
  while (!stop_signal_.wait_for(lock, tick_, [this] { return stopping_; })) {
    lock.unlock();
    beat(Clock::now());
    lock.lock();
  }
}

void PauseFence::beat(Clock::time_point now) {
  const Clock::duration since = now.time_since_epoch() - Clock::duration(last_beat_.load());
  if (since > threshold_) {
    const uint64_t pause = ++pauses_;
    // The fence before the beat: a reader that sees this beat also sees the fence (fenced()).
    fence_ = pause;
    last_beat_ = now.time_since_epoch().count();
    if (on_pause_) on_pause_(pause, std::chrono::duration_cast<std::chrono::milliseconds>(since));
    return;
  }
  last_beat_ = now.time_since_epoch().count();
}

bool PauseFence::fenced(Clock::time_point now) const {
  // The beat first, then the fence (the reverse of beat()'s stores).
  if (!started_.load()) return false;
  const Clock::duration beat_at(last_beat_.load());
  if (fence_.load() != 0) return true;
  return now.time_since_epoch() - beat_at > threshold_;
}

bool PauseFence::lift(uint64_t pause) {
  uint64_t expected = pause;
  return fence_.compare_exchange_strong(expected, 0);
}

}  // namespace runnel::broker
