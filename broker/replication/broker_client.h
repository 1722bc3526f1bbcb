#pragma once
// BrokerClient: one TCP connection from this broker to another broker,
// speaking the Kafka protocol with the generated messages (replica fetchers
// use it). One request is in flight at a time: callers serialize, on the
// executor the client was made with.
//
// A request leaves as a frame: 4-byte big-endian size, request header v1 (v2
// from the API's first flexible version) with a correlation id counting up
// from 0 and this client's id, then the body. The answer is read as a frame of
// at most kMaxResponseBytes: response header v0 (v1 when flexible; always v0
// for ApiVersions, KIP-511) whose correlation id must match, then the body,
// which must decode at the request's version and be consumed entirely.
//
// Failures are returned, never thrown: the socket's error, std::errc::timed_out,
// std::errc::not_connected, std::errc::message_size (a frame over the bound or
// shorter than a header), std::errc::protocol_error (a correlation id
// mismatch) or the protocol::Errc of a body that does not decode. Every failure
// of send() but a bad version closes the connection.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "protocol/codec.h"
#include "protocol/result.h"

namespace runnel::broker {

class BrokerClient {
 public:
  static constexpr size_t kMaxResponseBytes = size_t{128} << 20;

  BrokerClient(asio::any_io_executor executor, std::string client_id);

  // Connects to host:port (an IP address, or a name resolved first; the
  // timeout bounds the connect, not a name lookup), closing any previous
  // connection.
  asio::awaitable<Result<void>> connect(std::string host, int32_t port, std::chrono::milliseconds timeout);
  bool connected() const { return socket_.is_open(); }

  // Sends `request` at `version` and returns its decoded answer within
  // `timeout`. Views in the answer (records bytes) point into this client's
  // receive buffer: valid until the next send() or close(). A version outside
  // the request's served range is std::errc::invalid_argument and leaves the
  // connection as it is. Pass a named request: GCC 12 destroys a temporary
  // bound to it inside the co_await expression twice.
  template <typename Response, typename Request>
  asio::awaitable<Result<Response>> send(const Request& request, int16_t version, std::chrono::milliseconds timeout) {
    static_assert(Response::kApiKey == Request::kApiKey, "send<Response>: the response of the request's API");
    if (version < Request::kMinVersion || version > Request::kMaxVersion)
      co_return fail(std::make_error_code(std::errc::invalid_argument));
    const Call call{Request::kApiKey, version, Request::kFirstFlexibleVersion, next_correlation_id_++};
    protocol::Writer writer(frame_start(call));
    request.encode(writer, version);
    auto body = co_await exchange(call, std::move(writer), timeout);
    if (!body) co_return fail(body.error());
    protocol::Reader reader(*body);
    Response response;
    response.decode(reader, version);
    if (reader.ok() && reader.remaining() != 0) reader.fail(protocol::Errc::bad_length);
    if (!reader.ok()) {
      close();
      co_return fail(reader.error());
    }
    co_return response;
  }

  // Closes the connection (a no-op when closed); a pending operation ends
  // with operation_aborted.
  void close();

 private:
  struct Call {
    int16_t api_key;
    int16_t version;
    int16_t first_flexible_version;
    int32_t correlation_id;
  };
  // A frame size placeholder and the request header of `call`.
  std::vector<std::byte> frame_start(const Call& call) const;
  // Sends the frame in `writer` (its size not yet set) and reads the answer
  // to `call`: the response body after its header, a view into receive_buffer_.
  asio::awaitable<Result<std::span<const std::byte>>> exchange(const Call& call, protocol::Writer writer,
                                                               std::chrono::milliseconds timeout);
  // The socket work of connect() and exchange(), raced against their timeouts.
  asio::awaitable<Result<void>> connect_to(std::vector<asio::ip::tcp::endpoint> endpoints);
  asio::awaitable<Result<void>> write_and_read(std::span<const std::byte> frame);

  asio::ip::tcp::socket socket_;
  std::string client_id_;
  int32_t next_correlation_id_ = 0;
  std::vector<std::byte> receive_buffer_;
};

}  // namespace runnel::broker
