#pragma once
// ClusterView: the live brokers, as registered under /brokers/ids (broker_registration.h). A
// children watch on /brokers/ids, set again on every event, reloads the list: each child's
// endpoint is read, and the newest complete load replaces the view (an older load still under
// way when a newer one starts is dropped). The watch ends with the session (session_expired,
// closed). Loads run on the executor given at construction (the session's); brokers() may be
// called from any thread. The change listener runs on the executor after the list changed.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "broker/coordination/broker_registration.h"
#include "broker/coordination/zk_session.h"

namespace runnel::broker {

class ClusterView {
 public:
  ClusterView(ZkSession& session, asio::any_io_executor executor);
  // Starts watching (call on the executor, once, after /brokers/ids exists).
  void start();
  // Loads no more (call on the executor); brokers() keeps the last list.
  void stop() { stopped_ = true; }
  // `listener` runs after each change of brokers() (set before start()).
  void on_change(std::function<void()> listener) { on_change_ = std::move(listener); }
  // The registered brokers, ordered by node id (empty before the first load).
  std::vector<BrokerEndpoint> brokers() const;

 private:
  void list();
  asio::awaitable<void> load(uint64_t generation, std::vector<std::string> children);
  void retry_later();

  ZkSession& session_;
  asio::any_io_executor executor_;
  std::function<void()> on_change_;
  bool stopped_ = false;
  uint64_t generation_ = 0;  // of the newest listing
  mutable std::mutex mutex_;
  std::vector<BrokerEndpoint> brokers_;  // guarded by mutex_
};

}  // namespace runnel::broker
