#pragma once
// ZkSession: one ZooKeeper session through the C client (libzookeeper_mt), with every
// completion delivered on an Asio executor. The C client enters the code here only
// (zk_session.cc, zk_errc.cc); broker/coordination/README.md states the contract in prose.
//
// - Operations never block: each queues a request with the C client and returns. Its result is
//   posted to the session's executor (callback forms) or resumes the awaiting coroutine on its
//   own executor (awaitable forms, which never pass through the session's executor: they work
//   while it is not running), as a Result whose error is a ZkErrc (zk_category()).
// - Watches are one-shot and fire on the session's executor: after the node event, or with
//   ZkWatchEvent::Type::session_expired / closed when the session ends first. A connection loss does not
//   fire them; the C client sets them again when it reconnects within the session.
// - Session state changes (connected, disconnected, expired, auth_failed) reach `on_state` on
//   the executor. After `expired` the session is dead: every operation fails with
//   session_expired until the owner calls renew(), which opens a new session behind the same
//   object (`connected` again, with a new session_id()). Operations started before a session's
//   first `connected` fail with connection_loss if that first attempt times out: wait for it.
// - close() ends the session (its ephemeral nodes go at once); outstanding operations complete
//   with ZkErrc::closing. The destructor closes a session that was not closed, which may block
//   for up to the session timeout: destroy a session off the I/O threads or after close().
// - Thread safety: operations may be started from any thread.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "broker/coordination/zk_errc.h"
#include "protocol/result.h"

namespace runnel::broker {

struct ZkStat {
  int64_t czxid = 0;
  int64_t mzxid = 0;
  int32_t version = 0;           // data version: the `version` of set() and remove()
  int32_t cversion = 0;          // children version
  int64_t ephemeral_owner = 0;   // session id of the owner, 0 for persistent nodes
  int32_t num_children = 0;
};

struct ZkNode {
  std::string data;
  ZkStat stat;
};

enum class ZkCreateMode { persistent, ephemeral, persistent_sequential, ephemeral_sequential };

enum class ZkSessionState { connected, disconnected, expired, auth_failed };

struct ZkWatchEvent {
  enum class Type { created, deleted, changed, children_changed, session_expired, closed };
  Type type;
  std::string path;
};

// The ZooKeeper C client's own log lines (at WARN and above: lost connections, reconnects,
// refused handshakes), without the client's time/thread prefix. Until a sink is set they go to
// stderr, as the client writes them. Set it once, before the first session.
enum class ZkClientLogLevel { info, warn, error };
void set_zookeeper_client_log(std::function<void(ZkClientLogLevel, std::string_view message)> sink);

class ZkSession {
 public:
  struct Options {
    std::string connect;  // "host:port[,host:port...][/chroot]"
    std::chrono::milliseconds session_timeout{6000};
  };
  using StateCallback = std::function<void(ZkSessionState)>;
  using Watcher = std::function<void(const ZkWatchEvent&)>;
  static constexpr int32_t kAnyVersion = -1;

  // Starts connecting (asynchronously; `on_state` hears `connected`). Throws std::system_error
  // when the C client refuses to start (a malformed connect string).
  ZkSession(asio::any_io_executor executor, Options options, StateCallback on_state = {});
  ~ZkSession();
  ZkSession(const ZkSession&) = delete;
  ZkSession& operator=(const ZkSession&) = delete;

  // The session id once connected (0 before).
  int64_t session_id() const;

  // Creates `path` with `data` (open ACL); returns the created path (with the sequence suffix for
  // sequential modes). Fails with node_exists, no_node (no parent), no_children_for_ephemerals.
  void create(const std::string& path, std::string_view data, ZkCreateMode mode,
              std::function<void(Result<std::string>)> done);
  asio::awaitable<Result<std::string>> create(std::string path, std::string data,
                                              ZkCreateMode mode = ZkCreateMode::persistent);

  // Data and stat of `path`; with a watcher, set only when the node exists (else no_node).
  void get(const std::string& path, Watcher watcher, std::function<void(Result<ZkNode>)> done);
  asio::awaitable<Result<ZkNode>> get(std::string path, Watcher watcher = {});

  // Replaces the data if the node's version is `version` (or any version with kAnyVersion);
  // returns the new stat. A stale version fails with bad_version and changes nothing.
  void set(const std::string& path, std::string_view data, int32_t version,
           std::function<void(Result<ZkStat>)> done);
  asio::awaitable<Result<ZkStat>> set(std::string path, std::string data, int32_t version = kAnyVersion);

  // Deletes the node if its version is `version` (or any with kAnyVersion).
  void remove(const std::string& path, int32_t version, std::function<void(Result<void>)> done);
  asio::awaitable<Result<void>> remove(std::string path, int32_t version = kAnyVersion);

  // The stat, or nullopt when the node does not exist. A watcher is set either way: it fires
  // with `created` for a missing node.
  void exists(const std::string& path, Watcher watcher, std::function<void(Result<std::optional<ZkStat>>)> done);
  asio::awaitable<Result<std::optional<ZkStat>>> exists(std::string path, Watcher watcher = {});

  // The children's names (not paths), sorted; with a watcher, set only when the node exists.
  void get_children(const std::string& path, Watcher watcher,
                    std::function<void(Result<std::vector<std::string>>)> done);
  asio::awaitable<Result<std::vector<std::string>>> get_children(std::string path, Watcher watcher = {});

  // Opens a new session (same connect string and timeout) in place of the current one, after
  // `expired` or to start over; operations and watches started from now on use it, and
  // `on_state` hears its states (the old one's are no longer reported). The old session is
  // closed in the background: its ephemeral nodes and watches go with it. Returns false after
  // close(), or when the C client refuses to start (then try again later).
  bool renew();

  // Ends the session without blocking the caller; completes once the C client has stopped (a
  // second close completes at once).
  void close(std::function<void()> done);
  asio::awaitable<void> close();

  struct Core;  // shared with the C client's threads (zk_session.cc)

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace runnel::broker
