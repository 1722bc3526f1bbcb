#pragma once
// Controller election through ZooKeeper, as Kafka's brokers do it:
//
//   /controller        EPHEMERAL, {"version":1,"brokerid":<node.id>,"timestamp":"<ms>"}: the winner
//   /controller_epoch  persistent, the decimal epoch, bumped by the winner with compare-and-set
//
// States, per broker:
//   electing  create /controller. Created: this broker is the controller; bump the epoch, then
//             watching. node_exists: watching. Another failure: electing again after 500 ms.
//   watching  get /controller with a watch; its brokerid is the controller. no_node (it went in
//             between): electing. The watch fires `deleted`: electing; `changed`: watching.
//   stopped   the session expired or was closed (a watch fires session_expired / closed), or
//             stop() was called: nothing more; after an expiry the owner renews the session and
//             starts a new election.
// Every step runs on the executor given at construction (the session's); controller_id() may be
// read from any thread.

#include <asio/any_io_executor.hpp>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "broker/coordination/zk_session.h"

namespace runnel::broker {

inline constexpr const char* kControllerPath = "/controller";
inline constexpr const char* kControllerEpochPath = "/controller_epoch";

// The brokerid in /controller's data, or nullopt.
std::optional<int32_t> decode_controller(const std::string& data);

class ControllerElection {
 public:
  ControllerElection(ZkSession& session, asio::any_io_executor executor, int32_t node_id);
  // Starts electing (call on the executor, once, after the session is connected).
  void start();
  // Ends this election for good (call on the executor): the controller is unknown (-1) and this
  // broker is not it. For a session that expired, before the owner starts a new election.
  void stop();
  // `listener` runs on the executor after each change of controller_id() (set before start()).
  void on_change(std::function<void()> listener) { on_change_ = std::move(listener); }
  // The current controller's node.id, or -1 while unknown.
  int32_t controller_id() const { return controller_id_.load(); }
  // The epoch this broker won with, or -1 (not the controller, or the bump is still under way).
  int32_t epoch() const { return epoch_.load(); }

 private:
  void elect();
  void watch();
  void bump_epoch();
  void set_controller(int32_t id);
  void retry_later(void (ControllerElection::*step)());

  ZkSession& session_;
  asio::any_io_executor executor_;
  const int32_t node_id_;
  std::function<void()> on_change_;
  bool stopped_ = false;
  bool won_ = false;
  std::atomic<int32_t> controller_id_{-1};
  std::atomic<int32_t> epoch_{-1};
};

}  // namespace runnel::broker
