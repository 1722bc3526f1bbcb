#include "broker/topic_metadata.h"

#include <catch2/catch.hpp>

#include "broker/topic_config.h"

using namespace runnel::broker;

TEST_CASE("topic metadata round-trips through its stored form", "[topics]") {
  TopicMetadata topic;
  topic.name = "orders.eu-1";
  topic.id = random_topic_id();
  topic.partitions = 3;
  topic.replication_factor = 2;
  topic.assignment = {{1, 2}, {2, 3}, {3, 1}};
  topic.configs = {{"cleanup.policy", "compact"}, {"segment.ms", "600000"}};
  auto text = encode_topic_metadata(topic);
  auto decoded = decode_topic_metadata("orders.eu-1", text);
  REQUIRE(decoded);
  CHECK(*decoded == topic);
  topic.assignment.clear();  // the embedded store's older entries: filled in when loaded
  decoded = decode_topic_metadata("orders.eu-1", encode_topic_metadata(topic));
  REQUIRE(decoded);
  CHECK(*decoded == topic);
  CHECK_FALSE(decode_topic_metadata("t", text + "assignment=1,2;2,x\n"));  // not node ids
  CHECK_FALSE(decode_topic_metadata("t", "partitions=3\n"));        // no id
  CHECK_FALSE(decode_topic_metadata("t", text + "surprise=1\n"));  // unknown line
}

TEST_CASE("topic names follow Kafka's rule", "[topics]") {
  CHECK(valid_topic_name("orders.eu_west-1"));
  CHECK(valid_topic_name(std::string(249, 'a')));
  CHECK_FALSE(valid_topic_name(std::string(250, 'a')));
  CHECK_FALSE(valid_topic_name(""));
  CHECK_FALSE(valid_topic_name("."));
  CHECK_FALSE(valid_topic_name(".."));
  CHECK_FALSE(valid_topic_name("has space"));
  CHECK_FALSE(valid_topic_name("slash/ed"));
}

TEST_CASE("topic configs override the broker's defaults", "[topics]") {
  std::string error;
  auto props = parse_properties("log.segment.bytes=2048\nlog.retention.hours=1\n", &error);
  REQUIRE(props);
  BrokerConfig broker = make_broker_config(*props);
  TopicConfigs overrides{{"segment.bytes", "4096"}, {"flush.messages", "100"}};
  auto log = make_log_config(broker, overrides);
  CHECK(log.segment_bytes == 4096);
  CHECK(log.flush_interval_messages == 100);
  CHECK(log.index_interval_bytes == 4096);
  CHECK(make_log_config(broker, {}).segment_bytes == 2048);
  CHECK(effective_topic_config(broker, overrides, "segment.bytes") == "4096");
  CHECK(effective_topic_config(broker, {}, "segment.bytes") == "2048");
  CHECK(effective_topic_config(broker, {}, "retention.ms") == "3600000");
  CHECK(effective_topic_config(broker, {}, "cleanup.policy") == "delete");
  CHECK(check_topic_config("segment.bytes", "12") == "invalid value for segment.bytes: '12' (must be at least 1024)");
  CHECK(check_topic_config("no.such.config", "1") == "unknown topic config no.such.config");
  CHECK_FALSE(check_topic_config("cleanup.policy", "compact,delete"));
}
