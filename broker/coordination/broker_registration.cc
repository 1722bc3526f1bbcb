#include "broker/coordination/broker_registration.h"

#include <chrono>
#include <string_view>

#include "broker/coordination/zk_json.h"

namespace runnel::broker {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool plain(std::string_view s) { return s.find_first_of("\"\\") == std::string_view::npos; }

}  // namespace

std::string encode_endpoint(const BrokerEndpoint& e, int64_t timestamp_ms) {
  const std::string rack = e.rack ? "\"" + *e.rack + "\"" : "null";
  return "{\"version\":5,\"host\":\"" + e.host + "\",\"port\":" + std::to_string(e.port) + ",\"endpoints\":[\"" +
         e.listener + "://" + e.host + ":" + std::to_string(e.port) + "\"],\"rack\":" + rack +
         ",\"timestamp\":\"" + std::to_string(timestamp_ms) + "\"}";
}

std::optional<BrokerEndpoint> decode_endpoint(int32_t node_id, const std::string& data) {
  auto json = parse_json(data);
  if (!json) return std::nullopt;
  auto host = json->string_at("host");
  auto port = json->number_at("port");
  if (!host || !port) return std::nullopt;
  BrokerEndpoint e;
  e.node_id = node_id;
  e.host = std::move(*host);
  e.port = static_cast<int32_t>(*port);
  e.rack = json->string_at("rack");  // null: no rack
  if (const Json* endpoints = json->find("endpoints");
      endpoints && !endpoints->array.empty() && endpoints->array[0].kind == Json::Kind::string) {
    const std::string& first = endpoints->array[0].string;
    if (const auto scheme = first.find("://"); scheme != std::string::npos) e.listener = first.substr(0, scheme);
  }
  return e;
}

asio::awaitable<Result<void>> ensure_path(ZkSession& session, std::string path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    auto created = co_await session.create(prefix, "", ZkCreateMode::persistent);
    if (!created && created.error() != ZkErrc::node_exists) co_return fail(created.error());
    if (slash == std::string::npos) co_return Result<void>{};
  }
}

asio::awaitable<Result<void>> register_broker(ZkSession& session, BrokerEndpoint endpoint) {
  if (!plain(endpoint.host) || !plain(endpoint.listener) || (endpoint.rack && !plain(*endpoint.rack)))
    co_return fail(make_error_code(ZkErrc::bad_arguments));
  if (auto parents = co_await ensure_path(session, kBrokerIdsPath); !parents) co_return parents;
  auto created = co_await session.create(std::string(kBrokerIdsPath) + "/" + std::to_string(endpoint.node_id),
                                         encode_endpoint(endpoint, now_ms()), ZkCreateMode::ephemeral);
  if (!created) co_return fail(created.error());
  co_return Result<void>{};
}

}  // namespace runnel::broker
