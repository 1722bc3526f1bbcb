// Golden bytes for OffsetForLeaderEpoch, built by hand from the protocol
// guide's BNF: v0 (classic, no epochs beyond the requested one), v4 (compact,
// ReplicaId and CurrentLeaderEpoch, tagged fields at every level).
#include <catch2/catch.hpp>

#include "message_test_util.h"
#include "protocol/messages/offset_for_leader_epoch.h"

namespace runnel::protocol::messages {
namespace {

using test::Bytes;
using test::bytes_of;
using test::decode_all;
using test::encode;

TEST_CASE("OffsetForLeaderEpoch v0 request and response: int32 arrays, no epoch in the answer", "[messages][golden]") {
  const Bytes request = bytes_of({
      0x00, 0x00, 0x00, 0x01,  // [topics] 1
      0x00, 0x01, 't',         // topic
      0x00, 0x00, 0x00, 0x01,  // [partitions] 1
      0x00, 0x00, 0x00, 0x02,  // partition 2
      0x00, 0x00, 0x00, 0x03,  // leader_epoch 3
  });
  auto req = decode_all<OffsetForLeaderEpochRequest>(request, 0);
  CHECK(req.replica_id == -2);
  REQUIRE(req.topics.size() == 1);
  CHECK(req.topics[0].partitions.at(0).partition == 2);
  CHECK(req.topics[0].partitions[0].current_leader_epoch == -1);
  CHECK(req.topics[0].partitions[0].leader_epoch == 3);
  CHECK(encode(req, 0) == request);

  const Bytes response = bytes_of({
      0x00, 0x00, 0x00, 0x01,                          // [topics] 1
      0x00, 0x01, 't',                                 // topic
      0x00, 0x00, 0x00, 0x01,                          // [partitions] 1
      0x00, 0x00,                                      // error_code
      0x00, 0x00, 0x00, 0x02,                          // partition 2
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  // end_offset 42
  });
  auto resp = decode_all<OffsetForLeaderEpochResponse>(response, 0);
  CHECK(resp.topics.at(0).partitions.at(0).leader_epoch == -1);
  CHECK(resp.topics[0].partitions[0].end_offset == 42);
  CHECK(encode(resp, 0) == response);
}

TEST_CASE("OffsetForLeaderEpoch v4 request and response: compact, replica id, current epoch, throttle",
          "[messages][golden]") {
  const Bytes request = bytes_of({
      0x00, 0x00, 0x00, 0x01,  // replica_id 1
      0x02,                    // COMPACT_ARRAY, 1+1
      0x02, 't',               // COMPACT_STRING
      0x02,                    // COMPACT_ARRAY, 1+1
      0x00, 0x00, 0x00, 0x00,  // partition 0
      0x00, 0x00, 0x00, 0x05,  // current_leader_epoch 5
      0x00, 0x00, 0x00, 0x04,  // leader_epoch 4
      0x00, 0x00, 0x00,        // no tagged fields: partition, topic, request
  });
  auto req = decode_all<OffsetForLeaderEpochRequest>(request, 4);
  CHECK(req.replica_id == 1);
  CHECK(req.topics.at(0).partitions.at(0).current_leader_epoch == 5);
  CHECK(req.topics[0].partitions[0].leader_epoch == 4);
  CHECK(encode(req, 4) == request);

  const Bytes response = bytes_of({
      0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms
      0x02,                                            // COMPACT_ARRAY, 1+1
      0x02, 't',                                       // COMPACT_STRING
      0x02,                                            // COMPACT_ARRAY, 1+1
      0x00, 0x00,                                      // error_code
      0x00, 0x00, 0x00, 0x00,                          // partition 0
      0x00, 0x00, 0x00, 0x04,                          // leader_epoch 4
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  // end_offset 7
      0x00, 0x00, 0x00,                                // no tagged fields: partition, topic, response
  });
  auto resp = decode_all<OffsetForLeaderEpochResponse>(response, 4);
  CHECK(resp.topics.at(0).partitions.at(0).leader_epoch == 4);
  CHECK(resp.topics[0].partitions[0].end_offset == 7);
  CHECK(encode(resp, 4) == response);
}

}  // namespace
}  // namespace runnel::protocol::messages
