#include "broker/producer_id_manager.h"

namespace runnel::broker {

Result<int64_t> ProducerIdManager::next_producer_id() {
  std::lock_guard lock(mutex_);
  if (next_ == block_end_) {
    auto first = metadata_.allocate_producer_ids(kBlockSize);
    if (!first) return fail(first.error());
    next_ = *first;
    block_end_ = *first + kBlockSize;
  }
  return next_++;
}

}  // namespace runnel::broker
