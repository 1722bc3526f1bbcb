#include "broker/coordination/cluster_id.h"

#include "broker/coordination/broker_registration.h"

namespace runnel::broker {

std::string encode_cluster_id(const std::string& id) { return "{\"version\":\"1\",\"id\":\"" + id + "\"}"; }

std::optional<std::string> decode_cluster_id(const std::string& data) {
  static constexpr std::string_view kKey = "\"id\":\"";
  const auto at = data.find(kKey);
  if (at == std::string::npos) return std::nullopt;
  const auto start = at + kKey.size();
  const auto end = data.find('"', start);
  if (end == std::string::npos || end == start) return std::nullopt;
  return data.substr(start, end - start);
}

asio::awaitable<Result<std::string>> get_or_create_cluster_id(ZkSession& session, std::string candidate) {
  for (;;) {
    auto node = co_await session.get(kClusterIdPath);
    if (node) {
      if (auto id = decode_cluster_id(node->data)) co_return *id;
      co_return fail(make_error_code(ZkErrc::bad_arguments));
    }
    if (node.error() != ZkErrc::no_node) co_return fail(node.error());
    if (auto parent = co_await ensure_path(session, "/cluster"); !parent) co_return fail(parent.error());
    auto created = co_await session.create(kClusterIdPath, encode_cluster_id(candidate), ZkCreateMode::persistent);
    if (created) co_return candidate;
    if (created.error() != ZkErrc::node_exists) co_return fail(created.error());
    // Another broker created it first: read the winner's id.
  }
}

}  // namespace runnel::broker
