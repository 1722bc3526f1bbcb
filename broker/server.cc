#include "broker/server.h"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>

#include "broker/logging.h"
#include "broker/task_failure.h"

namespace runnel::broker {

Server::Server(asio::io_context& io, BrokerServices& services) : io_(io), services_(services) {}

void Server::bind(const std::vector<Listener>& listeners) {
  for (const auto& listener : listeners) {
    auto address = listener.host.empty() ? asio::ip::address(asio::ip::address_v6::any())
                                         : asio::ip::make_address(listener.host);
    asio::ip::tcp::endpoint endpoint(address, listener.port);
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(asio::ip::tcp::acceptor::reuse_address(true));
    if (endpoint.protocol() == asio::ip::tcp::v6()) acceptor->set_option(asio::ip::v6_only(false));
    acceptor->bind(endpoint);
    acceptor->listen(asio::socket_base::max_listen_connections);
    acceptors_.push_back(std::move(acceptor));
  }
}

uint16_t Server::bound_port(size_t listener) const { return acceptors_.at(listener)->local_endpoint().port(); }

void Server::start() {
  for (auto& acceptor : acceptors_) {
    asio::co_spawn(io_, accept_loop(*acceptor),
                   [](std::exception_ptr e) { log_failure(e, "network", "accept loop failed"); });
  }
}

asio::awaitable<void> Server::accept_loop(asio::ip::tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io_),
                                                       asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    auto connection = std::make_shared<Connection>(std::move(socket), services_);
    {
      std::lock_guard lock(mutex_);
      std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
      connections_.push_back(connection);
    }
    connection->start();
  }
}

void Server::stop() {
  for (auto& acceptor : acceptors_) {
    std::error_code ec;
    acceptor->close(ec);
  }
  std::lock_guard lock(mutex_);
  for (auto& weak : connections_)
    if (auto connection = weak.lock()) connection->close_from_any_thread();
  connections_.clear();
}

}  // namespace runnel::broker
