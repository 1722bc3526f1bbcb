// Controller: topic config changes (AlterConfigs, IncrementalAlterConfigs)
// are checked, stored in the metadata store and applied to open logs.

#include "broker/controller.h"

#include <catch2/catch.hpp>
#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "protocol/error_code.h"
#include "single_node.h"
#include "support/batches.h"
#include "support/temp_dir.h"

using namespace runnel::broker;
using runnel::protocol::ErrorCode;
namespace storage = runnel::storage;

namespace {

constexpr int64_t kNowMs = 1'700'000'000'000;
using Op = ConfigOperation;

struct TempDataDir {
  runnel::test::TempDir dir;
};

// A single node's controller over a temporary data dir, as runneld wires it.
struct Node : TempDataDir, runnel::test::SingleNode {
  explicit Node(const std::string& properties = "") : SingleNode(dir / "data", properties) {}

  TopicConfigs stored_configs(const std::string& topic) {
    auto stored = metadata->topic(topic);
    REQUIRE(stored);
    return stored->configs;
  }
};

}  // namespace

TEST_CASE("AlterConfigs replaces every override of a topic and keeps it across a restart", "[controller]") {
  Node node;
  REQUIRE(node.controller->create_topic("t", 1, 1, {{"segment.bytes", "4096"}, {"cleanup.policy", "compact"}}, false)
              .error == ErrorCode::none);
  auto outcome = node.controller->alter_topic_configs("t", {{"retention.ms", "60000"}}, false);
  CHECK(outcome.error == ErrorCode::none);
  CHECK(outcome.message.empty());
  REQUIRE(outcome.topic);
  CHECK(outcome.topic->configs == TopicConfigs{{"retention.ms", "60000"}});
  CHECK(node.stored_configs("t") == TopicConfigs{{"retention.ms", "60000"}});
  node.reopen_metadata();
  CHECK(node.stored_configs("t") == TopicConfigs{{"retention.ms", "60000"}});
}

TEST_CASE("an invalid or unknown config is INVALID_CONFIG and changes nothing", "[controller]") {
  Node node;
  REQUIRE(node.controller->create_topic("t", 1, 1, {{"segment.bytes", "4096"}}, false).error == ErrorCode::none);

  auto outcome = node.controller->alter_topic_configs("t", {{"segment.ms", "1000"}, {"segment.bytes", "12"}}, false);
  CHECK(outcome.error == ErrorCode::invalid_config);
  CHECK(outcome.message == "invalid value for segment.bytes: '12' (must be at least 1024)");
  CHECK_FALSE(outcome.topic);

  outcome = node.controller->incremental_alter_topic_configs("t", {{"no.such.config", Op::set, "1"}}, false);
  CHECK(outcome.error == ErrorCode::invalid_config);
  CHECK(outcome.message == "unknown topic config no.such.config");

  outcome = node.controller->incremental_alter_topic_configs(
      "t", {{"segment.ms", Op::set, "1000"}, {"segment.bytes", Op::append, "1"}}, false);
  CHECK(outcome.error == ErrorCode::invalid_config);
  CHECK(outcome.message == "cannot APPEND to segment.bytes: it is not a list");

  CHECK(node.stored_configs("t") == TopicConfigs{{"segment.bytes", "4096"}});
}

TEST_CASE("validate_only checks the change and stores nothing", "[controller]") {
  Node node;
  REQUIRE(node.controller->create_topic("t", 1, 1, {{"segment.bytes", "4096"}}, false).error == ErrorCode::none);
  auto outcome = node.controller->incremental_alter_topic_configs(
      "t", {{"segment.bytes", Op::delete_, ""}, {"retention.ms", Op::set, "1000"}}, true);
  CHECK(outcome.error == ErrorCode::none);
  REQUIRE(outcome.topic);
  CHECK(outcome.topic->configs == TopicConfigs{{"retention.ms", "1000"}});  // what it would become
  CHECK(node.stored_configs("t") == TopicConfigs{{"segment.bytes", "4096"}});

  outcome = node.controller->alter_topic_configs("t", {{"flush.messages", "0"}}, true);
  CHECK(outcome.error == ErrorCode::invalid_config);
  CHECK(node.stored_configs("t") == TopicConfigs{{"segment.bytes", "4096"}});
}

TEST_CASE("changing the configs of a missing topic is UNKNOWN_TOPIC_OR_PARTITION", "[controller]") {
  Node node;
  auto outcome = node.controller->alter_topic_configs("nope", {}, false);
  CHECK(outcome.error == ErrorCode::unknown_topic_or_partition);
  CHECK(outcome.message == "topic 'nope' does not exist");
  outcome = node.controller->incremental_alter_topic_configs("nope", {{"segment.ms", Op::set, "1"}}, true);
  CHECK(outcome.error == ErrorCode::unknown_topic_or_partition);
  CHECK_FALSE(node.metadata->topic("nope"));
}

