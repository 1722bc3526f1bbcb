#pragma once
// A BrokerConfig from properties text, for broker unit tests; fails the test
// case (naming the parse error) when the text does not parse.

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "broker/config.h"

namespace runnel::test {

inline broker::BrokerConfig broker_config_from(std::string_view text) {
  std::string error;
  auto props = broker::parse_properties(text, &error);
  INFO(error);
  REQUIRE(props);
  return broker::make_broker_config(*props);
}

}  // namespace runnel::test
