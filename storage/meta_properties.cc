#include "storage/meta_properties.h"

#include <array>
#include <charconv>
#include <map>
#include <random>
#include <string_view>

#include "storage/errc.h"

namespace runnel::storage {
namespace {

std::string path_of(const std::string& log_dir) { return log_dir + "/" + kMetaPropertiesFile; }

bool parse_int32(const std::string& s, int32_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && ptr == s.data() + s.size();
}

}  // namespace

std::string generate_cluster_id() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device device;
  std::array<uint8_t, 16> bytes;
  for (auto& b : bytes) b = static_cast<uint8_t>(device());
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // a version-4 UUID, as Kafka's Uuid.randomUuid
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  std::string id;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      id += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) id += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return id;  // 22 characters, unpadded base64url
}

Result<std::optional<MetaProperties>> read_meta_properties(FileSystem& fs, const std::string& log_dir) {
  const auto path = path_of(log_dir);
  if (!fs.exists(path)) return std::optional<MetaProperties>{};
  auto data = read_file(fs, path);
  if (!data) return fail(data.error());
  std::string_view text(reinterpret_cast<const char*>(data->data()), data->size());
  std::map<std::string, std::string> props;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail(Errc::bad_checkpoint);
    props[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  MetaProperties meta;
  auto node = props.count("node.id") ? props["node.id"] : props["broker.id"];
  if (!parse_int32(props["version"], meta.version) || !parse_int32(node, meta.node_id) ||
      props["cluster.id"].empty())
    return fail(Errc::bad_checkpoint);
  meta.cluster_id = props["cluster.id"];
  return std::optional<MetaProperties>(meta);
}

Result<void> write_meta_properties(FileSystem& fs, const std::string& log_dir, const MetaProperties& meta) {
  std::string text = "#Written by runneld; do not edit.\nversion=" + std::to_string(meta.version) +
                     "\nnode.id=" + std::to_string(meta.node_id) + "\ncluster.id=" + meta.cluster_id + "\n";
  return write_file_atomically(fs, path_of(log_dir), std::as_bytes(std::span(text)));
}

}  // namespace runnel::storage
