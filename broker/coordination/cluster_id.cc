#include "broker/coordination/cluster_id.h"

#include "broker/coordination/broker_registration.h"
#include "broker/coordination/zk_json.h"

namespace runnel::broker {

std::string encode_cluster_id(const std::string& id) { return "{\"version\":\"1\",\"id\":\"" + id + "\"}"; }

std::optional<std::string> decode_cluster_id(const std::string& data) {
  auto json = parse_json(data);
  if (!json) return std::nullopt;
  auto id = json->string_at("id");
  if (!id || id->empty()) return std::nullopt;
  return id;
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
