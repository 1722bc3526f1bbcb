#include "protocol/offsets_topic.h"

#include <utility>

#include "protocol/codec.h"
#include "protocol/errc.h"

namespace runnel::protocol::offsets_topic {
namespace {

constexpr int16_t kFirstFlexibleValueVersion = 4;
constexpr int16_t kLastValueVersion = 4;
constexpr size_t kMaxStringLength = 0x7fff;
// Smallest member encodings (v0 classic; flexible with no tagged fields),
// bounding the member count before anything is reserved.
constexpr size_t kMinClassicMemberSize = 3 * 2 + 4 + 2 * 4;
constexpr size_t kMinFlexibleMemberSize = 3 * 1 + 2 * 4 + 2 * 1 + 1;

// Reads the string and bytes of one value version: classic or compact.
class FieldReader {
 public:
  FieldReader(Reader& r, bool flexible) : r_(r), flexible_(flexible) {}

  std::string string() {
    if (!flexible_) return r_.read_string();
    std::string s = r_.read_compact_string();
    check_length(s.size());
    return s;
  }
  std::optional<std::string> nullable_string() {
    if (!flexible_) return r_.read_nullable_string();
    auto s = r_.read_compact_nullable_string();
    if (s) check_length(s->size());
    return s;
  }
  std::vector<std::byte> bytes() { return flexible_ ? r_.read_compact_bytes() : r_.read_bytes(); }
  int32_t array_length(size_t classic_min, size_t flexible_min) {
    return flexible_ ? r_.read_compact_array_length(flexible_min) : r_.read_array_length(classic_min);
  }
  void end_struct() {
    if (flexible_) r_.skip_tagged_fields();
  }

 private:
  void check_length(size_t n) {
    if (n > kMaxStringLength) r_.fail(Errc::bad_length);
  }

  Reader& r_;
  bool flexible_;
};

// The int16 version, or an error when it is outside [first, last].
Result<int16_t> read_version(Reader& r, int16_t first, int16_t last) {
  const int16_t version = r.read_int16();
  if (!r.ok()) return fail(r.error());
  if (version < first || version > last) return fail(Errc::invalid_record);
  return version;
}

// The decoded value once every byte is read without error.
template <class T>
Result<T> finish(const Reader& r, T value) {
  if (!r.ok()) return fail(r.error());
  if (r.remaining() != 0) return fail(Errc::bad_length);
  return value;
}

GroupMember read_member(FieldReader& f, Reader& r, int16_t version) {
  GroupMember m;
  m.member_id = f.string();
  if (version >= 3) m.group_instance_id = f.nullable_string();
  m.client_id = f.string();
  m.client_host = f.string();
  if (version >= 1) m.rebalance_timeout_ms = r.read_int32();
  m.session_timeout_ms = r.read_int32();
  if (version == 0) m.rebalance_timeout_ms = m.session_timeout_ms;
  m.subscription = f.bytes();
  m.assignment = f.bytes();
  f.end_struct();
  return m;
}

// The int16 version, then the fields that write_fields(Writer&) writes.
template <class WriteFields>
std::vector<std::byte> versioned(int16_t version, WriteFields&& write_fields) {
  Writer w;
  w.write_int16(version);
  write_fields(w);
  return std::move(w).finish().buffer;
}

}  // namespace

std::vector<std::byte> encode_key(const OffsetCommitKey& key) {
  return versioned(kOffsetCommitKeyVersion, [&](Writer& w) {
    w.write_string(key.group);
    w.write_string(key.topic);
    w.write_int32(key.partition);
  });
}

std::vector<std::byte> encode_key(const GroupMetadataKey& key) {
  return versioned(kGroupMetadataKeyVersion, [&](Writer& w) { w.write_string(key.group); });
}

std::vector<std::byte> encode_value(const OffsetCommitValue& value) {
  return versioned(kOffsetCommitValueVersion, [&](Writer& w) {
    w.write_int64(value.offset);
    w.write_int32(value.leader_epoch);
    w.write_string(value.metadata);
    w.write_int64(value.commit_timestamp);
  });
}

std::vector<std::byte> encode_value(const GroupMetadataValue& value) {
  return versioned(kGroupMetadataValueVersion, [&](Writer& w) {
    w.write_string(value.protocol_type);
    w.write_int32(value.generation);
    w.write_nullable_string(value.protocol);
    w.write_nullable_string(value.leader);
    w.write_int64(value.current_state_timestamp);
    w.write_array_length(value.members.size());
    for (const auto& m : value.members) {
      w.write_string(m.member_id);
      w.write_nullable_string(m.group_instance_id);
      w.write_string(m.client_id);
      w.write_string(m.client_host);
      w.write_int32(m.rebalance_timeout_ms);
      w.write_int32(m.session_timeout_ms);
      w.write_bytes(m.subscription);
      w.write_bytes(m.assignment);
    }
  });
}

Result<RecordKey> decode_key(std::span<const std::byte> in) {
  Reader r(in);
  auto version = read_version(r, 0, kGroupMetadataKeyVersion);
  if (!version) return fail(version.error());
  if (*version == kGroupMetadataKeyVersion) return finish<RecordKey>(r, GroupMetadataKey{r.read_string()});
  OffsetCommitKey key;
  key.group = r.read_string();
  key.topic = r.read_string();
  key.partition = r.read_int32();
  return finish<RecordKey>(r, std::move(key));
}

Result<OffsetCommitValue> decode_offset_commit_value(std::span<const std::byte> in) {
  Reader r(in);
  auto version = read_version(r, 0, kLastValueVersion);
  if (!version) return fail(version.error());
  FieldReader f(r, *version >= kFirstFlexibleValueVersion);
  OffsetCommitValue value;
  value.offset = r.read_int64();
  if (*version >= 3) value.leader_epoch = r.read_int32();
  value.metadata = f.string();
  value.commit_timestamp = r.read_int64();
  if (*version == 1) value.expire_timestamp = r.read_int64();
  f.end_struct();
  return finish(r, std::move(value));
}

Result<GroupMetadataValue> decode_group_metadata_value(std::span<const std::byte> in) {
  Reader r(in);
  auto version = read_version(r, 0, kLastValueVersion);
  if (!version) return fail(version.error());
  FieldReader f(r, *version >= kFirstFlexibleValueVersion);
  GroupMetadataValue value;
  value.protocol_type = f.string();
  value.generation = r.read_int32();
  value.protocol = f.nullable_string();
  value.leader = f.nullable_string();
  if (*version >= 2) value.current_state_timestamp = r.read_int64();
  const int32_t count = f.array_length(kMinClassicMemberSize, kMinFlexibleMemberSize);
  if (count < 0) r.fail(Errc::unexpected_null);
  if (count > 0) value.members.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count && r.ok(); ++i) value.members.push_back(read_member(f, r, *version));
  f.end_struct();
  return finish(r, std::move(value));
}

}  // namespace runnel::protocol::offsets_topic
