#include "broker/group/offsets_view.h"

#include <set>
#include <variant>

#include "protocol/byte_order.h"
#include "protocol/errc.h"

namespace runnel::broker::group {

namespace offsets_topic = protocol::offsets_topic;

namespace {

void put_int32(std::string& out, int32_t v) {
  std::byte bytes[4];
  protocol::write_be(bytes, v);
  out.append(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

void put_string(std::string& out, const std::string& s) {
  out += static_cast<char>((s.size() >> 8) & 0xff);
  out += static_cast<char>(s.size() & 0xff);
  out += s;
}

std::string prefix(char type, int32_t p) {
  std::string key(1, type);
  put_int32(key, p);
  return key;
}

std::string group_prefix(char type, int32_t p, const std::string& group) {
  std::string key = prefix(type, p);
  put_string(key, group);
  return key;
}

std::string offset_key(int32_t p, const std::string& group, const std::string& topic, int32_t partition) {
  std::string key = group_prefix('o', p, group);
  put_string(key, topic);
  put_int32(key, partition);
  return key;
}

// Reads a length-prefixed string at `pos`, advancing it; nullopt if truncated.
std::optional<std::string> get_string(std::string_view key, size_t& pos) {
  if (pos + 2 > key.size()) return std::nullopt;
  const size_t n = (static_cast<uint8_t>(key[pos]) << 8) | static_cast<uint8_t>(key[pos + 1]);
  pos += 2;
  if (pos + n > key.size()) return std::nullopt;
  std::string s(key.substr(pos, n));
  pos += n;
  return s;
}

std::optional<int32_t> get_int32(std::string_view key, size_t& pos) {
  if (pos + 4 > key.size()) return std::nullopt;
  const auto v = protocol::read_be<int32_t>(reinterpret_cast<const std::byte*>(key.data() + pos));
  pos += 4;
  return v;
}

std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace

Result<std::unique_ptr<OffsetsView>> OffsetsView::open(const std::string& path) {
  auto store = storage::MetaStore::open(path);
  if (!store) return fail(store.error());
  return std::unique_ptr<OffsetsView>(new OffsetsView(std::move(*store)));
}

Result<ViewCheckpoint> OffsetsView::checkpoint(int32_t p) const {
  auto value = store_->get(prefix('c', p));
  if (!value) return fail(value.error());
  if (!*value) return ViewCheckpoint{};
  const std::string& v = **value;
  if (v.size() != 12) return fail(protocol::Errc::invalid_record);
  const auto* bytes = reinterpret_cast<const std::byte*>(v.data());
  return ViewCheckpoint{protocol::read_be<int64_t>(bytes), protocol::read_be<int32_t>(bytes + 8)};
}

Result<void> OffsetsView::apply(int32_t p, std::span<const ViewRecord> records, ViewCheckpoint checkpoint) {
  std::vector<storage::MetaStore::Write> writes;
  writes.reserve(records.size() + 1);
  for (const auto& record : records) {
    std::string key;
    if (const auto* offset = std::get_if<offsets_topic::OffsetCommitKey>(&record.key))
      key = offset_key(p, offset->group, offset->topic, offset->partition);
    else
      key = group_prefix('g', p, std::get<offsets_topic::GroupMetadataKey>(record.key).group);
    std::optional<std::string> value;
    if (record.value)
      value.emplace(reinterpret_cast<const char*>(record.value->data()), record.value->size());
    writes.push_back({std::move(key), std::move(value)});
  }
  std::string cp(12, '\0');
  protocol::write_be(reinterpret_cast<std::byte*>(cp.data()), checkpoint.next_offset);
  protocol::write_be(reinterpret_cast<std::byte*>(cp.data() + 8), checkpoint.leader_epoch);
  writes.push_back({prefix('c', p), std::move(cp)});
  return store_->write(writes, false);
}

Result<void> OffsetsView::clear(int32_t p) {
  for (char type : {'o', 'g', 'c'})
    if (auto r = store_->remove_prefix(prefix(type, p)); !r) return r;
  return {};
}

Result<std::optional<offsets_topic::OffsetCommitValue>> OffsetsView::committed_offset(int32_t p,
                                                                                      const std::string& group,
                                                                                      const std::string& topic,
                                                                                      int32_t partition) const {
  auto value = store_->get(offset_key(p, group, topic, partition));
  if (!value) return fail(value.error());
  if (!*value) return std::optional<offsets_topic::OffsetCommitValue>{};
  auto decoded = offsets_topic::decode_offset_commit_value(as_bytes(**value));
  if (!decoded) return fail(decoded.error());
  return std::optional(std::move(*decoded));
}

Result<void> OffsetsView::scan_offsets(
    int32_t p, const std::string& group,
    const std::function<void(const std::string&, int32_t, const offsets_topic::OffsetCommitValue&)>& visit) const {
  const std::string start = group_prefix('o', p, group);
  std::error_code error;
  auto r = store_->scan(start, [&](std::string_view key, std::string_view value) {
    size_t pos = start.size();
    auto topic = get_string(key, pos);
    auto partition = get_int32(key, pos);
    auto decoded = offsets_topic::decode_offset_commit_value(as_bytes(value));
    if (!topic || !partition || pos != key.size() || !decoded) {
      error = make_error_code(protocol::Errc::invalid_record);
      return;
    }
    visit(*topic, *partition, *decoded);
  });
  if (!r) return r;
  if (error) return fail(error);
  return {};
}

Result<bool> OffsetsView::has_offsets(int32_t p, const std::string& group) const {
  bool found = false;
  auto r = store_->scan(group_prefix('o', p, group), [&](std::string_view, std::string_view) { found = true; });
  if (!r) return fail(r.error());
  return found;
}

Result<std::optional<offsets_topic::GroupMetadataValue>> OffsetsView::group_metadata(int32_t p,
                                                                                    const std::string& group) const {
  auto value = store_->get(group_prefix('g', p, group));
  if (!value) return fail(value.error());
  if (!*value) return std::optional<offsets_topic::GroupMetadataValue>{};
  auto decoded = offsets_topic::decode_group_metadata_value(as_bytes(**value));
  if (!decoded) return fail(decoded.error());
  return std::optional(std::move(*decoded));
}

Result<std::vector<std::string>> OffsetsView::groups(int32_t p) const {
  std::set<std::string> names;
  for (char type : {'g', 'o'}) {
    const std::string start = prefix(type, p);
    auto r = store_->scan(start, [&](std::string_view key, std::string_view) {
      size_t pos = start.size();
      if (auto group = get_string(key, pos)) names.insert(std::move(*group));
    });
    if (!r) return fail(r.error());
  }
  return std::vector<std::string>(names.begin(), names.end());
}

}  // namespace runnel::broker::group
