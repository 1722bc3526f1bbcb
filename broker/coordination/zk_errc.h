#pragma once
// ZkErrc: the failures of ZooKeeper operations (ZkSession), as std::error_code values of
// zk_category(). zk_error() maps the C client's ZOO_ERRORS codes to them in one place.

#include <system_error>

namespace runnel::broker {

enum class ZkErrc {
  no_node = 1,                 // ZNONODE: the node (or the parent of a created node) is missing
  node_exists,                 // ZNODEEXISTS
  bad_version,                 // ZBADVERSION: a compare-and-set on the node version lost
  not_empty,                   // ZNOTEMPTY: a node with children cannot be deleted
  no_children_for_ephemerals,  // ZNOCHILDRENFOREPHEMERALS
  connection_loss,             // ZCONNECTIONLOSS: the outcome is unknown (the change may have applied)
  operation_timeout,           // ZOPERATIONTIMEOUT
  session_expired,             // ZSESSIONEXPIRED, or a call on an expired session (ZINVALIDSTATE)
  closing,                     // the session was closed before the operation completed
  no_auth,                     // ZNOAUTH, ZAUTHFAILED
  bad_arguments,               // ZBADARGUMENTS: a malformed path, for instance
  other,                       // any other C client code
};

const std::error_category& zk_category();
std::error_code make_error_code(ZkErrc e);
// The C client's return code `rc` (ZOK gives an empty error_code).
std::error_code zk_error(int rc);

}  // namespace runnel::broker

namespace std {
template <>
struct is_error_code_enum<runnel::broker::ZkErrc> : true_type {};
}  // namespace std
