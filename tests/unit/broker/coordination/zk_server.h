#pragma once
// The ZooKeeper server of a test process: one per process, started on first use through
// scripts/zookeeper.sh (RUNNEL_ZOOKEEPER_SCRIPT) in a temp dir under /var/tmp on a free port
// (tickTime 500 ms), stopped at exit; and the helpers that drive coroutines against it.

#include <stdlib.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>

namespace runnel::broker {

using namespace std::chrono_literals;

class ZooKeeperServer {
 public:
  static ZooKeeperServer& instance() {
    static ZooKeeperServer server;
    return server;
  }
  ~ZooKeeperServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string connect() const { return "127.0.0.1:" + std::to_string(port_); }
  void stop() { script("stop " + dir_); }
  // Starts again on the same port and data dir.
  void start() { script("start " + dir_ + " " + std::to_string(port_)); }

 private:
  ZooKeeperServer() {
    std::string pattern = "/var/tmp/runnel-zk-test.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    script("start " + dir_);
    std::ifstream(dir_ + "/port") >> port_;
    if (port_ <= 0) throw std::runtime_error("scripts/zookeeper.sh wrote no port");
  }
  static void script(const std::string& args) {
    // ZOOKEEPER_OWNER_PID: the server goes with this process even if it crashes before `stop`.
    const std::string command = "ZOOKEEPER_OWNER_PID=" + std::to_string(::getpid()) + " bash " +
                                RUNNEL_ZOOKEEPER_SCRIPT + " " + args;
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }
  std::string dir_;
  int port_ = 0;
};

// Runs the coroutine `body` on `io` (on this thread) for at most `limit`; rethrows what it threw.
inline void run(asio::io_context& io, const std::function<asio::awaitable<void>()>& body,
         std::chrono::milliseconds limit = 20s) {
  bool done = false;
  std::exception_ptr error;
  asio::co_spawn(io, body(), [&](std::exception_ptr e) {
    error = e;
    done = true;
  });
  auto guard = asio::make_work_guard(io);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
  if (error) std::rethrow_exception(error);
  REQUIRE(done);
}

// Waits (bounded) until `condition` holds, polling on the coroutine's executor.
inline asio::awaitable<bool> eventually(std::function<bool()> condition, std::chrono::milliseconds limit = 10s) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    timer.expires_after(20ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return true;
}

}  // namespace runnel::broker
