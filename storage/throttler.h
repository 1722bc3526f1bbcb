#pragma once
// Throttler: keeps a stream of I/O at or below `bytes_per_second` on average
// by sleeping the calling thread (log.cleaner.io.max.bytes.per.second).
// Not thread-safe: one per cleaner thread.

#include <chrono>
#include <cstdint>
#include <thread>

namespace runnel::storage {

class Throttler {
 public:
  explicit Throttler(double bytes_per_second) : rate_(bytes_per_second) {}

  // Accounts `bytes` of I/O and sleeps while the average since the first
  // call is above the rate. A rate of 0 or below, or infinity, never sleeps.
  void throttle(uint64_t bytes) {
    if (!(rate_ > 0) || rate_ >= kUnlimited) return;
    const auto now = std::chrono::steady_clock::now();
    if (bytes_ == 0) start_ = now;
    bytes_ += bytes;
    const auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(static_cast<double>(bytes_) / rate_));
    if (due > now) std::this_thread::sleep_for(due - now);
  }

 private:
  static constexpr double kUnlimited = 1e300;
  double rate_;
  uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace runnel::storage
