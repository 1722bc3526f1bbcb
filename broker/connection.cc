#include "broker/connection.h"

#include <sys/sendfile.h>

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "broker/handlers/api_versions.h"
#include "broker/logging.h"
#include "broker/task_failure.h"
#include "protocol/byte_order.h"
#include "protocol/header.h"

namespace runnel::broker {
namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr size_t kMaxInFlight = 128;  // requests started but not yet answered, per connection

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, BrokerServices& services)
    : socket_(std::move(socket)), services_(services), room_(socket_.get_executor()) {
  std::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  peer_address_ = ec ? "unknown" : endpoint.address().to_string();
  peer_ = ec ? "unknown" : peer_address_ + ":" + std::to_string(endpoint.port());
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void Connection::start() { spawn(read_loop()); }

void Connection::close_from_any_thread() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->close(); });
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  std::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  room_.cancel();
}

asio::awaitable<void> Connection::read_loop() {
  auto self = shared_from_this();
  for (;;) {
    while (pending_.size() >= kMaxInFlight && !closed_) {
      room_.expires_at(asio::steady_timer::time_point::max());
      co_await room_.async_wait(use_tuple);
    }
    if (closed_) co_return;
    std::byte size_bytes[4];
    auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(size_bytes), use_tuple);
    if (ec) {
      close();
      co_return;
    }
    const int32_t size = protocol::read_be<int32_t>(size_bytes);
    if (size < 8 || size > services_.config.socket_request_max_bytes) {
      log_warn("network", "closing " + peer_ + ": request size " + std::to_string(size) + " is outside 8.." +
                              std::to_string(services_.config.socket_request_max_bytes));
      close();
      co_return;
    }
    auto frame = std::make_shared<RequestFrame>(static_cast<size_t>(size));
    std::tie(ec, n) = co_await asio::async_read(socket_, asio::buffer(*frame), use_tuple);
    if (ec) {
      close();
      co_return;
    }

    const auto prefix = protocol::peek_request_header(*frame);  // size >= 8 was checked
    auto ctx = std::make_shared<RequestContext>(RequestContext{prefix->api_key, prefix->api_version,
                                                               prefix->correlation_id, std::nullopt, {}, frame, services_,
                                                               peer_address_, &produce_refusals_});
    const ApiEntry* api = find_api(ctx->api_key);
    auto slot = std::make_shared<Slot>();
    slot->correlation_id = ctx->correlation_id;

    if (api && api->api_key == protocol::kApiVersionsApiKey && ctx->api_version > api->max_version) {
      // Kafka's rule: answer with the v0 layout so the client can retry lower.
      slot->response = unsupported_api_versions_response();
      slot->ready = true;
      pending_.push_back(slot);
      spawn(write_loop());
      continue;
    }
    if (!api || ctx->api_version < api->min_version || ctx->api_version > api->max_version) {
      log_warn("network", "closing " + peer_ + ": unsupported API key " + std::to_string(ctx->api_key) + " version " +
                              std::to_string(ctx->api_version));
      close();
      co_return;
    }
    protocol::Reader reader(*frame);
    protocol::RequestHeader header;
    header.decode(reader, protocol::request_header_version(ctx->api_version, api->first_flexible_version));
    if (!reader.ok()) {
      log_warn("network", "closing " + peer_ + ": malformed request header");
      close();
      co_return;
    }
    ctx->client_id = std::move(header.client_id);
    slot->response_header_version =
        protocol::response_header_version(api->api_key, ctx->api_version, api->first_flexible_version);
    ctx->body = std::span<const std::byte>(*frame).subspan(reader.position());
    pending_.push_back(slot);
    spawn(run_handler(slot, api, ctx));
  }
}

void Connection::spawn(asio::awaitable<void> work) {
  asio::co_spawn(socket_.get_executor(), std::move(work), [self = shared_from_this()](std::exception_ptr e) {
    if (log_failure(e, "network", "connection " + self->peer_ + " failed")) self->close();
  });
}

asio::awaitable<void> Connection::run_handler(std::shared_ptr<Slot> slot, const ApiEntry* api,
                                              std::shared_ptr<RequestContext> ctx) {
  slot->response = co_await api->handle(*ctx);
  slot->ready = true;
  if (!writing_) co_await write_loop();
}

asio::awaitable<void> Connection::write_loop() {
  if (writing_) co_return;
  writing_ = true;
  auto self = shared_from_this();
  while (!pending_.empty() && pending_.front()->ready && !closed_) {
    auto slot = pending_.front();
    bool ok = true;
    if (slot->response.send) ok = co_await send(*slot);
    pending_.pop_front();
    room_.cancel();
    if (!ok || slot->response.close_connection) {
      close();
      break;
    }
  }
  writing_ = false;
}

asio::awaitable<bool> Connection::send(Slot& slot) {
  const protocol::Encoded& body = slot.response.body;
  protocol::Writer head_writer(std::vector<std::byte>(4));
  protocol::ResponseHeader{slot.correlation_id}.encode(head_writer, slot.response_header_version);
  head_writer.patch_int32(0, static_cast<int32_t>(head_writer.size() - 4 + body.total_size()));
  const protocol::Encoded head = std::move(head_writer).finish();

  size_t from = 0;
  std::vector<asio::const_buffer> buffers{asio::buffer(head.buffer)};
  for (const auto& splice : body.splices) {
    buffers.push_back(asio::buffer(body.buffer.data() + from, splice.position - from));
    auto [ec, n] = co_await asio::async_write(socket_, buffers, use_tuple);
    if (ec) co_return false;
    buffers.clear();
    from = splice.position;
    if (splice.id < 0 || static_cast<size_t>(splice.id) >= slot.response.ranges.size()) co_return false;
    if (!co_await send_range(slot.response.ranges[static_cast<size_t>(splice.id)], splice.size)) co_return false;
  }
  buffers.push_back(asio::buffer(body.buffer.data() + from, body.buffer.size() - from));
  auto [ec, n] = co_await asio::async_write(socket_, buffers, use_tuple);
  co_return !ec;
}

asio::awaitable<bool> Connection::send_range(const storage::FileRange& range, uint64_t size) {
  if (size != range.size) co_return false;
  if (size == 0) co_return true;
  const int fd = range.file->native_handle();
  if (fd < 0) {  // no descriptor to send from: copy
    auto bytes = range.read_all();
    if (!bytes) co_return false;
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(*bytes), use_tuple);
    co_return !ec;
  }
  std::error_code ec;
  socket_.native_non_blocking(true, ec);
  off_t offset = static_cast<off_t>(range.position);
  uint64_t left = size;
  while (left > 0) {
    ssize_t sent = ::sendfile(socket_.native_handle(), fd, &offset, left);
    if (sent > 0) {
      left -= static_cast<uint64_t>(sent);
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      auto [wait_ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_write, use_tuple);
      if (wait_ec) co_return false;
    } else if (sent < 0 && errno == EINTR) {
      continue;
    } else {
      co_return false;  // error, or the file is shorter than the range
    }
  }
  co_return true;
}

}  // namespace runnel::broker
