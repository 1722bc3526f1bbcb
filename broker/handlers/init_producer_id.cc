// InitProducerId (key 22), versions 0-4: a producer id and epoch.
// - Idempotent producers (null transactional id) get a new producer id with
//   epoch 0 every time, also when they ask for an epoch bump (v3+), as Kafka does.
// - A transactional id keeps its producer id; each call bumps its epoch (a
//   new id once the epoch would pass 32767), until the id goes unused for
//   transactional.id.expiration.ms. Transactions themselves are not served
//   (AddPartitionsToTxn, EndTxn are unknown APIs).

#include "broker/handlers/handlers.h"
#include "broker/logging.h"
#include "protocol/messages/init_producer_id.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::InitProducerIdRequest;
using protocol::messages::InitProducerIdResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<InitProducerIdRequest>(ctx);
  if (!request) co_return close_connection();
  InitProducerIdResponse response;
  response.producer_epoch = -1;
  auto fail_with = [&](ErrorCode error) {
    response.error_code = static_cast<int16_t>(error);
    return encode_response(ctx, response);
  };
  if (request->transactional_id && request->transactional_id->empty())
    co_return fail_with(ErrorCode::invalid_request);
  std::optional<TransactionalProducer> current;
  if (request->transactional_id) current = ctx.broker.metadata.transactional_producer(*request->transactional_id);
  int64_t producer_id = -1;
  int16_t epoch = 0;
  if (current && current->epoch < INT16_MAX - 1) {
    producer_id = current->producer_id;
    epoch = static_cast<int16_t>(current->epoch + 1);
  } else {
    auto allocated = ctx.broker.producer_ids.next_producer_id();
    if (!allocated) {
      log_warn("producer", "allocating a producer id failed: " + allocated.error().message());
      co_return fail_with(ErrorCode::coordinator_not_available);
    }
    producer_id = *allocated;
  }
  if (request->transactional_id) {
    const TransactionalProducer given{producer_id, epoch, BrokerServices::now_ms()};
    if (auto r = ctx.broker.metadata.put_transactional_producer(*request->transactional_id, given); !r)
      co_return fail_with(ErrorCode::coordinator_not_available);
  }
  response.producer_id = producer_id;
  response.producer_epoch = epoch;
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry init_producer_id_api() {
  return {InitProducerIdRequest::kApiKey, "InitProducerId", InitProducerIdRequest::kMinVersion,
          InitProducerIdRequest::kMaxVersion, InitProducerIdRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
