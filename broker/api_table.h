#pragma once
// The API registry: one entry per API this broker serves, declaring its
// versions. It feeds both request dispatch and the ApiVersions response, so
// what is advertised is exactly what is served.

#include <asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/handlers/produce_refusals.h"
#include "broker/request_frame.h"
#include "broker/services.h"
#include "protocol/codec.h"
#include "storage/file_range.h"

namespace runnel::broker {

struct RequestContext {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  std::span<const std::byte> body;                     // the request after its header
  std::shared_ptr<RequestFrame> frame;                 // owns `body`; handlers may mutate it (produce)
  BrokerServices& broker;
  std::string client_host;  // the peer's IP address, as groups report it
  ProduceRefusals* produce_refusals = nullptr;  // the connection's (Produce)
};

struct Response {
  protocol::Encoded body;
  std::vector<storage::FileRange> ranges;  // indexed by Splice::id
  bool send = true;                        // false: acks=0 produce, no response
  bool close_connection = false;           // close after this (e.g. a failed acks=0 produce)
};

using Handler = asio::awaitable<Response> (*)(RequestContext&);

struct ApiEntry {
  int16_t api_key;
  std::string_view name;
  int16_t min_version;
  int16_t max_version;
  int16_t first_flexible_version;  // request header v2 / response header v1 from here
  Handler handle;
};

const std::vector<ApiEntry>& api_table();
const ApiEntry* find_api(int16_t api_key);

// Decodes the request body at the request's version; nullopt if it does not
// decode (or leaves bytes over), which closes the connection.
template <class Message>
std::optional<Message> decode_request(const RequestContext& ctx) {
  Message message;
  protocol::Reader reader(ctx.body);
  message.decode(reader, ctx.api_version);
  if (!reader.ok()) return std::nullopt;
  return message;
}

// The answer to a request that does not decode: no response, close.
inline Response close_connection() { return Response{{}, {}, false, true}; }

// Finishes a response body: encodes `message` at the request's version.
template <class Message>
Response encode_response(const RequestContext& ctx, const Message& message) {
  protocol::Writer writer;
  message.encode(writer, ctx.api_version);
  return Response{std::move(writer).finish()};
}

}  // namespace runnel::broker
