#include "broker/coordination/broker_registration.h"

#include <chrono>
#include <stdexcept>
#include <string_view>

namespace runnel::broker {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool plain(std::string_view s) { return s.find_first_of("\"\\") == std::string_view::npos; }

// The raw text after `"key":` up to the next ',' or '}' (top-level scalars only).
std::optional<std::string_view> field(std::string_view json, std::string_view key) {
  std::string needle = "\"";
  needle.append(key).append("\":");
  const auto at = json.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = json.substr(at + needle.size());
  if (!rest.empty() && rest.front() == '"') {
    const auto end = rest.find('"', 1);
    if (end == std::string_view::npos) return std::nullopt;
    return rest.substr(0, end + 1);
  }
  return rest.substr(0, rest.find_first_of(",}"));
}

std::optional<std::string> string_field(std::string_view json, std::string_view key) {
  auto raw = field(json, key);
  if (!raw || raw->size() < 2 || raw->front() != '"') return std::nullopt;
  return std::string(raw->substr(1, raw->size() - 2));
}

}  // namespace

std::string encode_endpoint(const BrokerEndpoint& e, int64_t timestamp_ms) {
  const std::string rack = e.rack ? "\"" + *e.rack + "\"" : "null";
  return "{\"version\":5,\"host\":\"" + e.host + "\",\"port\":" + std::to_string(e.port) + ",\"endpoints\":[\"" +
         e.listener + "://" + e.host + ":" + std::to_string(e.port) + "\"],\"rack\":" + rack +
         ",\"timestamp\":\"" + std::to_string(timestamp_ms) + "\"}";
}

std::optional<BrokerEndpoint> decode_endpoint(int32_t node_id, const std::string& data) {
  BrokerEndpoint e;
  e.node_id = node_id;
  auto host = string_field(data, "host");
  auto port = field(data, "port");
  if (!host || !port) return std::nullopt;
  e.host = *host;
  try {
    e.port = std::stoi(std::string(*port));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (auto rack = string_field(data, "rack")) e.rack = *rack;
  if (auto at = data.find("\"endpoints\":[\""); at != std::string::npos) {
    const auto start = at + 14;
    const auto scheme = data.find("://", start);
    if (scheme != std::string::npos) e.listener = data.substr(start, scheme - start);
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
