#include "broker/coordination/zk_errc.h"

#include <zookeeper/zookeeper.h>

#include <string>

namespace runnel::broker {
namespace {

class ZkCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "zookeeper"; }
  std::string message(int value) const override {
    switch (static_cast<ZkErrc>(value)) {
      case ZkErrc::no_node: return "znode does not exist";
      case ZkErrc::node_exists: return "znode already exists";
      case ZkErrc::bad_version: return "znode version does not match (compare-and-set lost)";
      case ZkErrc::not_empty: return "znode has children";
      case ZkErrc::no_children_for_ephemerals: return "ephemeral znodes cannot have children";
      case ZkErrc::connection_loss: return "connection to ZooKeeper lost (outcome unknown)";
      case ZkErrc::operation_timeout: return "ZooKeeper operation timed out";
      case ZkErrc::session_expired: return "ZooKeeper session expired";
      case ZkErrc::closing: return "ZooKeeper session closed";
      case ZkErrc::no_auth: return "not authorized for this znode";
      case ZkErrc::bad_arguments: return "bad arguments to ZooKeeper (malformed path?)";
      case ZkErrc::other: return "ZooKeeper error";
    }
    return "unknown ZooKeeper error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& zk_category() {
  static const ZkCategory category;
  return category;
}

std::error_code make_error_code(ZkErrc e) { return {static_cast<int>(e), zk_category()}; }

std::error_code zk_error(int rc) {
  switch (rc) {
    case ZOK: return {};
    case ZNONODE: return ZkErrc::no_node;
    case ZNODEEXISTS: return ZkErrc::node_exists;
    case ZBADVERSION: return ZkErrc::bad_version;
    case ZNOTEMPTY: return ZkErrc::not_empty;
    case ZNOCHILDRENFOREPHEMERALS: return ZkErrc::no_children_for_ephemerals;
    case ZCONNECTIONLOSS: return ZkErrc::connection_loss;
    case ZOPERATIONTIMEOUT: return ZkErrc::operation_timeout;
    case ZSESSIONEXPIRED:
    case ZINVALIDSTATE: return ZkErrc::session_expired;
    case ZCLOSING: return ZkErrc::closing;
    case ZNOAUTH:
    case ZAUTHFAILED: return ZkErrc::no_auth;
    case ZBADARGUMENTS: return ZkErrc::bad_arguments;
    default: return ZkErrc::other;
  }
}

}  // namespace runnel::broker
