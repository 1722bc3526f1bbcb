// __consumer_offsets keys and values: golden bytes written by hand from the
// layouts in protocol/offsets_topic.h, every older version decoded, and
// hostile input refused.
#include "protocol/offsets_topic.h"

#include <catch2/catch.hpp>

#include "message_test_util.h"

namespace runnel::protocol::offsets_topic {
namespace {

using test::append;
using test::Bytes;
using test::bytes_of;
using test::error_of;

Bytes with_version(int version, std::initializer_list<int> body) {
  Bytes out = bytes_of({(version >> 8) & 0xff, version & 0xff});
  append(out, body);
  return out;
}

// The same bytes with their leading int16 version replaced.
Bytes at_version(Bytes b, int version) {
  b[0] = static_cast<std::byte>((version >> 8) & 0xff);
  b[1] = static_cast<std::byte>(version & 0xff);
  return b;
}

// Every proper prefix of a whole encoding is refused as truncated.
template <class Decode>
void check_every_prefix_truncated(const Bytes& whole, Decode decode) {
  for (size_t n = 0; n < whole.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    CHECK(error_of(decode(std::span(whole).first(n))) == Errc::truncated);
  }
}

const Bytes kOffsetCommitKeyV1 = bytes_of({0x00, 0x01, 0x00, 0x01, 'g', 0x00, 0x01, 't', 0, 0, 0, 3});
const Bytes kGroupMetadataKeyV2 = bytes_of({0x00, 0x02, 0x00, 0x01, 'g'});

// offset 42, leader epoch 5, metadata "m", commit timestamp 1000.
const Bytes kOffsetCommitValueV3 = with_version(3, {0, 0, 0, 0, 0, 0, 0, 0x2a, 0, 0, 0, 5, 0x00, 0x01, 'm',  //
                                                    0, 0, 0, 0, 0, 0, 0x03, 0xe8});

GroupMetadataValue static_member_group() {
  GroupMetadataValue value;
  value.protocol_type = "consumer";
  value.generation = 7;
  value.protocol = "range";
  value.leader = "m1";
  value.current_state_timestamp = 1000;
  GroupMember m;
  m.member_id = "m1";
  m.group_instance_id = "i";
  m.client_id = "c";
  m.client_host = "/h";
  m.rebalance_timeout_ms = 300000;
  m.session_timeout_ms = 10000;
  m.subscription = bytes_of({0xca, 0xfe});
  value.members.push_back(m);
  return value;
}

const Bytes kGroupMetadataValueV3 = with_version(
    3, {0x00, 0x08, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r', 0, 0, 0, 7,  // protocol_type, generation
        0x00, 0x05, 'r', 'a', 'n', 'g', 'e', 0x00, 0x02, 'm', '1',      // protocol, leader
        0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0, 0, 0, 1,                        // current_state_timestamp, 1 member
        0x00, 0x02, 'm', '1', 0x00, 0x01, 'i', 0x00, 0x01, 'c',          // member_id, instance id, client_id
        0x00, 0x02, '/', 'h', 0x00, 0x04, 0x93, 0xe0, 0x00, 0x00, 0x27, 0x10,  // host, timeouts
        0, 0, 0, 2, 0xca, 0xfe, 0, 0, 0, 0});                                 // subscription, assignment

TEST_CASE("an offset commit key is written at version 1 and read back", "[offsets_topic]") {
  const OffsetCommitKey key{"g", "t", 3};
  CHECK(encode_key(key) == kOffsetCommitKeyV1);
  auto decoded = decode_key(kOffsetCommitKeyV1);
  REQUIRE(decoded);
  CHECK(std::get<OffsetCommitKey>(*decoded) == key);
}

TEST_CASE("an offset commit key at version 0 has the layout of version 1", "[offsets_topic]") {
  auto decoded = decode_key(at_version(kOffsetCommitKeyV1, 0));
  REQUIRE(decoded);
  CHECK(std::get<OffsetCommitKey>(*decoded) == OffsetCommitKey{"g", "t", 3});
}

TEST_CASE("a group metadata key is written at version 2 and read back", "[offsets_topic]") {
  CHECK(encode_key(GroupMetadataKey{"g"}) == kGroupMetadataKeyV2);
  auto decoded = decode_key(kGroupMetadataKeyV2);
  REQUIRE(decoded);
  CHECK(std::get<GroupMetadataKey>(*decoded) == GroupMetadataKey{"g"});
}

TEST_CASE("an offset commit value is written at version 3 without the expire timestamp", "[offsets_topic]") {
  const OffsetCommitValue value{42, 5, "m", 1000, -1};
  CHECK(encode_value(value) == kOffsetCommitValueV3);
  CHECK(decode_offset_commit_value(kOffsetCommitValueV3) == value);
  OffsetCommitValue expiring = value;
  expiring.expire_timestamp = 2000;
  CHECK(encode_value(expiring) == kOffsetCommitValueV3);
}

TEST_CASE("offset commit values of versions 0, 1 and 2 have no leader epoch; only 1 has an expire timestamp",
          "[offsets_topic]") {
  const std::initializer_list<int> v0_body = {0, 0, 0, 0, 0, 0, 0, 0x2a, 0x00, 0x01, 'm', 0, 0, 0, 0, 0, 0, 0x03, 0xe8};
  const OffsetCommitValue expected{42, -1, "m", 1000, -1};
  CHECK(decode_offset_commit_value(with_version(0, v0_body)) == expected);
  CHECK(decode_offset_commit_value(with_version(2, v0_body)) == expected);

  Bytes v1 = with_version(1, v0_body);
  append(v1, {0, 0, 0, 0, 0, 0, 0x07, 0xd0});
  OffsetCommitValue expiring = expected;
  expiring.expire_timestamp = 2000;
  CHECK(decode_offset_commit_value(v1) == expiring);
}

TEST_CASE("an offset commit value of version 4 is flexible and its tagged fields are skipped", "[offsets_topic]") {
  const Bytes v4 = with_version(4, {0, 0, 0, 0, 0, 0, 0, 0x2a, 0, 0, 0, 5, 0x02, 'm',  // compact "m"
                                    0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0x00});
  const OffsetCommitValue expected{42, 5, "m", 1000, -1};
  CHECK(decode_offset_commit_value(v4) == expected);

  Bytes tagged(v4.begin(), v4.end() - 1);
  append(tagged, {0x01, 0x05, 0x02, 0xab, 0xcd});  // one field: tag 5, two bytes
  CHECK(decode_offset_commit_value(tagged) == expected);
  check_every_prefix_truncated(tagged, decode_offset_commit_value);
}

TEST_CASE("a group metadata value is written at version 3 with static members and read back", "[offsets_topic]") {
  const GroupMetadataValue value = static_member_group();
  CHECK(encode_value(value) == kGroupMetadataValueV3);
  CHECK(decode_group_metadata_value(kGroupMetadataValueV3) == value);
}

TEST_CASE("group metadata values round trip with null protocol and leader and several members", "[offsets_topic]") {
  GroupMetadataValue value = static_member_group();
  value.protocol.reset();
  value.leader.reset();
  GroupMember dynamic = value.members[0];
  dynamic.member_id = "m2";
  dynamic.group_instance_id.reset();
  dynamic.assignment = bytes_of({0, 1, 2});
  value.members.push_back(dynamic);
  CHECK(decode_group_metadata_value(encode_value(value)) == value);

  value.members.clear();
  CHECK(decode_group_metadata_value(encode_value(value)) == value);
}

// A group metadata value of `version`: null protocol and leader, state
// timestamp `timestamp` (v2+), one member "m1" with client "c", host "/h",
// rebalance timeout 300000 (v1+), session timeout 10000 and empty bytes.
Bytes group_value(int version, int timestamp = 0) {
  Bytes out = with_version(version, {0x00, 0x08, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r', 0, 0, 0, 7,  //
                                     0xff, 0xff, 0xff, 0xff});  // protocol, leader null
  if (version >= 2) append(out, {0, 0, 0, 0, 0, 0, 0, timestamp});
  append(out, {0, 0, 0, 1, 0x00, 0x02, 'm', '1', 0x00, 0x01, 'c', 0x00, 0x02, '/', 'h'});
  if (version >= 1) append(out, {0x00, 0x04, 0x93, 0xe0});
  append(out, {0x00, 0x00, 0x27, 0x10, 0, 0, 0, 0, 0, 0, 0, 0});
  return out;
}

TEST_CASE("group metadata values of versions 0 to 2 add the rebalance timeout, then the state timestamp",
          "[offsets_topic]") {
  GroupMetadataValue expected;
  expected.protocol_type = "consumer";
  expected.generation = 7;
  expected.members.push_back({"m1", std::nullopt, "c", "/h", 10000, 10000, {}, {}});
  CHECK(decode_group_metadata_value(group_value(0)) == expected);  // rebalance timeout = session timeout

  expected.members[0].rebalance_timeout_ms = 300000;
  CHECK(decode_group_metadata_value(group_value(1)) == expected);

  expected.current_state_timestamp = 9;
  CHECK(decode_group_metadata_value(group_value(2, 9)) == expected);
}

TEST_CASE("a group metadata value of version 4 is flexible, with tagged fields per member and at the end",
          "[offsets_topic]") {
  const Bytes v4 = with_version(4, {0x09, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r', 0, 0, 0, 7,  //
                                    0x06, 'r', 'a', 'n', 'g', 'e', 0x03, 'm', '1',    // protocol, leader
                                    0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0x02,               // timestamp, 1 member
                                    0x03, 'm', '1', 0x02, 'i', 0x02, 'c', 0x03, '/', 'h',  //
                                    0x00, 0x04, 0x93, 0xe0, 0x00, 0x00, 0x27, 0x10,   // timeouts
                                    0x03, 0xca, 0xfe, 0x01,                           // subscription, assignment
                                    0x01, 0x00, 0x01, 0x00,                           // member tag 0
                                    0x00});
  CHECK(decode_group_metadata_value(v4) == static_member_group());
  check_every_prefix_truncated(v4, decode_group_metadata_value);
}

TEST_CASE("truncated keys and values are refused", "[offsets_topic]") {
  check_every_prefix_truncated(kOffsetCommitKeyV1, decode_key);
  check_every_prefix_truncated(kGroupMetadataKeyV2, decode_key);
  check_every_prefix_truncated(kOffsetCommitValueV3, decode_offset_commit_value);
  check_every_prefix_truncated(kGroupMetadataValueV3, decode_group_metadata_value);
}

TEST_CASE("bytes after a key or value are refused", "[offsets_topic]") {
  auto with_trailing_byte = [](Bytes b) {
    b.push_back(std::byte{0});
    return b;
  };
  CHECK(error_of(decode_key(with_trailing_byte(kOffsetCommitKeyV1))) == Errc::bad_length);
  CHECK(error_of(decode_key(with_trailing_byte(kGroupMetadataKeyV2))) == Errc::bad_length);
  CHECK(error_of(decode_offset_commit_value(with_trailing_byte(kOffsetCommitValueV3))) == Errc::bad_length);
  CHECK(error_of(decode_group_metadata_value(with_trailing_byte(kGroupMetadataValueV3))) == Errc::bad_length);
}

TEST_CASE("unknown key and value versions are refused", "[offsets_topic]") {
  for (int version : {-1, 3, 0x7fff}) {
    INFO("key version " << version);
    CHECK(error_of(decode_key(at_version(kGroupMetadataKeyV2, version))) == Errc::invalid_record);
  }
  for (int version : {-1, 5}) {
    INFO("value version " << version);
    CHECK(error_of(decode_offset_commit_value(at_version(kOffsetCommitValueV3, version))) == Errc::invalid_record);
    CHECK(error_of(decode_group_metadata_value(at_version(kGroupMetadataValueV3, version))) == Errc::invalid_record);
  }
}

TEST_CASE("null strings and a null member array are refused where Kafka has no null", "[offsets_topic]") {
  CHECK(error_of(decode_key(bytes_of({0x00, 0x02, 0xff, 0xff}))) == Errc::unexpected_null);
  Bytes null_members = with_version(0, {0x00, 0x00, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  CHECK(error_of(decode_group_metadata_value(null_members)) == Errc::unexpected_null);
}

TEST_CASE("a member count larger than the input is refused before anything is allocated", "[offsets_topic]") {
  const Bytes huge = with_version(0, {0x00, 0x00, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff});
  CHECK(error_of(decode_group_metadata_value(huge)) == Errc::truncated);
}

TEST_CASE("flexible strings longer than 32767 bytes are refused, so that all that decodes encodes again",
          "[offsets_topic]") {
  Bytes v4 = with_version(4, {0, 0, 0, 0, 0, 0, 0, 0x2a, 0, 0, 0, 5, 0x81, 0x80, 0x02});  // length 32768
  v4.resize(v4.size() + 32768, std::byte{'x'});
  append(v4, {0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0x00});
  CHECK(error_of(decode_offset_commit_value(v4)) == Errc::bad_length);
}

}  // namespace
}  // namespace runnel::protocol::offsets_topic
