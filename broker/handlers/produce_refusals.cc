#include "broker/handlers/produce_refusals.h"

#include <iterator>

namespace runnel::broker {

void ProduceRefusals::begin_request() {
  for (auto it = refusals_.begin(); it != refusals_.end();)
    it = --it->second.requests_left < 0 ? refusals_.erase(it) : std::next(it);
}

protocol::ErrorCode ProduceRefusals::carried(const std::string& topic, int32_t partition, int64_t producer_id,
                                             int32_t base_sequence) {
  auto it = refusals_.find({topic, partition, producer_id});
  if (it == refusals_.end()) return protocol::ErrorCode::none;
  if (it->second.base_sequence == base_sequence) {
    refusals_.erase(it);
    return protocol::ErrorCode::none;
  }
  return it->second.error;
}

void ProduceRefusals::refused(const std::string& topic, int32_t partition, int64_t producer_id,
                              int32_t base_sequence, protocol::ErrorCode error) {
  // The first refusal stands: a later batch refused because of it must not replace it.
  refusals_.try_emplace({topic, partition, producer_id}, Refusal{base_sequence, error, kPipelineDepth});
}

}  // namespace runnel::broker
