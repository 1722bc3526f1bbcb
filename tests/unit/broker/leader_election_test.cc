// Leader election rules (broker/replication/leader_election.h) and the leader's ISR bookkeeping
// (broker/replication/isr_tracker.h).

#include "broker/replication/leader_election.h"

#include <catch2/catch.hpp>

#include "broker/replication/isr_tracker.h"

using namespace runnel::broker;

namespace {

PartitionState state(int32_t leader, int32_t epoch, std::vector<int32_t> isr, int32_t version = 4) {
  return PartitionState{leader, epoch, std::move(isr), 1, version};
}

}  // namespace

TEST_CASE("an offline leader is replaced by the first registered ISR member in assignment order", "[election]") {
  const std::vector<int32_t> assignment{1, 2, 3};
  auto next = offline_election(state(1, 5, {1, 3, 2}), assignment, {2, 3}, false, 7);
  REQUIRE(next);
  CHECK(next->leader == 2);
  CHECK(next->leader_epoch == 6);
  CHECK(next->isr == std::vector<int32_t>{3, 2});
  CHECK(next->controller_epoch == 7);
  CHECK(next->version == 4);  // the compare-and-set expects the current version

  CHECK_FALSE(offline_election(state(1, 5, {1, 2}), assignment, {1, 2, 3}, false, 7));  // leader alive
}

TEST_CASE("without a registered ISR member the partition goes offline, keeping its ISR, unless unclean", "[election]") {
  const std::vector<int32_t> assignment{1, 2, 3};
  auto offline = offline_election(state(1, 5, {1}), assignment, {2, 3}, false, 7);
  REQUIRE(offline);
  CHECK(offline->leader == -1);
  CHECK(offline->leader_epoch == 6);
  CHECK(offline->isr == std::vector<int32_t>{1});
  CHECK_FALSE(offline_election(*offline, assignment, {2, 3}, false, 7));  // already offline: no new write

  auto back = offline_election(*offline, assignment, {1, 2, 3}, false, 7);  // the last ISR member returns
  REQUIRE(back);
  CHECK(back->leader == 1);
  CHECK(back->leader_epoch == 7);

  auto unclean = offline_election(state(1, 5, {1}), assignment, {3}, true, 7);
  REQUIRE(unclean);
  CHECK(unclean->leader == 3);
  CHECK(unclean->isr == std::vector<int32_t>{3});
}

TEST_CASE("unregistered followers leave the ISR at the same epoch", "[election]") {
  auto next = isr_cleanup(state(2, 5, {1, 2, 3}), {2, 3}, 7);
  REQUIRE(next);
  CHECK(next->leader == 2);
  CHECK(next->leader_epoch == 5);
  CHECK(next->isr == std::vector<int32_t>{2, 3});
  CHECK_FALSE(isr_cleanup(state(2, 5, {2, 3}), {2, 3}, 7));
  CHECK_FALSE(isr_cleanup(state(1, 5, {1, 2}), {2}, 7));  // the leader itself is offline: an election's job
}

TEST_CASE("the preferred replica takes leadership back once it is in the ISR", "[election]") {
  const std::vector<int32_t> assignment{1, 2, 3};
  auto next = preferred_election(state(2, 5, {2, 3, 1}), assignment, {1, 2, 3}, 7);
  REQUIRE(next);
  CHECK(next->leader == 1);
  CHECK(next->leader_epoch == 6);
  CHECK_FALSE(preferred_election(state(2, 5, {2, 3}), assignment, {1, 2, 3}, 7));  // not caught up yet
  CHECK_FALSE(preferred_election(state(1, 5, {1, 2, 3}), assignment, {1, 2, 3}, 7));
}

