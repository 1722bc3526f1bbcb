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
// - Session expiry (or an authentication failure) means the broker is no longer registered:
//   `on_lost` hears it, once, on the executor. The owner stops the broker (a supervisor restarts
//   it, and it registers again); it never keeps serving unregistered.
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
  // The session: connected once join_cluster() or start() returned (the ZooKeeper MetadataStore
  // works on it).
  ZkSession& session() { return *session_; }
  // The strand everything here runs on (the session's executor).
  asio::any_io_executor executor() const { return strand_; }

  std::vector<BrokerEndpoint> brokers() const { return view_->brokers(); }
  int32_t controller_id() const { return election_->controller_id(); }
  // The controller epoch this broker won with; -1 when it is not the controller.
  int32_t controller_epoch() const { return election_->epoch(); }

 private:
  void on_state(ZkSessionState state);
  asio::awaitable<void> connect();
  asio::awaitable<bool> wait_for(std::function<bool()> condition, std::chrono::milliseconds limit);

  asio::strand<asio::any_io_executor> strand_;
  Options options_;
  LostCallback on_lost_;
  std::atomic<bool> connected_{false};
  bool ever_connected_ = false;
  bool lost_ = false;
  std::atomic<bool> closing_{false};
  std::unique_ptr<ZkSession> session_;
  std::unique_ptr<ControllerElection> election_;
  std::unique_ptr<ClusterView> view_;
};

}  // namespace runnel::broker
