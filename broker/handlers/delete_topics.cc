// DeleteTopics (key 20), versions 0-3: the topic's metadata goes first, then
// its partition directories.

#include "broker/group/group_coordinator.h"
#include "broker/handlers/handlers.h"
#include "broker/run_blocking.h"
#include "protocol/messages/delete_topics.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::DeleteTopicsRequest;
using protocol::messages::DeleteTopicsResponse;

constexpr int16_t kTopicDeletionDisabled = 73;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto decoded = decode_request<DeleteTopicsRequest>(ctx);
  if (!decoded) co_return close_connection();
  const DeleteTopicsRequest& request = *decoded;

  DeleteTopicsResponse response;
  for (const auto& name : request.topic_names) {
    auto& out = response.responses.emplace_back();
    out.name = name;
    if (!ctx.broker.config.delete_topic_enable) {
      out.error_code = kTopicDeletionDisabled;
      continue;
    }
    if (name == group::kOffsetsTopic) {  // the group coordinator's own topic
      out.error_code = static_cast<int16_t>(ErrorCode::invalid_topic_exception);
      continue;
    }
    auto outcome = co_await run_blocking(ctx.broker.metadata_pool, [&] { return ctx.broker.controller.delete_topic(name); });
    out.error_code = static_cast<int16_t>(outcome.error);
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry delete_topics_api() {
  return {DeleteTopicsRequest::kApiKey, "DeleteTopics", DeleteTopicsRequest::kMinVersion,
          DeleteTopicsRequest::kMaxVersion, DeleteTopicsRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
