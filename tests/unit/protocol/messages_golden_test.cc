// Golden bytes for ApiVersions and Metadata, built by hand from the protocol
// guide's BNF: each decodes to the expected fields and re-encodes to the same
// bytes.
#include <catch2/catch.hpp>

#include "message_test_util.h"
#include "protocol/messages/api_versions.h"
#include "protocol/messages/metadata.h"

namespace runnel::protocol::messages {
namespace {

using test::Bytes;
using test::bytes_of;
using test::decode_all;
using test::encode;

TEST_CASE("ApiVersions v0 request has an empty body", "[messages][golden]") {
  auto req = decode_all<ApiVersionsRequest>(Bytes{}, 0);
  CHECK(req.client_software_name.empty());
  CHECK(encode(req, 0).empty());
}

TEST_CASE("ApiVersions v3 request: compact client software name and version, tagged fields", "[messages][golden]") {
  const Bytes golden = bytes_of({
      0x0b, 'l', 'i', 'b', 'r', 'd', 'k', 'a', 'f', 'k', 'a',  // COMPACT_STRING, 10+1
      0x06, '2', '.', '0', '.', '2',                           // COMPACT_STRING, 5+1
      0x00,                                                    // no tagged fields
  });
  auto req = decode_all<ApiVersionsRequest>(golden, 3);
  CHECK(req.client_software_name == "librdkafka");
  CHECK(req.client_software_version == "2.0.2");
  CHECK(encode(req, 3) == golden);
}

TEST_CASE("ApiVersions v0 response: error code and an int32-counted array of ranges", "[messages][golden]") {
  const Bytes golden = bytes_of({
      0x00, 0x00,              // error_code
      0x00, 0x00, 0x00, 0x02,  // [api_keys] 2
      0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  // Produce 0-7
      0x00, 0x12, 0x00, 0x00, 0x00, 0x03,  // ApiVersions 0-3
  });
  auto resp = decode_all<ApiVersionsResponse>(golden, 0);
  CHECK(resp.error_code == 0);
  REQUIRE(resp.api_keys.size() == 2);
  CHECK(resp.api_keys[0] == ApiVersionsResponse::ApiVersion{0, 0, 7});
  CHECK(resp.api_keys[1] == ApiVersionsResponse::ApiVersion{18, 0, 3});
  CHECK(encode(resp, 0) == golden);
}

TEST_CASE("ApiVersions v3 response: compact array, per-entry and top-level tagged fields", "[messages][golden]") {
  const Bytes golden = bytes_of({
      0x00, 0x00,                                // error_code
      0x03,                                      // COMPACT_ARRAY, 2+1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00,  // Produce 0-7, no tags
      0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00,  // ApiVersions 0-3, no tags
      0x00, 0x00, 0x00, 0x00,                    // throttle_time_ms
      0x00,                                      // no tagged fields
  });
  auto resp = decode_all<ApiVersionsResponse>(golden, 3);
  REQUIRE(resp.api_keys.size() == 2);
  CHECK(resp.api_keys[1].max_version == 3);
  CHECK(resp.finalized_features_epoch == -1);
  CHECK(encode(resp, 3) == golden);
}

TEST_CASE("ApiVersions v3 response carries FinalizedFeaturesEpoch as tag 1 only when set", "[messages][golden]") {
  const Bytes golden = bytes_of({
      0x00, 0x00, 0x01,                                // error_code, empty COMPACT_ARRAY
      0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms
      0x01,                                            // one tagged field
      0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x05,           // tag 1, 8 bytes: epoch 5
  });
  auto resp = decode_all<ApiVersionsResponse>(golden, 3);
  CHECK(resp.finalized_features_epoch == 5);
  CHECK(resp.supported_features.empty());
  CHECK(encode(resp, 3) == golden);
}

TEST_CASE("ApiVersions response drops ThrottleTimeMs at v0", "[messages][golden]") {
  ApiVersionsResponse resp;
  resp.error_code = 35;  // UNSUPPORTED_VERSION
  resp.api_keys.push_back({18, 0, 3});
  resp.throttle_time_ms = 100;
  CHECK(encode(resp, 0) == bytes_of({0x00, 0x23, 0, 0, 0, 1, 0x00, 0x12, 0, 0, 0, 3}));
}

TEST_CASE("Metadata v0 request: an int32-counted array of topic names", "[messages][golden]") {
  const Bytes golden = bytes_of({0, 0, 0, 1, 0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's'});
  auto req = decode_all<MetadataRequest>(golden, 0);
  REQUIRE(req.topics.has_value());
  REQUIRE(req.topics->size() == 1);
  CHECK((*req.topics)[0].name == "orders");
  CHECK(req.allow_auto_topic_creation);  // not on the wire before v4: the default
  CHECK(encode(req, 0) == golden);
}

TEST_CASE("Metadata v0 request with a null topic array is malformed", "[messages][golden]") {
  const Bytes in = bytes_of({0xff, 0xff, 0xff, 0xff});
  Reader r(in);
  MetadataRequest req;
  req.decode(r, 0);
  CHECK(r.error() == Errc::unexpected_null);
}

TEST_CASE("Metadata v8 request: null topics (all) and three booleans", "[messages][golden]") {
  const Bytes golden = bytes_of({0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x01});
  auto req = decode_all<MetadataRequest>(golden, 8);
  CHECK_FALSE(req.topics.has_value());
  CHECK(req.allow_auto_topic_creation);
  CHECK_FALSE(req.include_cluster_authorized_operations);
  CHECK(req.include_topic_authorized_operations);
  CHECK(encode(req, 8) == golden);
}

TEST_CASE("Metadata v1 response, with fields of later versions dropped on encode", "[messages][golden]") {
  const Bytes golden = bytes_of({
      0, 0, 0, 1,                          // [brokers] 1
      0, 0, 0, 1, 0x00, 0x01, 'h',         //   node_id 1, host "h"
      0, 0, 0x23, 0x84, 0xff, 0xff,        //   port 9092, rack null
      0, 0, 0, 1,                          // controller_id 1
      0, 0, 0, 1,                          // [topics] 1
      0x00, 0x00, 0x00, 0x01, 't', 0x00,   //   error_code 0, name "t", is_internal false
      0, 0, 0, 1,                          //   [partitions] 1
      0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 1,  //     error_code 0, partition 0, leader 1
      0, 0, 0, 1, 0, 0, 0, 1,              //     replica_nodes [1]
      0, 0, 0, 1, 0, 0, 0, 1,              //     isr_nodes [1]
  });
  auto resp = decode_all<MetadataResponse>(golden, 1);
  REQUIRE(resp.brokers.size() == 1);
  CHECK(resp.brokers[0].port == 9092);
  CHECK_FALSE(resp.brokers[0].rack.has_value());
  CHECK(resp.controller_id == 1);
  REQUIRE(resp.topics.size() == 1);
  CHECK(resp.topics[0].partitions[0].isr_nodes == std::vector<int32_t>{1});
  CHECK(encode(resp, 1) == golden);

  resp.cluster_id = "cluster";  // v2+
  resp.throttle_time_ms = 5;    // v3+
  resp.topics[0].partitions[0].leader_epoch = 3;  // v7+
  resp.topics[0].topic_authorized_operations = 0;  // v8+
  CHECK(encode(resp, 1) == golden);
}

}  // namespace
}  // namespace runnel::protocol::messages
