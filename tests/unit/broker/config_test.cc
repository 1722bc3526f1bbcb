#include "broker/config.h"

#include <catch2/catch.hpp>
#include <limits>

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

TEST_CASE("retention and cleaner keys default as in Kafka", "[config]") {
  auto config = from_text("");
  CHECK(config.log.retention_ms == 168LL * 3600 * 1000);
  CHECK(config.log.retention_bytes == -1);
  CHECK(config.log.cleanup_delete);
  CHECK_FALSE(config.log.cleanup_compact);
  CHECK(config.log.delete_retention_ms == 86400000);
  CHECK(config.log.min_compaction_lag_ms == 0);
  CHECK(config.log.min_cleanable_dirty_ratio == 0.5);
  CHECK(config.log_retention_check_interval_ms == 300000);
  CHECK(config.log_cleaner_enable);
  CHECK(config.log_cleaner_backoff_ms == 15000);
  CHECK(config.log_cleaner_dedupe_buffer_size == 134217728);
  CHECK(config.log_cleaner_io_max_bytes_per_second == std::numeric_limits<double>::max());
  CHECK(config.log_cleaner_io_buffer_size == 524288);
  CHECK(config.values.at("log.cleaner.io.max.bytes.per.second") == "1.7976931348623157E308");
  CHECK(config.values.at("log.cleaner.min.cleanable.ratio") == "0.5");
}

TEST_CASE("log.retention.ms wins over .minutes, which wins over .hours; a negative value is unlimited", "[config]") {
  CHECK(from_text("log.retention.hours=2\n").log.retention_ms == 2 * 3600 * 1000);
  CHECK(from_text("log.retention.hours=2\nlog.retention.minutes=3\n").log.retention_ms == 3 * 60 * 1000);
  CHECK(from_text("log.retention.hours=2\nlog.retention.minutes=3\nlog.retention.ms=4\n").log.retention_ms == 4);
  CHECK(from_text("log.retention.ms=-1\n").log.retention_ms == -1);
  CHECK(from_text("log.retention.minutes=-1\n").log.retention_ms == -1);
  CHECK(from_text("log.retention.hours=-1\n").log.retention_ms == -1);
  CHECK(from_text("log.retention.hours=-1\nlog.retention.ms=0\n").log.retention_ms == 0);
}

TEST_CASE("retention, cleanup policy and cleaner keys fill the log defaults", "[config]") {
  auto config = from_text(
      "log.retention.bytes=1048576\n"
      "log.cleanup.policy=compact, delete\n"
      "log.cleaner.delete.retention.ms=1000\n"
      "log.cleaner.min.compaction.lag.ms=2000\n"
      "log.cleaner.min.cleanable.ratio=0.25\n"
      "log.retention.check.interval.ms=5000\n"
      "log.cleaner.enable=false\n"
      "log.cleaner.backoff.ms=100\n"
      "log.cleaner.dedupe.buffer.size=1048576\n"
      "log.cleaner.io.max.bytes.per.second=1e6\n"
      "log.cleaner.io.buffer.size=4096\n");
  CHECK(config.log.retention_bytes == 1048576);
  CHECK(config.log.cleanup_delete);
  CHECK(config.log.cleanup_compact);
  CHECK(config.log.delete_retention_ms == 1000);
  CHECK(config.log.min_compaction_lag_ms == 2000);
  CHECK(config.log.min_cleanable_dirty_ratio == 0.25);
  CHECK(config.log_retention_check_interval_ms == 5000);
  CHECK_FALSE(config.log_cleaner_enable);
  CHECK(config.log_cleaner_backoff_ms == 100);
  CHECK(config.log_cleaner_dedupe_buffer_size == 1048576);
  CHECK(config.log_cleaner_io_max_bytes_per_second == 1e6);
  CHECK(config.log_cleaner_io_buffer_size == 4096);
  CHECK(from_text("log.cleaner.io.max.bytes.per.second=1.7976931348623157E308\n").log_cleaner_io_max_bytes_per_second ==
        std::numeric_limits<double>::max());
  auto compact_only = from_text("log.cleanup.policy=compact\n");
  CHECK_FALSE(compact_only.log.cleanup_delete);
  CHECK(compact_only.log.cleanup_compact);
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
  refused("log.cleaner.min.cleanable.ratio=1.5",
          "invalid value for log.cleaner.min.cleanable.ratio: '1.5' (must be between 0 and 1)");
  refused("log.cleaner.min.cleanable.ratio=half",
          "invalid value for log.cleaner.min.cleanable.ratio: 'half' (not a number)");
  refused("log.cleaner.min.cleanable.ratio=nan",
          "invalid value for log.cleaner.min.cleanable.ratio: 'nan' (not a number)");
  refused("log.cleaner.dedupe.buffer.size=1000",
          "invalid value for log.cleaner.dedupe.buffer.size: '1000' (must be at least 1048576)");
  refused("log.cleaner.io.max.bytes.per.second=0",
          "invalid value for log.cleaner.io.max.bytes.per.second: '0' (must be at least 1)");
  refused("log.cleanup.policy=delete,forever",
          "invalid value for log.cleanup.policy: 'delete,forever' (unknown item 'forever')");
  refused("log.cleaner.backoff.ms=-1", "invalid value for log.cleaner.backoff.ms: '-1' (must be at least 0)");
}

TEST_CASE("a properties line without a separator is an error with its line number", "[config]") {
  std::string error;
  auto props = parse_properties("a=1\nnonsense\n", &error);
  CHECK_FALSE(props);
  CHECK(error == "line 2: expected key=value");
}
