#include "tools/murmur2.h"

#include <catch2/catch.hpp>

#include "tools/partitioner.h"
#include "tools/timestamp.h"

using runnel::tools::java_partition;
using runnel::tools::murmur2;
using runnel::tools::parse_timestamp;

TEST_CASE("murmur2 matches the Java client's UtilsTest and librdkafka's vectors", "[cli]") {
  CHECK(murmur2("21") == -973932308);
  CHECK(murmur2("foobar") == -790332482);
  CHECK(murmur2("a-little-bit-long-string") == -985981536);
  CHECK(murmur2("abc") == 479470107);
  CHECK(murmur2("kafka") == static_cast<int32_t>(0xd067cf64));
  CHECK(murmur2("user-42") == 1459644460);
}

TEST_CASE("keyed records land on the Java partition of kafka-compat §3", "[cli]") {
  struct Vector {
    const char* key;
    int32_t p3, p6, p10;
  };
  for (const auto& v : {Vector{"21", 0, 0, 0}, Vector{"foobar", 0, 0, 6}, Vector{"kafka", 1, 4, 0},
                        Vector{"abc", 0, 3, 7}, Vector{"user-42", 1, 4, 0}}) {
    INFO(v.key);
    CHECK(java_partition(v.key, 3) == v.p3);
    CHECK(java_partition(v.key, 6) == v.p6);
    CHECK(java_partition(v.key, 10) == v.p10);
  }
}

TEST_CASE("timestamps are epoch milliseconds or ISO-8601 with an optional offset", "[cli]") {
  CHECK(parse_timestamp("1700000000123") == 1700000000123);
  CHECK(parse_timestamp("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_timestamp("2023-11-14T22:13:20.123Z") == 1700000000123);
  CHECK(parse_timestamp("2023-11-14T23:13:20.123+01:00") == 1700000000123);
  CHECK(parse_timestamp("2023-11-14 22:13:20") == 1700000000000);
  CHECK(parse_timestamp("2000-02-29T00:00Z") == 951782400000);
  CHECK_FALSE(parse_timestamp("yesterday"));
  CHECK_FALSE(parse_timestamp("2023-13-01T00:00:00Z"));
  CHECK_FALSE(parse_timestamp("2023-11-14T22:13:20+0"));
}

TEST_CASE("Partitioner: fixed partition, Java partition for keys, round-robin for keyless", "[cli]") {
  runnel::tools::Partitioner fixed(4, 2);
  CHECK(fixed.partition_for(std::nullopt) == 2);
  CHECK(fixed.partition_for("kafka") == 2);
  runnel::tools::Partitioner by_key(3, std::nullopt);
  CHECK(by_key.partition_for(std::nullopt) == 0);
  CHECK(by_key.partition_for("kafka") == java_partition("kafka", 3));
  CHECK(by_key.partition_for(std::nullopt) == 1);
  CHECK(by_key.partition_for(std::nullopt) == 2);
  CHECK(by_key.partition_for(std::nullopt) == 0);
}
