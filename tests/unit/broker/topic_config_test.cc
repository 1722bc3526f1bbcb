// apply_config_ops: IncrementalAlterConfigs' operations on a topic's overrides.

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
