#pragma once
// RateLimiter: paces events at a fixed rate. The n-th call of acquire()
// returns no earlier than start + n / rate, so a slow moment is caught up
// afterwards and the average rate over the run is the one asked for.

#include <chrono>
#include <cstdint>
#include <thread>

namespace runnel::tools {

class RateLimiter {
 public:
  // `per_second` > 0.
  explicit RateLimiter(double per_second) : per_second_(per_second) {}

  void acquire() {
    using namespace std::chrono;
    const auto due = start_ + duration_cast<steady_clock::duration>(duration<double>(count_++ / per_second_));
    if (due > steady_clock::now()) std::this_thread::sleep_until(due);
  }

 private:
  double per_second_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  int64_t count_ = 0;
};

}  // namespace runnel::tools
