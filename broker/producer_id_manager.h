#pragma once
// ProducerIdManager: hands out producer ids (InitProducerId) from blocks
// reserved in the MetadataStore, so an id is never given twice, across
// restarts too; a restart abandons the rest of its block.

#include <cstdint>
#include <mutex>

#include "broker/metadata_store.h"
#include "protocol/result.h"

namespace runnel::broker {

class ProducerIdManager {
 public:
  static constexpr int64_t kBlockSize = 1000;

  explicit ProducerIdManager(MetadataStore& metadata) : metadata_(metadata) {}

  Result<int64_t> next_producer_id();

 private:
  MetadataStore& metadata_;
  std::mutex mutex_;
  int64_t next_ = 0;
  int64_t block_end_ = 0;  // next_ == block_end_: a new block is needed
};

}  // namespace runnel::broker
