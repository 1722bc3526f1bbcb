#include "broker/coordination/cluster_membership.h"

#include <asio/co_spawn.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <sstream>
#include <stdexcept>

#include "broker/coordination/cluster_id.h"
#include "broker/logging.h"
#include "broker/task_failure.h"

namespace runnel::broker {
namespace {

using namespace std::chrono_literals;
constexpr auto kPoll = 20ms;

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

ClusterMembership::ClusterMembership(asio::any_io_executor executor, Options options, LostCallback on_lost)
    : strand_(asio::make_strand(executor)),
      options_(std::move(options)),
      on_lost_(std::move(on_lost)),
      fence_(options_.session_timeout / 2, [this](uint64_t pause, std::chrono::milliseconds paused_for) {
        asio::post(strand_, [this, pause, paused_for] {
          if (closing_ || lost_) return;
          log_warn("zookeeper", "this process stood still for " + ms(paused_for) +
                                    " (over half of zookeeper.session.timeout.ms): its leaderships may have "
                                    "moved, so Produce is refused until ZooKeeper confirms the session");
          asio::co_spawn(strand_, confirm_after_pause(pause), [](std::exception_ptr e) {
            log_failure(e, "zookeeper", "confirming the session after a pause failed");
          });
        });
      }) {
  try {
    session_ = std::make_unique<ZkSession>(strand_, ZkSession::Options{options_.connect, options_.session_timeout},
                                           [this](ZkSessionState state) { on_state(state); });
  } catch (const std::system_error& e) {
    throw std::runtime_error("cannot open a ZooKeeper session with '" + options_.connect + "': " + e.what());
  }
}

ClusterMembership::~ClusterMembership() = default;

void ClusterMembership::on_state(ZkSessionState state) {
  switch (state) {
    case ZkSessionState::connected:
      connected_ = true;
      if (ever_connected_ && !rejoining_) log_info("zookeeper", "reconnected to ZooKeeper within the session");
      ever_connected_ = true;
      return;
    case ZkSessionState::disconnected:
      connected_ = false;
      if (!closing_) log_warn("zookeeper", "disconnected from ZooKeeper; reconnecting (the session may still be alive)");
      return;
    case ZkSessionState::expired:
      connected_ = false;
      if (closing_ || lost_) return;
      if (!registered_) {  // still starting: start() fails on its own
        lost_ = true;
        if (on_lost_) on_lost_("the ZooKeeper session expired");
        return;
      }
      if (rejoining_) {
        expired_again_ = true;
        return;
      }
      rejoining_ = true;
      asio::co_spawn(strand_, rejoin(), [this](std::exception_ptr e) {
        rejoining_ = false;
        auto failure = failure_message(e);
        if (!failure || lost_ || closing_) return;
        lost_ = true;
        if (on_lost_) on_lost_("registering again after the session expired failed: " + *failure);
      });
      return;
    case ZkSessionState::auth_failed:
      connected_ = false;
      if (closing_ || lost_) return;
      lost_ = true;
      if (on_lost_)
        on_lost_("ZooKeeper refused the session's authentication");
      return;
  }
}

// Checks `condition` every kPoll until it holds (true) or `limit` has passed (false).
asio::awaitable<bool> ClusterMembership::wait_for(std::function<bool()> condition, std::chrono::milliseconds limit) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (auto left = limit;; left -= kPoll) {
    if (condition()) co_return true;
    if (left <= 0ms) co_return false;
    timer.expires_after(kPoll);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<bool> ClusterMembership::run_step(const AsyncStep& step, const std::function<bool()>& ended,
                                                  std::chrono::milliseconds limit) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  step([done] { *done = true; });
  co_await wait_for([&] { return done->load() || ended(); }, limit);
  co_return done->load();
}

asio::awaitable<void> ClusterMembership::connect() {
  if (!co_await wait_for([this] { return connected_.load(); }, options_.connection_timeout))
    throw std::runtime_error("no ZooKeeper session with " + options_.connect + " within " +
                             ms(options_.connection_timeout) + " (zookeeper.connection.timeout.ms)");
}

asio::awaitable<std::string> ClusterMembership::join_cluster(std::string candidate_id) {
  co_await connect();
  auto id = co_await get_or_create_cluster_id(*session_, std::move(candidate_id));
  if (!id) throw std::runtime_error(std::string("cannot read or create ") + kClusterIdPath + " in ZooKeeper: " +
                                    id.error().message());
  co_return *id;
}

asio::awaitable<void> ClusterMembership::start(BrokerEndpoint self) {
  co_await connect();
  self_ = std::move(self);
  if (auto entered = co_await enter(); !entered.error.empty()) throw std::runtime_error(entered.error);
  registered_ = true;
  fence_.start();
}

asio::awaitable<void> ClusterMembership::confirm_after_pause(uint64_t pause) {
  const std::string path = std::string(kBrokerIdsPath) + "/" + std::to_string(self_.node_id);
  const auto ended = [this, pause] { return closing_.load() || lost_ || fence_.fencing_pause() != pause; };
  while (!ended()) {
    if (!rejoining_ && connected_) {
      // Succeeds only on a live session: after an expiry, on the renewed one once rejoin() (which
      // reloaded the metadata and registered again) is done.
      const uint64_t renewals = renewals_;
      const auto unchanged = [&] { return !rejoining_ && renewals == renewals_ && !ended(); };
      auto answered = co_await session_->exists(path, {});
      bool caught_up = answered && unchanged();
      if (caught_up && on_caught_up_)
        caught_up = co_await run_step(on_caught_up_, ended, options_.session_timeout) && unchanged();
      if (caught_up && fence_.lift(pause)) {
        log_info("zookeeper", "ZooKeeper confirmed this broker's session after the pause and the partitions follow "
                              "its metadata: Produce is accepted again");
        co_return;
      }
    }
    co_await wait_for(ended, 100ms);
  }
}

asio::awaitable<ClusterMembership::Entered> ClusterMembership::enter() {
  const std::string path = std::string(kBrokerIdsPath) + "/" + std::to_string(self_.node_id);
  // A crashed predecessor's session expires within the session timeout of its last contact, plus
  // up to one server tick (at most half the timeout): wait one and a half timeouts.
  const auto patience = options_.session_timeout * 3 / 2;
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (bool waited = false;; waited = true) {
    auto registered = co_await register_broker(*session_, self_);
    if (registered) break;
    if (registered.error() != ZkErrc::node_exists)
      co_return Entered{"cannot register in ZooKeeper (" + path + "): " + registered.error().message(), false};
    if (!waited)
      log_warn("zookeeper", path + " exists; waiting up to " + ms(patience) +
                                " for it to go (a crashed broker's session expiring)");
    if (std::chrono::steady_clock::now() >= deadline)
      co_return Entered{"node.id " + std::to_string(self_.node_id) + " is already registered in ZooKeeper (" + path +
                            " exists and its session outlived 1.5 x zookeeper.session.timeout.ms): "
                            "another broker with the same node.id is running",
                        true};
    co_await wait_for([] { return false; }, 200ms);
  }

  auto* election =
      elections_.emplace_back(std::make_unique<ControllerElection>(*session_, strand_, options_.node_id)).get();
  auto* view = views_.emplace_back(std::make_unique<ClusterView>(*session_, strand_)).get();
  if (on_change_) {
    election->on_change(on_change_);
    view->on_change(on_change_);
  }
  asio::dispatch(strand_, [election, view] {
    election->start();
    view->start();
  });
  const bool joined = co_await wait_for(
      [this, election, view] {
        if (expired_again_ || closing_) return true;
        if (election->controller_id() < 0) return false;
        for (const auto& b : view->brokers())
          if (b.node_id == self_.node_id) return true;
        return false;
      },
      options_.connection_timeout);
  if (!joined || expired_again_ || closing_) {
    asio::dispatch(strand_, [election, view] {
      election->stop();
      view->stop();
    });
    co_return Entered{joined ? "the session ended while registering"
                             : "registered in ZooKeeper but saw no controller and no registration of its own within " +
                                   ms(options_.connection_timeout),
                      false};
  }
  // Published together, once both are current: until then the controller (ClusterController)
  // sees no controller here and decides nothing on a stale or empty broker list.
  view_ = view;  // first: a controller sees the new election only with the new view
  election_ = election;
  if (on_change_) asio::dispatch(strand_, on_change_);
  std::ostringstream session;
  session << std::hex << session_->session_id();
  log_info("zookeeper", "registered as broker " + std::to_string(self_.node_id) + " at " + options_.connect +
                            " (session 0x" + session.str() + ", " + self_.host + ":" + std::to_string(self_.port) +
                            "); controller is broker " + std::to_string(election->controller_id()));
  co_return Entered{};
}

asio::awaitable<void> ClusterMembership::rejoin() {
  log_warn("zookeeper", "the ZooKeeper session expired: this broker is no longer registered and its leaderships "
                        "move to other brokers; registering again on a new session");
  const auto until_ended = [this] { return expired_again_ || closing_.load(); };
  for (;;) {
    expired_again_ = false;
    if (auto* election = election_.load()) election->stop();
    if (auto* view = view_.load()) view->stop();
    while (!session_->renew()) {
      if (closing_) co_return;
      log_warn("zookeeper", "cannot open a new ZooKeeper session with " + options_.connect + "; trying again");
      co_await wait_for([] { return false; }, 1000ms);
    }
    ++renewals_;
    connected_ = false;  // the new session's `connected` is posted to this strand after this
    while (!co_await wait_for([&] { return connected_.load() || until_ended(); }, options_.connection_timeout))
      log_warn("zookeeper", "no new ZooKeeper session with " + options_.connect + " within " +
                                ms(options_.connection_timeout) + "; still trying");
    if (closing_) co_return;
    if (expired_again_) continue;
    // The metadata first: a controller elected from here on decides on a current copy.
    if (on_renewed_) co_await run_step(on_renewed_, until_ended);
    if (closing_) co_return;
    if (expired_again_) continue;
    auto entered = co_await enter();
    if (closing_) co_return;
    if (entered.error.empty()) co_return;
    if (entered.final) throw std::runtime_error(entered.error);
    log_warn("zookeeper", entered.error + "; trying again on a new session");
    co_await wait_for([this] { return closing_.load(); }, 1000ms);
  }
}

std::vector<BrokerEndpoint> ClusterMembership::brokers() const {
  auto* view = view_.load();
  return view != nullptr ? view->brokers() : std::vector<BrokerEndpoint>{};
}

int32_t ClusterMembership::controller_id() const {
  auto* election = election_.load();
  return election != nullptr ? election->controller_id() : -1;
}

int32_t ClusterMembership::controller_epoch() const {
  auto* election = election_.load();
  return election != nullptr ? election->epoch() : -1;
}

void ClusterMembership::on_change(std::function<void()> listener) { on_change_ = std::move(listener); }

void ClusterMembership::close(std::function<void()> done) {
  closing_ = true;
  session_->close(std::move(done));
}

}  // namespace runnel::broker
