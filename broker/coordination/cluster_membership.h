#pragma once
// ClusterMembership: this broker in a ZooKeeper-coordinated cluster. It owns the session
// (ZkSession) and, on it, the broker's registration (broker_registration.h), the controller
// election (controller_election.h) and the view of the registered brokers (cluster_view.h).
//
// - join_cluster() connects (bounded by the connection timeout) and returns the cluster id in
//   /cluster/id, creating it with the candidate when missing (cluster_id.h). The broker opens its
//   log dirs with that id, so it runs before start().
// - start() connects (if join_cluster() did not), registers `self`, starts the election and the
//   view, and returns once the view lists this broker and a controller is known. A registration
//   of the same node.id by another session is waited out for 1.5 session timeouts (a crashed
//   predecessor's node goes when its session expires); still there, start() fails.
// - Session expiry (a pause or a partition longer than the session timeout) ends the
//   registration and the election with the session, as for a crashed broker: the others elect
//   new leaders without this one. The membership then renews the session, has the owner reload
//   what the old session watched (`on_renewed`, which reports when the new copy is in), registers
//   again and starts a new election and view. It keeps trying (a new session after each failure)
//   until the broker stops; meanwhile this broker is the controller of nothing.
// - A registration refused because another session holds this node.id past 1.5 session
//   timeouts, or an authentication failure, is final: `on_lost` hears it, once, on the
//   executor, and the owner stops the broker (status 1).
// - A pause of the whole process longer than half the session timeout (pause_fence.h) fences this
//   broker's leaderships: fenced() is true until a ZooKeeper round trip started after the pause
//   succeeded with no rejoin under way and on an unchanged session (after an expiry: once the
//   rejoin, which reloads and registers, is done), and then the owner's `on_caught_up` reported
//   that what the broker acts on follows the current metadata. The watchdog runs from start().
// - close() ends the session so the ephemeral nodes (registration, /controller) go at once.
// Everything runs on one strand of the executor given at construction; brokers() and
// controller_id() may be called from any thread. The change listener (on_change) runs on that
// strand after the registered brokers or the controller changed.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/strand.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/coordination/broker_registration.h"
#include "broker/coordination/cluster_view.h"
#include "broker/coordination/controller_election.h"
#include "broker/coordination/pause_fence.h"
#include "broker/coordination/zk_session.h"

namespace runnel::broker {

class ClusterMembership {
 public:
  struct Options {
    std::string connect;  // zookeeper.connect
    std::chrono::milliseconds session_timeout{18000};
    std::chrono::milliseconds connection_timeout{18000};
    int32_t node_id = -1;
  };
  using LostCallback = std::function<void(const std::string& reason)>;

  // Starts connecting. Throws std::runtime_error when the C client refuses the connect string.
  ClusterMembership(asio::any_io_executor executor, Options options, LostCallback on_lost);
  ~ClusterMembership();

  // Each throws std::runtime_error with a one-line message when the broker cannot join.
  asio::awaitable<std::string> join_cluster(std::string candidate_id);
  asio::awaitable<void> start(BrokerEndpoint self);
  void close(std::function<void()> done);

  // `listener` runs on executor() after brokers() or controller_id() changed (set before start()).
  void on_change(std::function<void()> listener);
  // Work done elsewhere, asynchronously: it calls `done` (from any thread) when finished.
  using AsyncStep = std::function<void(std::function<void()> done)>;
  // After an expiry, once the renewed session is connected and before this broker registers
  // again: `reload` must rebuild what the old session watched. Set before start().
  void on_renewed(AsyncStep reload) { on_renewed_ = std::move(reload); }
  // Before a pause's fence lifts: `catch_up` must bring the partitions in line with the current
  // metadata. Set before start().
  void on_caught_up(AsyncStep catch_up) { on_caught_up_ = std::move(catch_up); }
  // The session: connected once join_cluster() or start() returned (the ZooKeeper MetadataStore
  // works on it).
  ZkSession& session() { return *session_; }
  // The strand everything here runs on (the session's executor).
  asio::any_io_executor executor() const { return strand_; }

  // Empty and -1 until start() registered; after an expiry, the last list and -1 until this
  // broker is registered again.
  std::vector<BrokerEndpoint> brokers() const;
  int32_t controller_id() const;
  // The controller epoch this broker won with; -1 when it is not the controller.
  int32_t controller_epoch() const;
  // True while a pause may have cost this broker its leaderships unnoticed (see above). Any thread.
  bool fenced() const { return fence_.fenced(); }

 private:
  void on_state(ZkSessionState state);
  asio::awaitable<void> connect();
  asio::awaitable<bool> wait_for(std::function<bool()> condition, std::chrono::milliseconds limit);
  // Runs `step` and waits until it is done (true), `ended()` holds or `limit` passed (false).
  asio::awaitable<bool> run_step(const AsyncStep& step, const std::function<bool()>& ended,
                                 std::chrono::milliseconds limit = std::chrono::milliseconds::max());
  // Registers self_ on the session, starts a new election and view, and waits until the view
  // lists this broker and a controller is known; then publishes both. On failure says why, and
  // whether it is final (another session holds this node.id).
  struct Entered {
    std::string error;  // empty on success
    bool final = false;
  };
  asio::awaitable<Entered> enter();
  // After an expiry: renews the session and enters again, until it worked or the broker stops.
  asio::awaitable<void> rejoin();
  // After pause `pause`: lifts the fence once a round trip on an unchanged session succeeded.
  asio::awaitable<void> confirm_after_pause(uint64_t pause);

  asio::strand<asio::any_io_executor> strand_;
  Options options_;
  LostCallback on_lost_;
  std::function<void()> on_change_;
  AsyncStep on_renewed_;
  AsyncStep on_caught_up_;
  BrokerEndpoint self_;
  std::atomic<bool> connected_{false};
  bool ever_connected_ = false;
  bool registered_ = false;  // start() succeeded: an expiry is renewed, not reported
  bool rejoining_ = false;
  bool expired_again_ = false;  // an expiry while rejoining: start over
  bool lost_ = false;
  uint64_t renewals_ = 0;  // sessions opened by rejoin()
  std::atomic<bool> closing_{false};
  std::unique_ptr<ZkSession> session_;
  PauseFence fence_;
  // Every election and view ever started (a renewal stops the old ones, whose callbacks may
  // still be queued, and keeps them); the atomics point at the current ones, or null.
  std::vector<std::unique_ptr<ControllerElection>> elections_;
  std::vector<std::unique_ptr<ClusterView>> views_;
  std::atomic<ControllerElection*> election_{nullptr};
  std::atomic<ClusterView*> view_{nullptr};
};

}  // namespace runnel::broker
