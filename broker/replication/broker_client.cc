#include "broker/replication/broker_client.h"

#include <asio/connect.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <variant>

#include "protocol/byte_order.h"
#include "protocol/header.h"

namespace runnel::broker {
namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// `operation`'s result, or timed_out when `timeout` passes first; either way
// the loser is cancelled and has finished when this returns. `operation`
// must return on cancellation rather than throw (throw_if_cancelled(false)).
template <typename T>
asio::awaitable<Result<T>> within(asio::awaitable<Result<T>> operation, std::chrono::milliseconds timeout) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
  auto race = std::move(operation) || timer.async_wait(use_tuple);
  auto outcome = co_await std::move(race);
  if (outcome.index() == 1) co_return fail(std::make_error_code(std::errc::timed_out));
  co_return std::get<0>(std::move(outcome));
}

}  // namespace

BrokerClient::BrokerClient(asio::any_io_executor executor, std::string client_id)
    : socket_(std::move(executor)), client_id_(std::move(client_id)) {}

asio::awaitable<Result<void>> BrokerClient::connect(std::string host, int32_t port, std::chrono::milliseconds timeout) {
  close();
  if (port <= 0 || port > 65535) co_return fail(std::make_error_code(std::errc::invalid_argument));
  std::vector<asio::ip::tcp::endpoint> endpoints;
  std::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoints.emplace_back(address, static_cast<uint16_t>(port));
  } else {
    asio::ip::tcp::resolver resolver(socket_.get_executor());
    const std::string service = std::to_string(port);  // named: no temporaries inside co_await (GCC 12)
    auto [resolve_ec, results] = co_await resolver.async_resolve(host, service, use_tuple);
    if (resolve_ec) co_return fail(resolve_ec);
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }
  auto connected = co_await within(connect_to(std::move(endpoints)), timeout);
  if (!connected) {
    close();
    co_return fail(connected.error());
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  co_return Result<void>{};
}

asio::awaitable<Result<void>> BrokerClient::connect_to(std::vector<asio::ip::tcp::endpoint> endpoints) {
  co_await asio::this_coro::throw_if_cancelled(false);
  auto [ec, endpoint] = co_await asio::async_connect(socket_, endpoints, use_tuple);
  if (ec) co_return fail(ec);
  co_return Result<void>{};
}

void BrokerClient::close() {
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

std::vector<std::byte> BrokerClient::frame_start(const Call& call) const {
  protocol::Writer writer(std::vector<std::byte>(4));
  const protocol::RequestHeader header{call.api_key, call.version, call.correlation_id, client_id_};
  header.encode(writer, protocol::request_header_version(call.version, call.first_flexible_version));
  return std::move(writer).finish().buffer;
}

asio::awaitable<Result<std::span<const std::byte>>> BrokerClient::exchange(const Call& call, protocol::Writer writer,
                                                                         std::chrono::milliseconds timeout) {
  if (!connected()) co_return fail(std::make_error_code(std::errc::not_connected));
  writer.patch_int32(0, static_cast<int32_t>(writer.size() - 4));
  const protocol::Encoded frame = std::move(writer).finish();
  if (!frame.splices.empty()) co_return fail(std::make_error_code(std::errc::invalid_argument));  // external records

  auto done = co_await within(write_and_read(frame.buffer), timeout);
  if (!done) {
    close();
    co_return fail(done.error());
  }
  protocol::Reader reader(receive_buffer_);
  protocol::ResponseHeader header;
  header.decode(reader, protocol::response_header_version(call.api_key, call.version, call.first_flexible_version));
  if (!reader.ok() || header.correlation_id != call.correlation_id) {
    close();
    co_return fail(reader.ok() ? std::make_error_code(std::errc::protocol_error) : reader.error());
  }
  co_return std::span<const std::byte>(receive_buffer_).subspan(reader.position());
}

asio::awaitable<Result<void>> BrokerClient::write_and_read(std::span<const std::byte> frame) {
  co_await asio::this_coro::throw_if_cancelled(false);
  auto [write_ec, written] = co_await asio::async_write(socket_, asio::buffer(frame.data(), frame.size()), use_tuple);
  if (write_ec) co_return fail(write_ec);
  std::byte size_bytes[4];
  auto [size_ec, n] = co_await asio::async_read(socket_, asio::buffer(size_bytes), use_tuple);
  if (size_ec) co_return fail(size_ec);
  const int32_t size = protocol::read_be<int32_t>(size_bytes);
  if (size < 4 || static_cast<size_t>(size) > kMaxResponseBytes)
    co_return fail(std::make_error_code(std::errc::message_size));
  receive_buffer_.resize(static_cast<size_t>(size));
  auto [body_ec, m] = co_await asio::async_read(socket_, asio::buffer(receive_buffer_), use_tuple);
  if (body_ec) co_return fail(body_ec);
  co_return Result<void>{};
}

}  // namespace runnel::broker
