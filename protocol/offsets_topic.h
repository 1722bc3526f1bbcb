#pragma once
// Keys and values of the records in `__consumer_offsets`, as Kafka's group
// coordinator writes them and tools such as Burrow read them
// (docs: kafka-compat.md §4.7). Every key and value starts with an int16
// version; the key's version says which record it is. Strings are int16
// length + bytes, bytes int32 length + bytes, arrays int32 count; a flexible
// version (4) uses the compact forms (uvarint N+1) and ends each struct with
// a tagged-field section. A null value is a tombstone (the caller's concern).
//
//   Offset commit key      v0, v1 (same layout): group, topic, partition i32
//   Group metadata key     v2: group
//   Offset commit value    v0, v2: offset i64, metadata, commit_timestamp i64
//                          v1: v0 + expire_timestamp i64
//                          v3: offset i64, leader_epoch i32, metadata,
//                              commit_timestamp i64
//                          v4: v3 flexible
//   Group metadata value   protocol_type, generation i32, protocol (nullable),
//                          leader (nullable), current_state_timestamp i64 (v2+),
//                          members [member_id, group_instance_id (nullable,
//                          v3+), client_id, client_host, rebalance_timeout_ms
//                          i32 (v1+), session_timeout_ms i32, subscription
//                          bytes, assignment bytes]
//                          v0-v3 classic, v4 flexible
//
// Encoders write key v1 / v2 and value v3 (Burrow 1.2.1 reads offset commit
// values 0, 1 and 3). A string longer than 32767 bytes is a bug
// (std::length_error), as in Writer. Decoders take exactly one key or value:
// truncated input is Errc::truncated (or another Reader error), bytes left
// over are Errc::bad_length, and a version outside those above (Kafka's newer
// record types among them) is Errc::invalid_record. Strings of a flexible
// version longer than 32767 bytes are Errc::bad_length, as in Kafka, so that
// whatever decodes can be encoded again.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "protocol/result.h"

namespace runnel::protocol::offsets_topic {

inline constexpr int16_t kOffsetCommitKeyVersion = 1;
inline constexpr int16_t kGroupMetadataKeyVersion = 2;
inline constexpr int16_t kOffsetCommitValueVersion = 3;
inline constexpr int16_t kGroupMetadataValueVersion = 3;

struct OffsetCommitKey {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  friend bool operator==(const OffsetCommitKey&, const OffsetCommitKey&) = default;
};

struct GroupMetadataKey {
  std::string group;
  friend bool operator==(const GroupMetadataKey&, const GroupMetadataKey&) = default;
};

using RecordKey = std::variant<OffsetCommitKey, GroupMetadataKey>;

struct OffsetCommitValue {
  int64_t offset = 0;
  int32_t leader_epoch = -1;  // v3+; -1 when decoded from older versions
  std::string metadata;
  int64_t commit_timestamp = 0;
  int64_t expire_timestamp = -1;  // v1 only; -1 otherwise, not written by encode_value
  friend bool operator==(const OffsetCommitValue&, const OffsetCommitValue&) = default;
};

struct GroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+; null when decoded from older versions
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;  // v1+; v0 takes the session timeout, as Kafka does
  int32_t session_timeout_ms = 0;
  std::vector<std::byte> subscription;
  std::vector<std::byte> assignment;
  friend bool operator==(const GroupMember&, const GroupMember&) = default;
};

struct GroupMetadataValue {
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t current_state_timestamp = -1;  // v2+; -1 when decoded from older versions
  std::vector<GroupMember> members;
  friend bool operator==(const GroupMetadataValue&, const GroupMetadataValue&) = default;
};

std::vector<std::byte> encode_key(const OffsetCommitKey& key);   // version 1
std::vector<std::byte> encode_key(const GroupMetadataKey& key);  // version 2
std::vector<std::byte> encode_value(const OffsetCommitValue& value);   // version 3
std::vector<std::byte> encode_value(const GroupMetadataValue& value);  // version 3

// Key versions 0 and 1 give an OffsetCommitKey, 2 a GroupMetadataKey.
[[nodiscard]] Result<RecordKey> decode_key(std::span<const std::byte> in);
// Versions 0-4.
[[nodiscard]] Result<OffsetCommitValue> decode_offset_commit_value(std::span<const std::byte> in);
// Versions 0-4.
[[nodiscard]] Result<GroupMetadataValue> decode_group_metadata_value(std::span<const std::byte> in);

}  // namespace runnel::protocol::offsets_topic
