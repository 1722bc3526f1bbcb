// DescribeConfigs through its handler: every topic config is listed with its
// effective value and source, the retention and compaction keys included.

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <utility>

#include "api_node.h"
#include "protocol/error_code.h"
#include "protocol/messages/describe_configs.h"
#include "support/temp_dir.h"

using namespace runnel::broker;
using runnel::protocol::ErrorCode;
using runnel::protocol::messages::DescribeConfigsRequest;
using runnel::protocol::messages::DescribeConfigsResponse;

namespace {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kDynamicTopicConfig = 1;
constexpr int8_t kStaticBrokerConfig = 4;
constexpr int8_t kDefaultConfig = 5;

using ValueAndSource = std::pair<std::string, int8_t>;

// {name: (value, source)} of every config DescribeConfigs v1 lists for `topic`.
std::map<std::string, ValueAndSource> describe_topic(runnel::test::ApiNode& node, const std::string& topic) {
  DescribeConfigsRequest request;
  request.resources.push_back({kTopicResource, topic, std::nullopt});
  auto response = node.call<DescribeConfigsResponse>(request, 1);
  REQUIRE(response.results.size() == 1);
  REQUIRE(response.results[0].error_code == 0);
  std::map<std::string, ValueAndSource> configs;
  for (const auto& c : response.results[0].configs) configs[c.name] = {c.value.value_or("null"), c.config_source};
  return configs;
}

}  // namespace

TEST_CASE("DescribeConfigs lists the retention and compaction keys with their defaults and overrides",
          "[describe-configs]") {
  runnel::test::TempDir dir;
  runnel::test::ApiNode node(dir / "data", "log.retention.minutes=90\nlog.cleaner.min.cleanable.ratio=0.2\n");
  REQUIRE(node.controller->create_topic("t", 1, 1, {{"min.compaction.lag.ms", "60000"}}, false).error ==
          ErrorCode::none);
  auto configs = describe_topic(node, "t");
  CHECK(configs.at("delete.retention.ms") == ValueAndSource{"86400000", kDefaultConfig});
  CHECK(configs.at("min.compaction.lag.ms") == ValueAndSource{"60000", kDynamicTopicConfig});
  CHECK(configs.at("min.cleanable.dirty.ratio") == ValueAndSource{"0.2", kStaticBrokerConfig});
  CHECK(configs.at("retention.ms").first == "5400000");  // from log.retention.minutes
  CHECK(configs.at("retention.bytes") == ValueAndSource{"-1", kDefaultConfig});
  CHECK(configs.at("cleanup.policy") == ValueAndSource{"delete", kDefaultConfig});
  CHECK(configs.size() == topic_config_defs().size());
}
