// InitProducerId (key 22), versions 0-4: a producer id and epoch.
// - Idempotent producers (null transactional id) get a new producer id with
//   epoch 0 every time, also when they ask for an epoch bump (v3+), as Kafka does.
// - A transactional id keeps its producer id; each call bumps its epoch (a
//   new id once the epoch would pass 32767), until the id goes unused for
//   transactional.id.expiration.ms. Transactions themselves are not served
//   (AddPartitionsToTxn, EndTxn are unknown APIs).

#include <mutex>

#include "broker/handlers/handlers.h"
#include "broker/logging.h"
#include "broker/run_blocking.h"
#include "protocol/messages/init_producer_id.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::InitProducerIdRequest;
using protocol::messages::InitProducerIdResponse;

// The producer id and epoch to give; a new block of ids and a transactional id's new epoch are
// written to the metadata store first (so this runs on the metadata pool). A transactional id's
// read-bump-write is serialized, so two concurrent calls never get the same epoch.
InitProducerIdResponse give_producer_id(BrokerServices& broker, const std::optional<std::string>& transactional_id) {
  static std::mutex transactional_ids_mutex;
  std::unique_lock<std::mutex> serialized;
  if (transactional_id) serialized = std::unique_lock(transactional_ids_mutex);
  InitProducerIdResponse response;
  response.producer_epoch = -1;
  std::optional<TransactionalProducer> current;
  if (transactional_id) current = broker.metadata.transactional_producer(*transactional_id);
  int64_t producer_id = -1;
  int16_t epoch = 0;
  if (current && current->epoch < INT16_MAX - 1) {
    producer_id = current->producer_id;
    epoch = static_cast<int16_t>(current->epoch + 1);
  } else {
    auto allocated = broker.producer_ids.next_producer_id();
    if (!allocated) {
      log_warn("producer", "allocating a producer id failed: " + allocated.error().message());
      response.error_code = static_cast<int16_t>(ErrorCode::coordinator_not_available);
      return response;
    }
    producer_id = *allocated;
  }
  if (transactional_id) {
    const TransactionalProducer given{producer_id, epoch, BrokerServices::now_ms()};
    if (auto r = broker.metadata.put_transactional_producer(*transactional_id, given); !r) {
      response.error_code = static_cast<int16_t>(ErrorCode::coordinator_not_available);
      return response;
    }
  }
  response.producer_id = producer_id;
  response.producer_epoch = epoch;
  return response;
}

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<InitProducerIdRequest>(ctx);
  if (!request) co_return close_connection();
  if (request->transactional_id && request->transactional_id->empty()) {
    InitProducerIdResponse response;
    response.producer_epoch = -1;
    response.error_code = static_cast<int16_t>(ErrorCode::invalid_request);
    co_return encode_response(ctx, response);
  }
  auto response = co_await run_blocking(ctx.broker.metadata_pool,
                                        [&] { return give_producer_id(ctx.broker, request->transactional_id); });
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry init_producer_id_api() {
  return {InitProducerIdRequest::kApiKey, "InitProducerId", InitProducerIdRequest::kMinVersion,
          InitProducerIdRequest::kMaxVersion, InitProducerIdRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
