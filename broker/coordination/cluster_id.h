#pragma once
// The cluster id of a ZooKeeper-coordinated cluster: the PERSISTENT node /cluster/id, in the
// shape of Kafka's:
//
//   {"version":"1","id":"<22 chars, base64url>"}
//
// The first broker to start creates it; every broker then reports that id, and a log dir whose
// meta.properties holds another one belongs to another cluster.

#include <asio/awaitable.hpp>
#include <optional>
#include <string>

#include "broker/coordination/zk_session.h"
#include "protocol/result.h"

namespace runnel::broker {

inline constexpr const char* kClusterIdPath = "/cluster/id";

std::string encode_cluster_id(const std::string& id);
// The id in `data`, or nullopt when it is not ours.
std::optional<std::string> decode_cluster_id(const std::string& data);

// The id in /cluster/id; when the node is missing, creates it with `candidate` (compare-and-set:
// a create that loses to another broker's reads the winner's). Fails with ZkErrc::bad_arguments
// when the node holds no id.
asio::awaitable<Result<std::string>> get_or_create_cluster_id(ZkSession& session, std::string candidate);

}  // namespace runnel::broker
