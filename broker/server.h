#pragma once
// Server: binds the configured listeners and accepts connections onto
// their own strands. Port 0 binds an ephemeral port; bound_port() tells it.

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <memory>
#include <mutex>
#include <vector>

#include "broker/connection.h"

namespace runnel::broker {

class Server {
 public:
  Server(asio::io_context& io, BrokerServices& services);
  // Binds every listener; throws std::system_error on failure (start-up).
  void bind(const std::vector<Listener>& listeners);
  uint16_t bound_port(size_t listener = 0) const;
  void start();
  // Stops accepting and closes every connection.
  void stop();

 private:
  asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor);

  asio::io_context& io_;
  BrokerServices& services_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::mutex mutex_;
  std::vector<std::weak_ptr<Connection>> connections_;
};

}  // namespace runnel::broker
