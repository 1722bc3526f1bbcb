#pragma once
// The head of every value the end-to-end latency workloads send (`runnel-bench latency`,
// `redis-bench latency`): the record's index, its scheduled send time (start + i/rate) and its
// actual send time, as ticks of the steady clock that the sending and receiving threads of one
// process share.

#include <chrono>
#include <cstdint>

#include "bench/runnel_bench/report.h"

namespace runnel::bench {

struct Stamp {
  int64_t index;
  Clock::rep scheduled;
  Clock::rep sent;
};
static_assert(sizeof(Stamp) == 24, "the stamp is three int64s");

// Microseconds from a stamped time to `now` (0 if `now` is earlier).
inline uint64_t micros_since(Clock::rep tick, Clock::time_point now) {
  const auto elapsed = now - Clock::time_point(Clock::duration(tick));
  return elapsed.count() < 0
             ? 0
             : static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
}

}  // namespace runnel::bench
