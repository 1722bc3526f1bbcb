// DeleteRecords through its handler on a single node: the log start moves
// (segments wholly below it go), ListOffsets earliest and Fetch follow it, the
// refusals are Kafka's, and the new log start is checkpointed before the
// answer, so a crash right after it keeps it.

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "api_node.h"
#include "protocol/error_code.h"
#include "protocol/messages/delete_records.h"
#include "protocol/messages/fetch.h"
#include "protocol/messages/list_offsets.h"
#include "support/batches.h"
#include "support/temp_dir.h"

using namespace runnel::broker;
using runnel::protocol::ErrorCode;
using runnel::protocol::messages::DeleteRecordsRequest;
using runnel::protocol::messages::DeleteRecordsResponse;
using runnel::protocol::messages::FetchRequest;
using runnel::protocol::messages::FetchResponse;
using runnel::protocol::messages::ListOffsetsRequest;
using runnel::protocol::messages::ListOffsetsResponse;

namespace {

constexpr int64_t kNowMs = 1'700'000'000'000;

struct Node : runnel::test::ApiNode {
  explicit Node(const runnel::test::TempDir& dir, const std::string& properties = "")
      : ApiNode(dir / "data", properties) {}

  std::shared_ptr<Partition> partition(const std::string& topic, int32_t index = 0) {
    auto stored = metadata->topic(topic);
    REQUIRE(stored);
    auto p = replicas->partition(*stored, index);
    REQUIRE(p);
    return *p;
  }

  // A topic of small segments holding `batches` batches of 10 records (offsets 10*i .. 10*i+9).
  std::shared_ptr<Partition> filled_topic(const std::string& name, int batches, TopicConfigs configs = {}) {
    configs.emplace("segment.bytes", "1024");
    REQUIRE(controller->create_topic(name, 2, 1, configs, false).error == ErrorCode::none);
    auto p = partition(name);
    for (int i = 0; i < batches; ++i) {
      auto batch = runnel::test::make_batch(10, kNowMs + i, "v", 40);
      REQUIRE(p->append(batch, kNowMs + i));
    }
    REQUIRE(p->log().flush());
    REQUIRE(p->high_watermark() == 10 * batches);
    return p;
  }

  // One partition's answer to DeleteRecords(topic, partition, offset).
  DeleteRecordsResponse::DeleteRecordsPartitionResult delete_records(const std::string& topic, int32_t partition,
                                                                     int64_t offset, int16_t version = 1) {
    DeleteRecordsRequest request;
    request.topics.push_back({topic, {{partition, offset}}});
    request.timeout_ms = 30000;
    auto response = call<DeleteRecordsResponse>(request, version);
    REQUIRE(response.topics.size() == 1);
    REQUIRE(response.topics[0].name == topic);
    REQUIRE(response.topics[0].partitions.size() == 1);
    CHECK(response.topics[0].partitions[0].partition_index == partition);
    return response.topics[0].partitions[0];
  }

  int64_t earliest(const std::string& topic) {
    ListOffsetsRequest request;
    request.replica_id = -1;
    request.topics.push_back({topic, {{0, -1, -2, 1}}});
    auto response = call<ListOffsetsResponse>(request, 1);
    REQUIRE(response.topics.at(0).partitions.at(0).error_code == 0);
    return response.topics.at(0).partitions.at(0).offset;
  }

  // The error of a Fetch at `offset` that finds no data to send.
  ErrorCode fetch_error(const std::string& topic, int64_t offset) {
    FetchRequest request;
    request.max_wait_ms = 0;
    request.min_bytes = 1;
    request.max_bytes = 1 << 20;
    request.topics.push_back({topic, {{0, -1, offset, -1, 1 << 20}}});
    auto response = call<FetchResponse>(request, 4);
    auto& p = response.responses.at(0).partitions.at(0);
    return static_cast<ErrorCode>(p.error_code);
  }
};

ErrorCode error_of(const DeleteRecordsResponse::DeleteRecordsPartitionResult& r) {
  return static_cast<ErrorCode>(r.error_code);
}

}  // namespace

TEST_CASE("DeleteRecords moves the log start and deletes the segments wholly below it", "[delete-records]") {
  runnel::test::TempDir dir;
  Node node(dir);
  auto p = node.filled_topic("t", 12);
  const size_t segments_before = p->log().segment_count();
  REQUIRE(segments_before > 3);

  auto r = node.delete_records("t", 0, 55);
  CHECK(error_of(r) == ErrorCode::none);
  CHECK(r.low_watermark == 55);
  CHECK(p->log().log_start_offset() == 55);
  CHECK(p->log().segment_count() < segments_before);
  for (const auto& segment : p->log().segments()) CHECK(segment.next_offset > 55);  // none wholly below
  CHECK(p->high_watermark() == 120);  // the end does not move

  CHECK(node.earliest("t") == 55);
  CHECK(node.fetch_error("t", 54) == ErrorCode::offset_out_of_range);
  CHECK(node.fetch_error("t", 0) == ErrorCode::offset_out_of_range);
}

