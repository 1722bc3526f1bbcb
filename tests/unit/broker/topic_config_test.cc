// Topic configs: the retention and compaction keys over their broker
// defaults (make_log_config, effective_topic_config, which DescribeConfigs
// reports), and apply_config_ops, IncrementalAlterConfigs' operations on a
// topic's overrides.

#include "broker/topic_config.h"

#include <catch2/catch.hpp>

#include "broker_config_util.h"

using namespace runnel::broker;

namespace {
BrokerConfig broker_with(const char* text) { return runnel::test::broker_config_from(text); }
using Op = ConfigOperation;
}  // namespace

TEST_CASE("SET stores a value and DELETE drops the override", "[topic-config]") {
  const auto broker = broker_with("");
  TopicConfigs overrides{{"segment.bytes", "4096"}, {"retention.ms", "1000"}};
  auto reason = apply_config_ops(broker,
                                 {{"segment.bytes", Op::set, "8192"},
                                  {"retention.ms", Op::delete_, ""},
                                  {"flush.messages", Op::set, "10"},
                                  {"segment.ms", Op::delete_, ""}},  // not overridden: nothing to drop
                                 overrides);
  CHECK_FALSE(reason);
  CHECK(overrides == TopicConfigs{{"segment.bytes", "8192"}, {"flush.messages", "10"}});
}

TEST_CASE("operations apply in order", "[topic-config]") {
  TopicConfigs overrides;
  CHECK_FALSE(apply_config_ops(broker_with(""),
                               {{"retention.ms", Op::set, "1"}, {"retention.ms", Op::delete_, ""},
                                {"segment.ms", Op::delete_, ""}, {"segment.ms", Op::set, "5"}},
                               overrides));
  CHECK(overrides == TopicConfigs{{"segment.ms", "5"}});
}

TEST_CASE("APPEND and SUBTRACT start from the broker default when the topic has no override", "[topic-config]") {
  const auto broker = broker_with("log.cleanup.policy=delete\n");
  TopicConfigs overrides;
  CHECK_FALSE(apply_config_ops(broker, {{"cleanup.policy", Op::append, "compact"}}, overrides));
  CHECK(overrides.at("cleanup.policy") == "delete,compact");
  CHECK_FALSE(apply_config_ops(broker, {{"cleanup.policy", Op::append, "compact,delete"}}, overrides));
  CHECK(overrides.at("cleanup.policy") == "delete,compact");  // items already there are not repeated
  CHECK_FALSE(apply_config_ops(broker, {{"cleanup.policy", Op::subtract, "delete"}}, overrides));
  CHECK(overrides.at("cleanup.policy") == "compact");
  CHECK_FALSE(apply_config_ops(broker, {{"cleanup.policy", Op::subtract, "delete,compact"}}, overrides));
  CHECK(overrides.at("cleanup.policy").empty());  // an empty list, as Kafka leaves it

  TopicConfigs fresh;
  CHECK_FALSE(apply_config_ops(broker_with("log.cleanup.policy=compact\n"),
                               {{"cleanup.policy", Op::append, "delete"}}, fresh));
  CHECK(fresh.at("cleanup.policy") == "compact,delete");
}

TEST_CASE("APPEND and SUBTRACT are refused for configs that are not lists, and for unknown keys", "[topic-config]") {
  const auto broker = broker_with("");
  TopicConfigs overrides{{"segment.bytes", "4096"}};
  auto reason = apply_config_ops(broker, {{"segment.bytes", Op::append, "1"}}, overrides);
  REQUIRE(reason);
  CHECK(*reason == "cannot APPEND to segment.bytes: it is not a list");
  reason = apply_config_ops(broker, {{"compression.type", Op::subtract, "gzip"}}, overrides);
  REQUIRE(reason);
  CHECK(*reason == "cannot SUBTRACT from compression.type: it is not a list");
  reason = apply_config_ops(broker, {{"no.such.config", Op::append, "x"}}, overrides);
  REQUIRE(reason);
  CHECK(*reason == "unknown topic config no.such.config");
  CHECK(overrides == TopicConfigs{{"segment.bytes", "4096"}});
}

