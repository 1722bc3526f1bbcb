// storage::Throttler (log.cleaner.io.max.bytes.per.second): the average rate
// of accounted bytes stays at or below the limit; no limit never sleeps.

#include <catch2/catch.hpp>
#include <chrono>
#include <limits>

#include "storage/throttler.h"

using runnel::storage::Throttler;
using Clock = std::chrono::steady_clock;

TEST_CASE("the throttler holds the average rate at the limit", "[throttler]") {
  Throttler throttler(1'000'000);  // 1 MB/s
  const auto start = Clock::now();
  for (int i = 0; i < 20; ++i) throttler.throttle(10'000);  // 200 kB: at least 0.19 s after the first call
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  CHECK(seconds >= 0.19);
}

TEST_CASE("an unlimited throttler never sleeps", "[throttler]") {
  Throttler throttler(std::numeric_limits<double>::max());
  const auto start = Clock::now();
  for (int i = 0; i < 1000; ++i) throttler.throttle(1 << 30);
  CHECK(std::chrono::duration<double>(Clock::now() - start).count() < 5.0);  // 1 TB "at 1 MB/s" would take days
}
