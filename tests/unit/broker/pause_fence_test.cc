// PauseFence (broker/coordination/pause_fence.h): a pause of the whole process longer than the
// threshold fences the broker until the owner lifts that pause's fence. Beats are driven by hand
// with made-up times, except in the last case, which runs the watchdog thread.

#include "broker/coordination/pause_fence.h"

#include <catch2/catch.hpp>
#include <thread>
#include <utility>
#include <vector>

using namespace runnel::broker;
using namespace std::chrono_literals;

namespace {

struct Recorded {
  std::vector<std::pair<uint64_t, std::chrono::milliseconds>> pauses;
  PauseFence::OnPause callback() {
    return [this](uint64_t pause, std::chrono::milliseconds paused_for) { pauses.emplace_back(pause, paused_for); };
  }
};

}  // namespace

TEST_CASE("a beat later than the threshold is a pause: fenced until that pause is lifted", "[pause_fence]") {
  Recorded recorded;
  PauseFence fence(3000ms, recorded.callback());
  const auto t0 = PauseFence::Clock::time_point{} + 1000s;
  CHECK_FALSE(fence.fenced(t0 + 10s));  // not armed yet: never fenced
  fence.arm(t0);
  fence.beat(t0 + 100ms);
  fence.beat(t0 + 3000ms);  // 2.9 s after the last beat: within the threshold
  CHECK_FALSE(fence.fenced(t0 + 3000ms));
  CHECK(recorded.pauses.empty());

  fence.beat(t0 + 6500ms);  // 3.5 s: a pause
  REQUIRE(recorded.pauses.size() == 1);
  CHECK(recorded.pauses[0] == std::pair<uint64_t, std::chrono::milliseconds>{1, 3500ms});
  CHECK(fence.fencing_pause() == 1);
  CHECK(fence.fenced(t0 + 6500ms));
  fence.beat(t0 + 6600ms);  // beats go on: still fenced
  CHECK(fence.fenced(t0 + 6600ms));

  fence.lift(1);
  CHECK(fence.fencing_pause() == 0);
  CHECK_FALSE(fence.fenced(t0 + 6600ms));
}

TEST_CASE("before the watchdog's first beat after a pause, the stale beat alone fences", "[pause_fence]") {
  Recorded recorded;
  PauseFence fence(3000ms, recorded.callback());
  const auto t0 = PauseFence::Clock::time_point{} + 1000s;
  fence.arm(t0);
  CHECK_FALSE(fence.fenced(t0 + 3000ms));
  CHECK(fence.fenced(t0 + 3001ms));  // a request handled on resume, ahead of the watchdog
  CHECK(fence.fencing_pause() == 0);
  CHECK(recorded.pauses.empty());
}

TEST_CASE("lifting an earlier pause keeps the fence of a later one", "[pause_fence]") {
  Recorded recorded;
  PauseFence fence(1000ms, recorded.callback());
  const auto t0 = PauseFence::Clock::time_point{} + 1000s;
  fence.arm(t0);
  fence.beat(t0 + 2s);
  fence.beat(t0 + 4s);
  REQUIRE(recorded.pauses.size() == 2);
  CHECK(recorded.pauses[1].first == 2);
  fence.lift(1);  // a confirmation that started before the second pause
  CHECK(fence.fenced(t0 + 4s));
  fence.lift(2);
  CHECK_FALSE(fence.fenced(t0 + 4s));
}

TEST_CASE("the watchdog beats on its own: an idle broker is never fenced", "[pause_fence]") {
  Recorded recorded;
  {
    PauseFence fence(5000ms, recorded.callback(), 10ms);
    fence.start();
    std::this_thread::sleep_for(200ms);
    CHECK_FALSE(fence.fenced());
  }  // the destructor stops and joins the watchdog
  CHECK(recorded.pauses.empty());
}
