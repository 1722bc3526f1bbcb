// OffsetForLeaderEpoch through its handler on a single node: a log written
// under epochs 0 then 3 answers each requested epoch with the largest epoch at
// or below it and where the next one begins; epochs older than every entry and
// partitions without entries get Kafka's UNDEFINED pair; unknown partitions and
// fenced current epochs get their errors.

#include <catch2/catch.hpp>
#include <memory>
#include <ostream>
#include <string>

#include "api_node.h"
#include "protocol/error_code.h"
#include "protocol/messages/offset_for_leader_epoch.h"
#include "support/batches.h"
#include "support/temp_dir.h"

using namespace runnel::broker;
using runnel::protocol::ErrorCode;
using runnel::protocol::messages::OffsetForLeaderEpochRequest;
using runnel::protocol::messages::OffsetForLeaderEpochResponse;

namespace {

constexpr int64_t kNowMs = 1'700'000'000'000;

struct Answer {
  ErrorCode error;
  int32_t leader_epoch;
  int64_t end_offset;
  bool operator==(const Answer&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Answer& a) {
  return out << "{error " << static_cast<int>(a.error) << ", epoch " << a.leader_epoch << ", end " << a.end_offset << "}";
}

struct Node : runnel::test::ApiNode {
  explicit Node(const runnel::test::TempDir& dir) : ApiNode(dir / "data") {}

  std::shared_ptr<Partition> create(const std::string& topic) {
    REQUIRE(controller->create_topic(topic, 1, 1, {}, false).error == ErrorCode::none);
    auto stored = metadata->topic(topic);
    REQUIRE(stored);
    auto p = replicas->partition(*stored, 0);
    REQUIRE(p);
    return *p;
  }

  // `records` records appended by the leader at `epoch`.
  void append(Partition& p, int32_t epoch, int records) {
    auto batch = runnel::test::make_batch(records, kNowMs);
    REQUIRE(p.log().append_as_leader(batch, epoch, kNowMs));
  }

  // One partition's answer to OffsetForLeaderEpoch(topic, partition, epoch).
  Answer ask(const std::string& topic, int32_t partition, int32_t epoch, int16_t version = 4,
             int32_t current_leader_epoch = -1) {
    OffsetForLeaderEpochRequest request;
    request.replica_id = -1;
    request.topics.push_back({topic, {{partition, current_leader_epoch, epoch}}});
    auto response = call<OffsetForLeaderEpochResponse>(request, version);
    REQUIRE(response.topics.size() == 1);
    CHECK(response.topics[0].topic == topic);
    REQUIRE(response.topics[0].partitions.size() == 1);
    const auto& r = response.topics[0].partitions[0];
    CHECK(r.partition == partition);
    return {static_cast<ErrorCode>(r.error_code), r.leader_epoch, r.end_offset};
  }
};

const Answer kUndefined{ErrorCode::none, -1, -1};

}  // namespace

TEST_CASE("each epoch ends where the next begins; the latest at the log end offset", "[offset-for-leader-epoch]") {
  runnel::test::TempDir dir;
  Node node(dir);
  auto p = node.create("t");
  node.append(*p, 0, 4);
  node.append(*p, 0, 6);  // epoch 0: offsets 0..9
  node.append(*p, 3, 5);  // epoch 3: offsets 10..14
  REQUIRE(p->log().log_end_offset() == 15);

  for (int16_t version : {1, 2, 3, 4}) {
    INFO("version " << version);
    CHECK(node.ask("t", 0, 0, version) == Answer{ErrorCode::none, 0, 10});
    CHECK(node.ask("t", 0, 3, version) == Answer{ErrorCode::none, 3, 15});
    CHECK(node.ask("t", 0, 1, version) == Answer{ErrorCode::none, 0, 10});  // between the two: the one below
    CHECK(node.ask("t", 0, 7, version) == kUndefined);  // above the latest: UNDEFINED, as in Kafka
  }
  CHECK(node.ask("t", 0, 1, 0) == Answer{ErrorCode::none, -1, 10});  // v0 carries no epoch in the answer
}

TEST_CASE("an epoch older than every entry ends at the first entry's start; no entries or -1 are UNDEFINED",
          "[offset-for-leader-epoch]") {
  runnel::test::TempDir dir;
  Node node(dir);
  auto p = node.create("t");
  REQUIRE(p->log().leader_epochs().truncate_from_end(0));  // whatever becoming leader recorded
  node.append(*p, 2, 3);
  CHECK(node.ask("t", 0, 1) == Answer{ErrorCode::none, 1, 0});  // Kafka: the requested epoch, the first start
  CHECK(node.ask("t", 0, -1) == kUndefined);

  auto empty = node.create("empty");
  REQUIRE(empty->log().leader_epochs().truncate_from_end(0));  // whatever becoming leader recorded
  REQUIRE(empty->log().leader_epochs().entries().empty());
  CHECK(node.ask("empty", 0, 0) == kUndefined);
}

TEST_CASE("unknown partitions and a current leader epoch ahead of the partition's are refused",
          "[offset-for-leader-epoch]") {
  runnel::test::TempDir dir;
  Node node(dir);
  auto p = node.create("t");
  node.append(*p, 0, 2);

  const Answer unknown{ErrorCode::unknown_topic_or_partition, -1, -1};
  CHECK(node.ask("nope", 0, 0) == unknown);
  CHECK(node.ask("t", 1, 0) == unknown);
  CHECK(node.ask("t", -1, 0) == unknown);

  const int32_t current = p->leader_epoch();
  CHECK(node.ask("t", 0, 0, 2, current).error == ErrorCode::none);
  CHECK(node.ask("t", 0, 0, 2, current + 1) == Answer{ErrorCode::unknown_leader_epoch, -1, -1});
  if (current > 0) CHECK(node.ask("t", 0, 0, 2, current - 1).error == ErrorCode::fenced_leader_epoch);
}
