#include "protocol/error_code.h"

#include <catch2/catch.hpp>

namespace runnel::protocol {
namespace {

TEST_CASE("error codes carry Kafka's upper-case names", "[error_code]") {
  CHECK(error_name(ErrorCode::none) == "NONE");
  CHECK(error_name(ErrorCode::unknown_server_error) == "UNKNOWN_SERVER_ERROR");
  CHECK(error_name(ErrorCode::corrupt_message) == "CORRUPT_MESSAGE");
  CHECK(error_name(ErrorCode::invalid_topic_exception) == "INVALID_TOPIC_EXCEPTION");
  CHECK(error_name(ErrorCode::not_leader_or_follower) == "NOT_LEADER_OR_FOLLOWER");
  CHECK(error_name(ErrorCode::invalid_record) == "INVALID_RECORD");
}

TEST_CASE("an error code Runnel does not know is named UNKNOWN", "[error_code]") {
  CHECK(error_name(static_cast<ErrorCode>(999)) == "UNKNOWN");
}

}  // namespace
}  // namespace runnel::protocol