TEST_CASE("IncrementalAlterConfigs changes only the keys it names", "[controller]") {
  Node node("log.cleanup.policy=delete\n");
  REQUIRE(node.controller->create_topic("t", 1, 1, {{"segment.bytes", "4096"}, {"retention.ms", "1000"}}, false)
              .error == ErrorCode::none);
  auto outcome = node.controller->incremental_alter_topic_configs(
      "t", {{"retention.ms", Op::delete_, ""}, {"cleanup.policy", Op::append, "compact"}}, false);
  CHECK(outcome.error == ErrorCode::none);
  CHECK(node.stored_configs("t") == TopicConfigs{{"segment.bytes", "4096"}, {"cleanup.policy", "delete,compact"}});
}

TEST_CASE("a config change reaches the topic's open logs without a restart", "[controller]") {
  Node node("log.segment.bytes=1048576\n");
  REQUIRE(node.controller->create_topic("t", 2, 1, {}, false).error == ErrorCode::none);
  auto topic = node.metadata->topic("t");
  REQUIRE(topic);
  auto p0 = node.replicas->partition(*topic, 0);
  REQUIRE(p0);
  CHECK((*p0)->log().config().segment_bytes == 1048576);

  REQUIRE(node.controller->alter_topic_configs("t", {{"segment.bytes", "2048"}, {"segment.ms", "60000"}}, false)
              .error == ErrorCode::none);
  CHECK((*p0)->log().config().segment_bytes == 2048);
  CHECK((*p0)->log().config().segment_ms == 60000);
  // A partition opened after the change gets it from the stored topic.
  auto p1 = node.replicas->partition(*node.metadata->topic("t"), 1);
  REQUIRE(p1);
  CHECK((*p1)->log().config().segment_bytes == 2048);

  // New segments roll at the new size.
  for (int i = 0; i < 8; ++i) {
    auto batch = runnel::test::make_batch(4, kNowMs + i, "v", 200);
    REQUIRE((*p0)->append(batch, kNowMs + i));
  }
  CHECK((*p0)->log().segment_count() > 1);

  REQUIRE(node.controller->incremental_alter_topic_configs("t", {{"segment.bytes", Op::delete_, ""}}, false).error ==
          ErrorCode::none);
  CHECK((*p0)->log().config().segment_bytes == 1048576);  // back to the broker default
}

TEST_CASE("switching a topic from page-cache mode to durable keeps its high watermark", "[controller]") {
  Node node;
  REQUIRE(node.controller->create_topic("t", 1, 1, {{"flush.messages", "1000"}}, false).error == ErrorCode::none);
  auto partition = node.replicas->partition(*node.metadata->topic("t"), 0);
  REQUIRE(partition);
  auto batch = runnel::test::make_batch(3, kNowMs);
  REQUIRE((*partition)->append(batch, kNowMs));
  REQUIRE((*partition)->high_watermark() == 3);  // visible before any fsync

  REQUIRE(node.controller->incremental_alter_topic_configs("t", {{"flush.messages", Op::delete_, ""}}, false).error ==
          ErrorCode::none);
  CHECK((*partition)->log().config().durable());
  CHECK((*partition)->high_watermark() == 3);
  CHECK((*partition)->log().flushed_offset() == 3);
}

TEST_CASE("replicas are assigned over the registered brokers; a manual assignment is checked", "[controller]") {
  Node node;
  node.controller->set_live_brokers([] { return std::vector<int32_t>{1, 2, 3}; });
  auto spread = node.controller->create_topic("spread", 6, 3, {}, true);
  REQUIRE(spread.error == ErrorCode::none);
  REQUIRE(spread.topic->assignment.size() == 6);
  std::map<int32_t, int> leaders;
  for (const auto& replicas : spread.topic->assignment) {
    std::vector<int32_t> sorted = replicas;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<int32_t>{1, 2, 3});
    ++leaders[replicas.front()];
  }
  CHECK(leaders == std::map<int32_t, int>{{1, 2}, {2, 2}, {3, 2}});  // preferred leaders spread evenly

  CHECK(node.controller->create_topic("big", 1, 4, {}, true).message ==
        "replication factor 4 is larger than the 3 available brokers");
  auto manual = node.controller->create_topic("manual", -1, -1, {}, true, {{2, 3}, {3, 1}});
  REQUIRE(manual.error == ErrorCode::none);
  CHECK(manual.topic->partitions == 2);
  CHECK(manual.topic->replication_factor == 2);
  CHECK(manual.topic->assignment == std::vector<std::vector<int32_t>>{{2, 3}, {3, 1}});
  for (const auto& bad : std::vector<std::vector<std::vector<int32_t>>>{{{2, 2}}, {{4}}, {{1, 2}, {3}}, {{}}})
    CHECK(node.controller->create_topic("bad", -1, -1, {}, true, bad).error == ErrorCode::invalid_replica_assignment);
}
