#include "broker/config.h"

#include <catch2/catch.hpp>

#include "broker_config_util.h"

using namespace runnel::broker;

namespace {
BrokerConfig from_text(const char* text) { return runnel::test::broker_config_from(text); }
}  // namespace

TEST_CASE("defaults follow Kafka except that flushing is durable", "[config]") {
  auto config = from_text("");
  CHECK(config.node_id == 0);
  CHECK(config.listeners == std::vector<Listener>{{"PLAINTEXT", "", 9092}});
  CHECK(config.advertised_listeners == config.listeners);
  CHECK(config.log_dirs == std::vector<std::string>{"/tmp/kafka-logs"});
  CHECK(config.num_partitions == 1);
  CHECK(config.auto_create_topics_enable);
  CHECK(config.log.segment_bytes == 1073741824);
  CHECK(config.log.segment_ms == 168LL * 3600 * 1000);
  CHECK(config.log.index_interval_bytes == 4096);
  CHECK(config.log.max_message_bytes == 1048588);
  CHECK(config.log.flush_interval_messages == 1);
  CHECK(config.log.durable());
  CHECK(config.socket_request_max_bytes == 104857600);
  CHECK(config.values.at("log.retention.hours") == "168");
  CHECK(config.explicitly_set.empty());
}

TEST_CASE("a properties file sets keys, aliases and listeners", "[config]") {
  auto config = from_text(
      "# a comment\n"
      "broker.id=3\n"
      "listeners = PLAINTEXT://127.0.0.1:0\n"
      "advertised.listeners=PLAINTEXT://broker-3.example:9092\n"
      "log.dir=/data/a\n"
      "log.roll.ms=5000\n"
      "log.flush.interval.messages=9223372036854775807\n"
      "made.up.key=1\n");
  CHECK(config.node_id == 3);
  CHECK(config.listeners == std::vector<Listener>{{"PLAINTEXT", "127.0.0.1", 0}});
  CHECK(config.advertised_listeners == std::vector<Listener>{{"PLAINTEXT", "broker-3.example", 9092}});
  CHECK(config.log_dirs == std::vector<std::string>{"/data/a"});
  CHECK(config.log.segment_ms == 5000);
  CHECK_FALSE(config.log.durable());
  CHECK(config.unknown_keys == std::vector<std::string>{"made.up.key"});
  CHECK(config.explicitly_set.count("node.id") == 1);
}

TEST_CASE("a bad value is refused with one line naming the key and the value", "[config]") {
  auto refused = [](const char* text, const char* expected) {
    std::string error;
    auto props = parse_properties(text, &error);
    REQUIRE(props);
    try {
      make_broker_config(*props);
      FAIL("accepted: " << text);
    } catch (const ConfigError& e) {
      CHECK(std::string(e.what()) == expected);
    }
  };
  refused("num.partitions=zero", "invalid value for num.partitions: 'zero' (not a number)");
  refused("num.partitions=0", "invalid value for num.partitions: '0' (must be at least 1)");
  refused("auto.create.topics.enable=yes", "invalid value for auto.create.topics.enable: 'yes' (must be true or false)");
  refused("listeners=localhost:9092", "invalid value for listeners: 'localhost:9092' (expected NAME://host:port)");
  refused("listeners=PLAINTEXT://:99999", "invalid value for listeners: 'PLAINTEXT://:99999' (bad port '99999')");
  refused("log.message.timestamp.type=Now",
          "invalid value for log.message.timestamp.type: 'Now' (must be one of: CreateTime, LogAppendTime)");
  refused("message.max.bytes=3000000000", "invalid value for message.max.bytes: '3000000000' (out of range for a 32-bit int)");
}

TEST_CASE("a properties line without a separator is an error with its line number", "[config]") {
  std::string error;
  auto props = parse_properties("a=1\nnonsense\n", &error);
  CHECK_FALSE(props);
  CHECK(error == "line 2: expected key=value");
}
