#pragma once
// Broker registration in ZooKeeper: the EPHEMERAL node /brokers/ids/<node.id> holding the broker's
// advertised endpoint, alive as long as the broker's session. The node's data is JSON in the
// shape of Kafka's (fields Runnel writes and reads; others are ignored):
//
//   {"version":5,"host":"127.0.0.1","port":9092,"endpoints":["PLAINTEXT://127.0.0.1:9092"],
//    "rack":null,"timestamp":"1700000000000"}
//
// `rack` is a JSON string or null. Strings never contain `"` or `\` (host names, listener names
// and racks do not); register_broker() refuses anything else. decode_endpoint() parses the JSON
// (zk_json.h), so it also reads registrations written by Kafka's brokers.

#include <asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "broker/coordination/zk_session.h"
#include "protocol/result.h"

namespace runnel::broker {

struct BrokerEndpoint {
  int32_t node_id = -1;
  std::string listener = "PLAINTEXT";
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
  bool operator==(const BrokerEndpoint&) const = default;
};

inline constexpr const char* kBrokerIdsPath = "/brokers/ids";

std::string encode_endpoint(const BrokerEndpoint& endpoint, int64_t timestamp_ms);
// The endpoint in `data` (node_id taken from the argument), or nullopt when it is not ours.
std::optional<BrokerEndpoint> decode_endpoint(int32_t node_id, const std::string& data);

// Creates `path` and its missing ancestors as persistent nodes with empty data; a node that
// exists already is fine.
asio::awaitable<Result<void>> ensure_path(ZkSession& session, std::string path);

// Creates /brokers/ids (if needed) and the EPHEMERAL /brokers/ids/<node_id>. Fails with
// ZkErrc::node_exists when another live session registered the same node.id.
asio::awaitable<Result<void>> register_broker(ZkSession& session, BrokerEndpoint endpoint);

}  // namespace runnel::broker
