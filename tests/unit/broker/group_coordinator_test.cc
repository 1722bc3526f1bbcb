// GroupCoordinator over a real single-node stack in a temporary directory:
// commits are records of __consumer_offsets read back through the RocksDB
// view, which a restart replays from its checkpoint or rebuilds when the log
// no longer reaches it; offsets of groups without members expire; groups are
// listed and deleted as Kafka does.

#include "broker/group/group_coordinator.h"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "single_node.h"
#include "support/temp_dir.h"

using namespace runnel::broker;
using namespace runnel::broker::group;
using runnel::protocol::ErrorCode;
namespace storage = runnel::storage;

namespace {

// runneld's wiring of a coordinator over `dir`, reopened from disk each time.
struct Coordinator : runnel::test::SingleNode {
  std::unique_ptr<GroupCoordinator> groups;
  asio::io_context io;

  explicit Coordinator(const runnel::test::TempDir& dir, int64_t retention_ms = 7LL * 24 * 3600 * 1000)
      : SingleNode(dir / "data", "offsets.topic.num.partitions=3\ngroup.initial.rebalance.delay.ms=0\n") {
    config.offsets_retention_ms = retention_ms;
    groups = std::make_unique<GroupCoordinator>(config, *metadata, *controller, *replicas);
    REQUIRE(groups->start());
  }

  ~Coordinator() {
    groups.reset();
    shutdown();
  }

  template <typename T>
  T run(asio::awaitable<T> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    io.restart();
    io.run();
    return future.get();
  }

  std::vector<ErrorCode> commit(const std::string& group, std::vector<OffsetCommitEntry> entries,
                                int32_t generation = -1) {
    return run(groups->commit_offsets(group, "", std::nullopt, generation, entries));
  }

  int64_t committed(const std::string& group, const std::string& topic, int32_t partition) {
    auto fetched = groups->fetch_offsets(group, std::vector<std::pair<std::string, int32_t>>{{topic, partition}});
    REQUIRE(fetched);
    REQUIRE(fetched->size() == 1);
    return fetched->front().offset;
  }

  storage::Log& offsets_log(const std::string& group) {
    auto topic = metadata->topic(kOffsetsTopic);
    REQUIRE(topic);
    auto partition = replicas->partition(*topic, groups->partition_for(group));
    REQUIRE(partition);
    return (*partition)->log();
  }
};

const std::vector<ErrorCode> kOk{ErrorCode::none};

}  // namespace

TEST_CASE("commits survive a restart: the view is replayed from its checkpoint", "[group]") {
  runnel::test::TempDir dir;
  {
    Coordinator c(dir);
    CHECK(c.metadata->topic(kOffsetsTopic)->partitions == 3);
    CHECK(c.metadata->topic(kOffsetsTopic)->configs.at("cleanup.policy") == "compact");
    CHECK(c.commit("g", {{"t", 0, 42, 5, "m"}, {"t", 1, 7, -1, std::nullopt}}) ==
          std::vector<ErrorCode>{ErrorCode::none, ErrorCode::none});
    CHECK(c.commit("g", {{"t", 0, 43, 5, "m2"}}) == kOk);
    CHECK(c.committed("g", "t", 0) == 43);
    CHECK(c.committed("g", "t", 2) == -1);
    CHECK(c.committed("other", "t", 0) == -1);
    // Members commit with their generation; a group that does not exist has none.
    CHECK(c.commit("nobody", {{"t", 0, 1, -1, std::nullopt}}, 3) == std::vector{ErrorCode::illegal_generation});
    std::string long_metadata(5000, 'x');
    CHECK(c.commit("g", {{"t", 2, 1, -1, long_metadata}}) == std::vector{ErrorCode::offset_metadata_too_large});
  }
  Coordinator again(dir);
  CHECK(again.committed("g", "t", 0) == 43);
  CHECK(again.committed("g", "t", 1) == 7);
  auto all = again.groups->fetch_offsets("g", std::nullopt);
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].metadata == "m2");
  CHECK((*all)[0].leader_epoch == 5);
}

TEST_CASE("a view ahead of its log is rebuilt from the log", "[group]") {
  runnel::test::TempDir dir;
  {
    Coordinator c(dir);
    CHECK(c.commit("g", {{"t", 0, 10, -1, std::nullopt}}) == kOk);
    CHECK(c.commit("g", {{"t", 0, 20, -1, std::nullopt}}) == kOk);
    // The second commit's record is lost (as a follower's divergent tail
    // would be), but the view already reflects it.
    storage::Log& log = c.offsets_log("g");
    REQUIRE(log.log_end_offset() == 2);
    REQUIRE(log.truncate_to(1));
    CHECK(c.committed("g", "t", 0) == 20);
  }
  Coordinator again(dir);
  CHECK(again.committed("g", "t", 0) == 10);
}

TEST_CASE("offsets of groups without members expire after offsets.retention", "[group]") {
  runnel::test::TempDir dir;
  Coordinator c(dir, 50);
  CHECK(c.commit("old", {{"t", 0, 5, -1, std::nullopt}}) == kOk);
  const int64_t end_before = c.offsets_log("old").log_end_offset();
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  CHECK(c.commit("fresh", {{"t", 0, 6, -1, std::nullopt}}) == kOk);
  c.groups->expire_offsets();
  CHECK(c.committed("old", "t", 0) == -1);
  CHECK(c.committed("fresh", "t", 0) == 6);
  CHECK(c.offsets_log("old").log_end_offset() > end_before);  // a tombstone, for compaction
  auto listed = c.groups->list_groups();
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().group_id == "fresh");
}

TEST_CASE("groups are listed, described and deleted as Kafka does", "[group]") {
  runnel::test::TempDir dir;
  Coordinator c(dir);
  CHECK(c.commit("simple", {{"t", 0, 5, -1, std::nullopt}}) == kOk);
  auto listed = c.groups->list_groups();
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().group_id == "simple");
  CHECK(listed->front().state == GroupState::empty);
  CHECK(c.groups->describe("simple").state == GroupState::empty);
  CHECK(c.groups->describe("unknown").state == GroupState::dead);

  JoinRequest join;
  join.client_id = "client";
  join.client_host = "/127.0.0.1";
  join.session_timeout_ms = 10000;
  join.rebalance_timeout_ms = 10000;
  join.protocol_type = "consumer";
  join.protocols = {{"range", {}}};
  JoinResult joined = c.run(c.groups->join("active", join));
  CHECK(joined.error == ErrorCode::none);
  CHECK(joined.generation == 1);
  CHECK(joined.leader == joined.member_id);
  CHECK(c.groups->delete_group("active") == ErrorCode::non_empty_group);
  CHECK(c.groups->describe("active").state == GroupState::completing_rebalance);
  CHECK(c.groups->leave("active", joined.member_id, std::nullopt) == ErrorCode::none);
  CHECK(c.groups->describe("active").state == GroupState::empty);

  CHECK(c.groups->delete_group("simple") == ErrorCode::none);
  CHECK(c.committed("simple", "t", 0) == -1);
  CHECK(c.groups->delete_group("simple") == ErrorCode::group_id_not_found);
  CHECK(c.groups->delete_group("active") == ErrorCode::none);
}
