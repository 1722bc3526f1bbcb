#include "broker/coordination/controller_election.h"

#include <asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>

#include "broker/coordination/zk_json.h"
#include "broker/logging.h"

namespace runnel::broker {
namespace {

constexpr auto kRetryDelay = std::chrono::milliseconds(500);

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool final_error(const std::error_code& ec) { return ec == ZkErrc::session_expired || ec == ZkErrc::closing; }

}  // namespace

std::optional<int32_t> decode_controller(const std::string& data) {
  auto json = parse_json(data);
  if (!json) return std::nullopt;
  auto id = json->number_at("brokerid");
  if (!id) return std::nullopt;
  return static_cast<int32_t>(*id);
}

ControllerElection::ControllerElection(ZkSession& session, asio::any_io_executor executor, int32_t node_id)
    : session_(session), executor_(std::move(executor)), node_id_(node_id) {}

void ControllerElection::start() { elect(); }

void ControllerElection::stop() {
  stopped_ = true;
  won_ = false;
  epoch_ = -1;
  set_controller(-1);
}

void ControllerElection::retry_later(void (ControllerElection::*step)()) {
  auto timer = std::make_shared<asio::steady_timer>(executor_, kRetryDelay);
  timer->async_wait([this, timer, step](std::error_code ec) {
    if (!ec && !stopped_) (this->*step)();
  });
}

void ControllerElection::elect() {
  if (stopped_) return;
  const std::string data =
      "{\"version\":1,\"brokerid\":" + std::to_string(node_id_) + ",\"timestamp\":\"" + std::to_string(now_ms()) + "\"}";
  session_.create(kControllerPath, data, ZkCreateMode::ephemeral, [this](Result<std::string> created) {
    if (created) {
      won_ = true;
      set_controller(node_id_);
      bump_epoch();
      watch();
    } else if (created.error() == ZkErrc::node_exists) {
      watch();
    } else if (final_error(created.error())) {
      stopped_ = true;
    } else {
      log_warn("controller", "creating " + std::string(kControllerPath) + " failed (" + created.error().message() +
                                 "); trying again");
      retry_later(&ControllerElection::elect);
    }
  });
}

void ControllerElection::watch() {
  if (stopped_) return;
  auto on_event = [this](const ZkWatchEvent& event) {
    switch (event.type) {
      case ZkWatchEvent::Type::deleted:
        won_ = false;
        epoch_ = -1;
        elect();
        break;
      case ZkWatchEvent::Type::session_expired:
      case ZkWatchEvent::Type::closed: stopped_ = true; break;
      default: watch(); break;
    }
  };
  session_.get(kControllerPath, on_event, [this](Result<ZkNode> node) {
    if (node) {
      const auto id = decode_controller(node->data);
      if (!id) log_warn("controller", "unreadable " + std::string(kControllerPath) + ": " + node->data);
      // A create whose answer was lost (connection_loss) may still have made this broker the winner.
      if (id == node_id_ && !won_ && node->stat.ephemeral_owner == session_.session_id()) {
        won_ = true;
        bump_epoch();
      }
      set_controller(id.value_or(-1));
    } else if (node.error() == ZkErrc::no_node) {
      elect();
    } else if (final_error(node.error())) {
      stopped_ = true;
    } else {
      retry_later(&ControllerElection::watch);
    }
  });
}

void ControllerElection::bump_epoch() {
  if (stopped_) return;
  session_.get(kControllerEpochPath, {}, [this](Result<ZkNode> node) {
    if (!node && node.error() == ZkErrc::no_node) {
      session_.create(kControllerEpochPath, "1", ZkCreateMode::persistent, [this](Result<std::string> created) {
        if (created) {
          epoch_ = 1;
          log_info("controller", "this broker is the controller (epoch 1)");
        } else if (!final_error(created.error())) {
          retry_later(&ControllerElection::bump_epoch);  // node_exists: another winner got there first
        }
      });
      return;
    }
    if (!node) {
      if (!final_error(node.error())) retry_later(&ControllerElection::bump_epoch);
      return;
    }
    int32_t epoch = 0;
    try {
      epoch = std::stoi(node->data);
    } catch (const std::exception&) {
      log_warn("controller", "unreadable " + std::string(kControllerEpochPath) + " '" + node->data + "'; resetting");
    }
    session_.set(kControllerEpochPath, std::to_string(epoch + 1), node->stat.version,
                 [this, epoch](Result<ZkStat> stat) {
                   if (stat) {
                     epoch_ = epoch + 1;
                     log_info("controller", "this broker is the controller (epoch " + std::to_string(epoch + 1) + ")");
                   } else if (stat.error() == ZkErrc::bad_version) {
                     bump_epoch();
                   } else if (!final_error(stat.error())) {
                     retry_later(&ControllerElection::bump_epoch);
                   }
                 });
  });
}

void ControllerElection::set_controller(int32_t id) {
  if (controller_id_.exchange(id) == id) return;
  log_info("controller",
           id < 0 ? std::string("the controller is unknown") : "the controller is broker " + std::to_string(id));
  if (on_change_) on_change_();
}

}  // namespace runnel::broker
