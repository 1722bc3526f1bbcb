#include "broker/coordination/cluster_view.h"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>

#include "broker/logging.h"
#include "broker/task_failure.h"

namespace runnel::broker {
namespace {

constexpr auto kRetryDelay = std::chrono::milliseconds(500);

bool final_error(const std::error_code& ec) { return ec == ZkErrc::session_expired || ec == ZkErrc::closing; }

std::string ids_of(const std::vector<BrokerEndpoint>& brokers) {
  std::string out;
  for (const auto& b : brokers) {
    if (!out.empty()) out += ',';
    out += std::to_string(b.node_id);
  }
  return out.empty() ? "none" : out;
}

}  // namespace

ClusterView::ClusterView(ZkSession& session, asio::any_io_executor executor)
    : session_(session), executor_(std::move(executor)) {}

void ClusterView::start() { list(); }

std::vector<BrokerEndpoint> ClusterView::brokers() const {
  std::lock_guard lock(mutex_);
  return brokers_;
}

void ClusterView::retry_later() {
  auto timer = std::make_shared<asio::steady_timer>(executor_, kRetryDelay);
  timer->async_wait([this, timer](std::error_code ec) {
    if (!ec && !stopped_) list();
  });
}

void ClusterView::list() {
  if (stopped_) return;
  auto on_event = [this](const ZkWatchEvent& event) {
    if (event.type == ZkWatchEvent::Type::session_expired || event.type == ZkWatchEvent::Type::closed) {
      stopped_ = true;
      return;
    }
    list();
  };
  session_.get_children(kBrokerIdsPath, on_event, [this](Result<std::vector<std::string>> children) {
    if (!children) {
      if (final_error(children.error())) {
        stopped_ = true;
        return;
      }
      log_warn("cluster", "listing " + std::string(kBrokerIdsPath) + " failed (" + children.error().message() +
                              "); trying again");
      retry_later();
      return;
    }
    const uint64_t generation = ++generation_;
    asio::co_spawn(executor_, load(generation, std::move(*children)),
                   [](std::exception_ptr e) { log_failure(e, "cluster", "loading the registered brokers failed"); });
  });
}

asio::awaitable<void> ClusterView::load(uint64_t generation, std::vector<std::string> children) {
  std::vector<BrokerEndpoint> brokers;
  for (const auto& child : children) {
    int32_t id = -1;
    try {
      id = std::stoi(child);
    } catch (const std::exception&) {
      continue;
    }
    auto node = co_await session_.get(std::string(kBrokerIdsPath) + "/" + child);
    if (!node) {
      if (node.error() == ZkErrc::no_node) continue;  // gone since the listing: a newer listing follows
      if (final_error(node.error())) co_return;
      if (generation == generation_) retry_later();
      co_return;
    }
    auto endpoint = decode_endpoint(id, node->data);
    if (!endpoint) {
      log_warn("cluster", "ignoring broker " + child + ": unreadable registration " + node->data);
      continue;
    }
    brokers.push_back(std::move(*endpoint));
  }
  if (generation != generation_) co_return;
  std::sort(brokers.begin(), brokers.end(), [](const auto& a, const auto& b) { return a.node_id < b.node_id; });
  {
    std::lock_guard lock(mutex_);
    if (brokers == brokers_) co_return;
    log_info("cluster", "registered brokers: " + ids_of(brokers));
    brokers_ = std::move(brokers);
  }
  if (on_change_) on_change_();
}

}  // namespace runnel::broker