TEST_CASE("a controlled shutdown hands leadership to another ISR member and leaves the ISRs", "[election]") {
  const std::vector<int32_t> assignment{1, 2, 3};
  auto moved = controlled_shutdown(state(1, 5, {1, 2, 3}), assignment, {1, 2, 3}, 1, 7);
  REQUIRE(moved);
  CHECK(moved->leader == 2);
  CHECK(moved->leader_epoch == 6);
  CHECK(moved->isr == std::vector<int32_t>{2, 3});

  auto left = controlled_shutdown(state(2, 5, {2, 1}), assignment, {1, 2, 3}, 1, 7);
  REQUIRE(left);
  CHECK(left->leader == 2);
  CHECK(left->leader_epoch == 5);
  CHECK(left->isr == std::vector<int32_t>{2});

  CHECK_FALSE(controlled_shutdown(state(1, 5, {1}), assignment, {1, 2, 3}, 1, 7));  // nobody to hand over to
  CHECK_FALSE(controlled_shutdown(state(2, 5, {2, 3}), assignment, {1, 2, 3}, 1, 7));  // not in the ISR
}

TEST_CASE("the high watermark is the smallest log end over the ISR; unknown followers hold it", "[isr]") {
  IsrTracker tracker;
  tracker.reset(1, {1, 2, 3}, {1, 2, 3}, 1000);
  CHECK(tracker.high_watermark_candidate(50) == 0);
  tracker.on_follower_fetch(2, 40, 50, 1001);
  tracker.on_follower_fetch(3, 45, 50, 1001);
  CHECK(tracker.high_watermark_candidate(50) == 40);
  tracker.set_isr({1, 3});
  CHECK(tracker.high_watermark_candidate(50) == 45);
  CHECK(tracker.high_watermark_candidate(42) == 42);  // the leader's own (flushed) offset counts too
}

TEST_CASE("a follower joins the ISR once it reaches the high watermark and the epoch start", "[isr]") {
  IsrTracker tracker;
  tracker.reset(1, {1, 2, 3}, {1, 3}, 1000);
  tracker.on_follower_fetch(2, 30, 50, 1001);
  CHECK(tracker.expanded_isr(40, 0) == std::vector<int32_t>{1, 3});
  tracker.on_follower_fetch(2, 40, 50, 1002);
  CHECK(tracker.expanded_isr(40, 0) == std::vector<int32_t>{1, 2, 3});
  CHECK(tracker.expanded_isr(40, 45) == std::vector<int32_t>{1, 3});  // not yet in the leader's epoch
}

TEST_CASE("a follower that stops catching up leaves the ISR after the lag time", "[isr]") {
  IsrTracker tracker;
  tracker.reset(1, {1, 2, 3}, {1, 2, 3}, 1000);
  // Follower 2 keeps up: each fetch reaches the leader's log end of its previous fetch.
  tracker.on_follower_fetch(2, 10, 20, 2000);
  tracker.on_follower_fetch(2, 20, 30, 3000);
  tracker.on_follower_fetch(2, 30, 40, 4000);
  // Follower 3 fetched once, at the start, then went quiet.
  tracker.on_follower_fetch(3, 0, 10, 1500);
  CHECK(tracker.shrunk_isr(4500, 2000) == std::vector<int32_t>{1, 2});
  CHECK(tracker.shrunk_isr(3000, 2000) == std::vector<int32_t>{1, 2, 3});
}

TEST_CASE("after the leader stood still every follower gets a new lag period", "[isr]") {
  IsrTracker tracker;
  tracker.reset(1, {1, 2, 3}, {1, 2, 3}, 1000);
  tracker.on_follower_fetch(2, 0, 10, 1500);
  tracker.on_follower_fetch(3, 0, 10, 1500);
  // The leader stood still from 1500 to 6000: no follower could fetch meanwhile.
  CHECK(tracker.shrunk_isr(6000, 2000) == std::vector<int32_t>{1});
  tracker.restart_lag_clocks(6000);
  CHECK(tracker.shrunk_isr(7900, 2000) == std::vector<int32_t>{1, 2, 3});
  // Follower 2 fetches again and keeps up; follower 3 stays away and leaves after a whole lag.
  tracker.on_follower_fetch(2, 10, 10, 6500);
  tracker.on_follower_fetch(2, 10, 10, 8000);
  CHECK(tracker.shrunk_isr(8100, 2000) == std::vector<int32_t>{1, 2});
}
