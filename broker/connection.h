#pragma once
// Connection: one client socket. A reader coroutine takes frames off the
// socket and starts each request at once, so a produce waiting for its fsync
// does not stop the next request; responses leave strictly in request order
// (Kafka's rule), written by one writer at a time. Everything of a
// connection runs on its strand.
//
// Frames: 4-byte big-endian size, then the request header (api_key,
// api_version, correlation_id, client_id; tagged fields from header v2)
// and the body. A frame over socket.request.max.bytes, bytes that do not
// decode as a header, or an API or version outside the table close the
// connection with one log line; an ApiVersions request above the served
// versions gets the v0-layout UNSUPPORTED_VERSION answer instead.

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <deque>
#include <memory>

#include "broker/api_table.h"

namespace runnel::broker {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, BrokerServices& services);
  void start();
  // Closes the socket; pending work finishes and is dropped. On the strand.
  void close();
  void close_from_any_thread();

 private:
  struct Slot {
    int32_t correlation_id = 0;
    int16_t response_header_version = 0;
    bool ready = false;
    Response response;
  };

  // Runs `work` on the strand; an exception is logged and closes the connection.
  void spawn(asio::awaitable<void> work);
  asio::awaitable<void> read_loop();
  asio::awaitable<void> run_handler(std::shared_ptr<Slot> slot, const ApiEntry* api, std::shared_ptr<RequestContext> ctx);
  asio::awaitable<void> write_loop();
  asio::awaitable<bool> send(Slot& slot);
  asio::awaitable<bool> send_range(const storage::FileRange& range, uint64_t size);
  void finish_slot();

  asio::ip::tcp::socket socket_;
  BrokerServices& services_;
  std::string peer_;
  std::string peer_address_;
  std::deque<std::shared_ptr<Slot>> pending_;
  ProduceRefusals produce_refusals_;
  bool writing_ = false;
  bool closed_ = false;
  asio::steady_timer room_;  // wakes the reader when the in-flight window has room
};

}  // namespace runnel::broker
