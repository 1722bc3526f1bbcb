// Golden bytes for consumer-group messages whose fields come and go between
// versions, built by hand from the protocol guide's BNF.
#include <catch2/catch.hpp>

#include "message_test_util.h"
#include "protocol/messages/join_group.h"
#include "protocol/messages/leave_group.h"
#include "protocol/messages/offset_commit.h"

namespace runnel::protocol::messages {
namespace {

using test::append;
using test::Bytes;
using test::decode_all;
using test::encode;

const Bytes kGroup = test::bytes_of({0x00, 0x01, 'g'});

TEST_CASE("JoinGroup v0 and v5 requests: rebalance timeout and group instance id appear", "[messages][golden]") {
  Bytes v0 = kGroup;
  append(v0, {0, 0, 0x27, 0x10});  // session_timeout_ms 10000
  append(v0, {0x00, 0x00});        // member_id ""
  append(v0, {0x00, 0x08, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r'});
  append(v0, {0, 0, 0, 1, 0x00, 0x05, 'r', 'a', 'n', 'g', 'e', 0, 0, 0, 2, 0xca, 0xfe});
  auto req = decode_all<JoinGroupRequest>(v0, 0);
  CHECK(req.group_id == "g");
  CHECK(req.session_timeout_ms == 10000);
  CHECK(req.rebalance_timeout_ms == -1);
  CHECK(req.protocol_type == "consumer");
  REQUIRE(req.protocols.size() == 1);
  CHECK(req.protocols[0].name == "range");
  CHECK(req.protocols[0].metadata == test::bytes_of({0xca, 0xfe}));
  CHECK(encode(req, 0) == v0);

  req.rebalance_timeout_ms = 300000;
  req.group_instance_id.emplace(1, 'i');  // not = "i": GCC 12 -Wrestrict false positive (PR105329)
  Bytes v5 = kGroup;
  append(v5, {0, 0, 0x27, 0x10, 0x00, 0x04, 0x93, 0xe0, 0x00, 0x00, 0x00, 0x01, 'i'});
  append(v5, std::span<const std::byte>(v0).subspan(kGroup.size() + 6));  // protocol_type, protocols
  CHECK(encode(req, 5) == v5);
  CHECK(decode_all<JoinGroupRequest>(v5, 5) == req);
}

TEST_CASE("OffsetCommit v1 carries a commit timestamp per partition, v2 a retention time instead", "[messages][golden]") {
  Bytes v1 = kGroup;
  append(v1, {0, 0, 0, 3, 0x00, 0x01, 'm'});  // generation_id 3, member_id "m"
  append(v1, {0, 0, 0, 1, 0x00, 0x01, 't', 0, 0, 0, 1});
  append(v1, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x2a});        // partition 0, offset 42
  append(v1, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});  // commit_timestamp -1
  append(v1, {0xff, 0xff});                                    // committed_metadata null
  auto req = decode_all<OffsetCommitRequest>(v1, 1);
  CHECK(req.generation_id == 3);
  const auto& p = req.topics.at(0).partitions.at(0);
  CHECK(p.committed_offset == 42);
  CHECK(p.commit_timestamp == -1);
  CHECK_FALSE(p.committed_metadata.has_value());
  CHECK(encode(req, 1) == v1);

  req.retention_time_ms = 86400000;
  Bytes v2 = kGroup;
  append(v2, {0, 0, 0, 3, 0x00, 0x01, 'm', 0, 0, 0, 0, 0x05, 0x26, 0x5c, 0x00});  // retention 86400000
  append(v2, {0, 0, 0, 1, 0x00, 0x01, 't', 0, 0, 0, 1});
  append(v2, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x2a, 0xff, 0xff});
  CHECK(encode(req, 2) == v2);
}

TEST_CASE("LeaveGroup v0 names one member, v3 a batch of member identities", "[messages][golden]") {
  Bytes v0 = kGroup;
  append(v0, {0x00, 0x02, 'm', '1'});
  auto req = decode_all<LeaveGroupRequest>(v0, 0);
  CHECK(req.member_id == "m1");
  CHECK(req.members.empty());

  Bytes v3 = kGroup;
  append(v3, {0, 0, 0, 1, 0x00, 0x02, 'm', '1', 0xff, 0xff});
  auto batch = decode_all<LeaveGroupRequest>(v3, 3);
  REQUIRE(batch.members.size() == 1);
  CHECK(batch.members[0].member_id == "m1");
  CHECK_FALSE(batch.members[0].group_instance_id.has_value());
  CHECK(encode(batch, 3) == v3);
}

}  // namespace
}  // namespace runnel::protocol::messages
