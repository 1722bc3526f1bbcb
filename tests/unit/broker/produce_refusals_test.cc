// ProduceRefusals (broker/handlers/produce_refusals.h): batches pipelined behind a refused one
// get its refusal; its retry ends it; it lasts for the requests that can be in flight behind it.
#include <catch2/catch.hpp>

#include "broker/handlers/produce_refusals.h"

using runnel::broker::ProduceRefusals;
using runnel::protocol::ErrorCode;

TEST_CASE("batches pipelined behind a refused one get its refusal until its retry", "[produce_refusals]") {
  ProduceRefusals refusals;
  refusals.begin_request();
  refusals.refused("t", 0, 7, 100, ErrorCode::not_leader_or_follower);
  refusals.begin_request();
  CHECK(refusals.carried("t", 0, 7, 103) == ErrorCode::not_leader_or_follower);  // N+1, pipelined
  CHECK(refusals.carried("t", 1, 7, 103) == ErrorCode::none);                    // another partition
  CHECK(refusals.carried("t", 0, 8, 103) == ErrorCode::none);                    // another producer
  refusals.begin_request();
  CHECK(refusals.carried("t", 0, 7, 100) == ErrorCode::none);  // the retry of N: taken, refusal over
  CHECK(refusals.carried("t", 0, 7, 103) == ErrorCode::none);
}

TEST_CASE("a refusal lasts for the requests that can be in flight behind it, the first one stands",
          "[produce_refusals]") {
  ProduceRefusals refusals;
  refusals.begin_request();
  refusals.refused("t", 0, 7, 100, ErrorCode::not_enough_replicas);
  refusals.refused("t", 0, 7, 103, ErrorCode::not_leader_or_follower);  // a later one does not replace it
  for (int i = 0; i < ProduceRefusals::kPipelineDepth; ++i) {
    refusals.begin_request();
    CHECK(refusals.carried("t", 0, 7, 110 + i) == ErrorCode::not_enough_replicas);
  }
  refusals.begin_request();  // sent after the client saw the refusal: judged on its own
  CHECK(refusals.carried("t", 0, 7, 120) == ErrorCode::none);
}
