#include "storage/topic_partition.h"

#include <catch2/catch.hpp>

using runnel::storage::TopicPartition;

TEST_CASE("partition directory names round-trip, with dashes in topic names") {
  TopicPartition tp{"orders-eu-west", 12};
  CHECK(tp.dir_name() == "orders-eu-west-12");
  auto parsed = TopicPartition::from_dir_name("orders-eu-west-12");
  REQUIRE(parsed);
  CHECK(*parsed == tp);
}

TEST_CASE("names that are not partition directories are rejected") {
  for (const char* name : {"meta.properties", "recovery-point-offset-checkpoint", "-1", "topic-", "topic-x1", "topic-+1", "topic-01"})
    CHECK_FALSE(TopicPartition::from_dir_name(name));
}