TEST_CASE("DeleteRecords to -1 deletes up to the high watermark (v2, flexible)", "[delete-records]") {
  runnel::test::TempDir dir;
  Node node(dir);
  auto p = node.filled_topic("t", 6);
  auto r = node.delete_records("t", 0, Partition::kDeleteToHighWatermark, 2);
  CHECK(error_of(r) == ErrorCode::none);
  CHECK(r.low_watermark == 60);
  CHECK(p->log().log_start_offset() == 60);
  CHECK(node.earliest("t") == 60);
  CHECK(node.fetch_error("t", 59) == ErrorCode::offset_out_of_range);
  CHECK(node.fetch_error("t", 60) == ErrorCode::none);  // the end: nothing yet, no error

  // Appends go on after the new start.
  auto batch = runnel::test::make_batch(3, kNowMs);
  auto appended = p->append(batch, kNowMs);
  REQUIRE(appended);
  CHECK(appended->first_offset == 60);
}

TEST_CASE("an offset above the high watermark or below 0 is OFFSET_OUT_OF_RANGE and changes nothing",
          "[delete-records]") {
  runnel::test::TempDir dir;
  Node node(dir);
  auto p = node.filled_topic("t", 3);
  for (int64_t offset : {int64_t{31}, int64_t{1000}, int64_t{-2}, INT64_MIN}) {
    auto r = node.delete_records("t", 0, offset, 0);
    CHECK(error_of(r) == ErrorCode::offset_out_of_range);
    CHECK(r.low_watermark == -1);
  }
  CHECK(p->log().log_start_offset() == 0);
  auto r = node.delete_records("t", 0, 30);  // exactly the high watermark is allowed
  CHECK(error_of(r) == ErrorCode::none);
  CHECK(r.low_watermark == 30);
}

TEST_CASE("an offset below the log start is not an error: the low watermark stays", "[delete-records]") {
  runnel::test::TempDir dir;
  Node node(dir);
  node.filled_topic("t", 4);
  REQUIRE(node.delete_records("t", 0, 25).low_watermark == 25);
  auto r = node.delete_records("t", 0, 7);
  CHECK(error_of(r) == ErrorCode::none);
  CHECK(r.low_watermark == 25);
  r = node.delete_records("t", 0, 25);
  CHECK(error_of(r) == ErrorCode::none);
  CHECK(r.low_watermark == 25);
}

TEST_CASE("unknown topics and partitions, __consumer_offsets and compacted topics are refused", "[delete-records]") {
  runnel::test::TempDir dir;
  Node node(dir);
  auto p = node.filled_topic("t", 2);
  REQUIRE(node.controller->create_topic("compacted", 1, 1, {{"cleanup.policy", "compact"}}, false).error ==
          ErrorCode::none);

  DeleteRecordsRequest request;
  request.topics.push_back({"nope", {{0, 1}}});
  request.topics.push_back({"t", {{2, 1}, {-1, 1}, {0, 5}}});
  request.topics.push_back({"__consumer_offsets", {{0, 0}}});
  request.topics.push_back({"compacted", {{0, 0}}});
  auto response = node.call<DeleteRecordsResponse>(request, 1);
  REQUIRE(response.topics.size() == 4);
  auto code = [&](size_t topic, size_t partition) {
    return static_cast<ErrorCode>(response.topics.at(topic).partitions.at(partition).error_code);
  };
  CHECK(code(0, 0) == ErrorCode::unknown_topic_or_partition);
  CHECK(code(1, 0) == ErrorCode::unknown_topic_or_partition);
  CHECK(code(1, 1) == ErrorCode::unknown_topic_or_partition);
  CHECK(code(1, 2) == ErrorCode::none);
  CHECK(response.topics[1].partitions[2].low_watermark == 5);
  CHECK(code(2, 0) == ErrorCode::invalid_topic_exception);
  CHECK(code(3, 0) == ErrorCode::policy_violation);
  CHECK(response.topics[3].partitions[0].low_watermark == -1);
  CHECK(p->log().log_start_offset() == 5);

  // compact,delete allows it, as in Kafka.
  REQUIRE(node.controller->alter_topic_configs("compacted", {{"cleanup.policy", "compact,delete"}}, false).error ==
          ErrorCode::none);
  CHECK(error_of(node.delete_records("compacted", 0, 0)) == ErrorCode::none);
}

TEST_CASE("the new log start is checkpointed before the answer and survives a crash", "[delete-records]") {
  runnel::test::TempDir dir;
  {
    Node node(dir);
    node.filled_topic("t", 8);
    REQUIRE(node.delete_records("t", 0, 42).low_watermark == 42);
    // Leaving the scope without LogManager::shutdown() models a crash.
  }
  Node again(dir);
  auto p = again.partition("t");
  CHECK(p->log().log_start_offset() == 42);
  CHECK(p->high_watermark() == 80);
  CHECK(again.earliest("t") == 42);
  CHECK(again.fetch_error("t", 41) == ErrorCode::offset_out_of_range);
}