TEST_CASE("retention and compaction overrides reach the log config", "[topic-config]") {
  const auto broker =
      broker_with("log.retention.hours=1\nlog.retention.bytes=4096\nlog.cleaner.min.cleanable.ratio=0.3\n");
  auto defaults = make_log_config(broker, {});
  CHECK(defaults.retention_ms == 3600000);
  CHECK(defaults.retention_bytes == 4096);
  CHECK(defaults.cleanup_delete);
  CHECK_FALSE(defaults.cleanup_compact);
  CHECK(defaults.delete_retention_ms == 86400000);
  CHECK(defaults.min_compaction_lag_ms == 0);
  CHECK(defaults.min_cleanable_dirty_ratio == 0.3);

  auto log = make_log_config(broker, {{"retention.ms", "-1"},
                                      {"retention.bytes", "1073741824"},
                                      {"cleanup.policy", "compact"},
                                      {"delete.retention.ms", "60000"},
                                      {"min.compaction.lag.ms", "5000"},
                                      {"min.cleanable.dirty.ratio", "0.01"}});
  CHECK(log.retention_ms == -1);  // unlimited stays -1
  CHECK(log.retention_bytes == 1073741824);
  CHECK_FALSE(log.cleanup_delete);
  CHECK(log.cleanup_compact);
  CHECK(log.delete_retention_ms == 60000);
  CHECK(log.min_compaction_lag_ms == 5000);
  CHECK(log.min_cleanable_dirty_ratio == 0.01);

  auto both = make_log_config(broker_with("log.cleanup.policy=compact\n"), {{"cleanup.policy", "compact,delete"}});
  CHECK(both.cleanup_delete);
  CHECK(both.cleanup_compact);
  auto neither = make_log_config(broker, {{"cleanup.policy", ""}});
  CHECK_FALSE(neither.cleanup_delete);
  CHECK_FALSE(neither.cleanup_compact);
}

TEST_CASE("the compaction keys report their broker defaults until overridden", "[topic-config]") {
  const auto broker = broker_with("");
  CHECK(effective_topic_config(broker, {}, "delete.retention.ms") == "86400000");
  CHECK(effective_topic_config(broker, {}, "min.compaction.lag.ms") == "0");
  CHECK(effective_topic_config(broker, {}, "min.cleanable.dirty.ratio") == "0.5");
  CHECK(effective_topic_config(broker, {}, "retention.ms") == "604800000");
  CHECK(effective_topic_config(broker, {}, "retention.bytes") == "-1");
  const auto tuned = broker_with("log.cleaner.delete.retention.ms=1\nlog.cleaner.min.compaction.lag.ms=2\n"
                                 "log.cleaner.min.cleanable.ratio=0.75\nlog.retention.minutes=-1\n");
  CHECK(effective_topic_config(tuned, {}, "delete.retention.ms") == "1");
  CHECK(effective_topic_config(tuned, {}, "min.compaction.lag.ms") == "2");
  CHECK(effective_topic_config(tuned, {}, "min.cleanable.dirty.ratio") == "0.75");
  CHECK(effective_topic_config(tuned, {}, "retention.ms") == "-1");
  CHECK(effective_topic_config(tuned, {{"min.cleanable.dirty.ratio", "0.9"}}, "min.cleanable.dirty.ratio") == "0.9");
}

TEST_CASE("bad compaction overrides are refused naming the key and the value", "[topic-config]") {
  CHECK(check_topic_config("min.cleanable.dirty.ratio", "1.01") ==
        "invalid value for min.cleanable.dirty.ratio: '1.01' (must be between 0 and 1)");
  CHECK(check_topic_config("min.cleanable.dirty.ratio", "-0.1") ==
        "invalid value for min.cleanable.dirty.ratio: '-0.1' (must be between 0 and 1)");
  CHECK(check_topic_config("delete.retention.ms", "-1") ==
        "invalid value for delete.retention.ms: '-1' (must be at least 0)");
  CHECK(check_topic_config("min.compaction.lag.ms", "soon") ==
        "invalid value for min.compaction.lag.ms: 'soon' (not a number)");
  CHECK(check_topic_config("retention.ms", "-2") == "invalid value for retention.ms: '-2' (must be at least -1)");
  CHECK_FALSE(check_topic_config("min.cleanable.dirty.ratio", "0"));
  CHECK_FALSE(check_topic_config("min.cleanable.dirty.ratio", "1"));
}
