#include "broker/group/offsets_view.h"

#include <catch2/catch.hpp>

#include "broker/group/group_coordinator.h"
#include "support/temp_dir.h"

using namespace runnel::broker::group;
namespace offsets_topic = runnel::protocol::offsets_topic;

TEST_CASE("a group's __consumer_offsets partition is Kafka's abs(String.hashCode) % N", "[group]") {
  // Expected values computed from Java's String.hashCode over UTF-16 code units.
  CHECK(java_string_hash("") == 0);
  CHECK(java_string_hash("a") == 97);
  CHECK(java_string_hash("my-group") == -1906497762);
  CHECK(java_string_hash("console-consumer-12345") == 158455506);
  CHECK(java_string_hash("grüße") == 98768023);
  CHECK(java_string_hash("g\xF0\x9F\x98\x80") == 1871882);  // a surrogate pair
  CHECK(java_string_hash("polygenelubricants") == INT32_MIN);
  CHECK(offsets_topic_partition("a", 50) == 47);
  CHECK(offsets_topic_partition("my-group", 50) == 12);
  CHECK(offsets_topic_partition("console-consumer-12345", 50) == 6);
  CHECK(offsets_topic_partition("g\xF0\x9F\x98\x80", 50) == 32);
  CHECK(offsets_topic_partition("polygenelubricants", 50) == 0);  // Utils.abs(MIN_VALUE) = 0
}

namespace {

ViewRecord commit(const std::string& group, const std::string& topic, int32_t partition, int64_t offset) {
  offsets_topic::OffsetCommitValue value{offset, 3, "meta", 1700000000000, -1};
  return {offsets_topic::OffsetCommitKey{group, topic, partition}, offsets_topic::encode_value(value)};
}

ViewRecord tombstone(const std::string& group, const std::string& topic, int32_t partition) {
  return {offsets_topic::OffsetCommitKey{group, topic, partition}, std::nullopt};
}

}  // namespace

TEST_CASE("the offsets view keeps the latest value per key and its checkpoint across reopen", "[group]") {
  runnel::test::TempDir tmp;
  {
    auto view = OffsetsView::open(tmp / "view");
    REQUIRE(view);
    auto none = (*view)->checkpoint(4);
    REQUIRE(none);
    CHECK(none->next_offset == 0);
    CHECK(none->leader_epoch == -1);
    std::vector<ViewRecord> first{commit("g", "t", 0, 10), commit("g", "t", 1, 20), commit("gg", "t", 0, 5),
                                  commit("h", "u", 2, 7)};
    REQUIRE((*view)->apply(4, first, {4, 0}));
    std::vector<ViewRecord> second{commit("g", "t", 0, 11), tombstone("g", "t", 1)};
    REQUIRE((*view)->apply(4, second, {6, 1}));
    offsets_topic::GroupMetadataValue meta{"consumer", 3, "range", "m-1", 1700000000000, {}};
    std::vector<ViewRecord> group{{offsets_topic::GroupMetadataKey{"meta-only"}, offsets_topic::encode_value(meta)}};
    REQUIRE((*view)->apply(9, group, {1, 1}));
  }
  auto view = OffsetsView::open(tmp / "view");
  REQUIRE(view);
  auto cp = (*view)->checkpoint(4);
  REQUIRE(cp);
  CHECK(cp->next_offset == 6);
  CHECK(cp->leader_epoch == 1);
  auto g0 = (*view)->committed_offset(4, "g", "t", 0);
  REQUIRE(g0);
  REQUIRE(g0->has_value());
  CHECK((*g0)->offset == 11);
  CHECK((*g0)->leader_epoch == 3);
  CHECK((*g0)->metadata == "meta");
  auto g1 = (*view)->committed_offset(4, "g", "t", 1);
  REQUIRE(g1);
  CHECK_FALSE(g1->has_value());

  // "g" is not a prefix match for "gg": names are length-prefixed in keys.
  std::vector<std::tuple<std::string, int32_t, int64_t>> scanned;
  REQUIRE((*view)->scan_offsets(4, "g", [&](const std::string& topic, int32_t partition,
                                            const offsets_topic::OffsetCommitValue& v) {
    scanned.emplace_back(topic, partition, v.offset);
  }));
  CHECK(scanned == std::vector<std::tuple<std::string, int32_t, int64_t>>{{"t", 0, 11}});
  auto groups = (*view)->groups(4);
  REQUIRE(groups);
  CHECK(*groups == std::vector<std::string>{"g", "gg", "h"});
  auto meta = (*view)->group_metadata(9, "meta-only");
  REQUIRE(meta);
  REQUIRE(meta->has_value());
  CHECK((*meta)->generation == 3);
  CHECK((*meta)->protocol == std::optional<std::string>("range"));

  REQUIRE((*view)->clear(4));
  auto cleared = (*view)->groups(4);
  REQUIRE(cleared);
  CHECK(cleared->empty());
  auto reset = (*view)->checkpoint(4);
  REQUIRE(reset);
  CHECK(reset->next_offset == 0);
  auto other = (*view)->groups(9);
  REQUIRE(other);
  CHECK(*other == std::vector<std::string>{"meta-only"});
}
