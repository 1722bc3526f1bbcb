// A durable partition's background flush (log.flush.interval.messages=1,
// the default): whatever is appended while an fsync runs is flushed by the
// next one (after log.flush.linger.us), with no later append or periodic
// flush needed to start it, so acks=all produces at the end of a burst are
// answered without waiting for one (they once waited up to a second for the
// periodic flush).

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "single_node.h"
#include "support/batches.h"
#include "support/temp_dir.h"

using namespace runnel::broker;

namespace {

constexpr int64_t kNowMs = 1'700'000'000'000;

}  // namespace

TEST_CASE("appends that land during a background fsync are flushed without another append") {
  // With the default linger the next fsync waits on a timer; with 0 it follows at once.
  const std::string linger = GENERATE(std::string("200"), std::string("0"));
  INFO("log.flush.linger.us=" << linger);
  runnel::test::TempDir dir;
  // SingleNode runs no periodic flush (runneld's log.flush.scheduler.interval.ms
  // timer): the partition's own flush loop has to reach the log end.
  runnel::test::SingleNode node(dir / "data", "log.flush.linger.us=" + linger + "\n");
  REQUIRE(node.controller->create_topic("burst", 1, 1, {}, false).error == runnel::protocol::ErrorCode::none);
  auto stored = node.metadata->topic("burst");
  REQUIRE(stored);
  auto found = node.replicas->partition(*stored, 0);
  REQUIRE(found);
  std::shared_ptr<Partition> p = *found;
  REQUIRE(p->log().config().durable());

  // Each round is a burst of appends spread over several fsyncs, each
  // followed by a flush request as Produce makes one, so that appends (the
  // last one among them, in most rounds) land while an fsync runs.
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 50; ++i) {
      auto batch = runnel::test::make_batch(1, kNowMs, "v", 100);
      REQUIRE(p->append(batch, kNowMs));
      p->flush_in_background();
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (p->log().flushed_offset() < p->log().log_end_offset() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    INFO("round " << round);
    REQUIRE(p->log().flushed_offset() == p->log().log_end_offset());
    REQUIRE(p->high_watermark() == p->log().log_end_offset());
  }
  node.shutdown();
}
