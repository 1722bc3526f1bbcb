// ApiVersions (key 18), versions 0-3: the served APIs and versions, straight
// from the API table.

#include "broker/handlers/api_versions.h"

#include "protocol/messages/api_versions.h"

namespace runnel::broker {
namespace {

using protocol::messages::ApiVersionsRequest;
using protocol::messages::ApiVersionsResponse;

ApiVersionsResponse advertised() {
  ApiVersionsResponse response;
  for (const auto& api : api_table()) {
    ApiVersionsResponse::ApiVersion entry;
    entry.api_key = api.api_key;
    entry.min_version = api.min_version;
    entry.max_version = api.max_version;
    response.api_keys.push_back(entry);
  }
  return response;
}

asio::awaitable<Response> handle(RequestContext& ctx) {
  ApiVersionsRequest request;
  protocol::Reader reader(ctx.body);
  request.decode(reader, ctx.api_version);
  ApiVersionsResponse response = advertised();
  if (!reader.ok()) response.error_code = static_cast<int16_t>(protocol::ErrorCode::invalid_request);
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry api_versions_api() {
  return {ApiVersionsRequest::kApiKey, "ApiVersions", ApiVersionsRequest::kMinVersion, ApiVersionsRequest::kMaxVersion,
          ApiVersionsRequest::kFirstFlexibleVersion, &handle};
}

Response unsupported_api_versions_response() {
  ApiVersionsResponse response = advertised();
  response.error_code = static_cast<int16_t>(protocol::ErrorCode::unsupported_version);
  protocol::Writer writer;
  response.encode(writer, 0);
  return Response{std::move(writer).finish()};
}

}  // namespace runnel::broker
