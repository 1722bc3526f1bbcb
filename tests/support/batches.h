#pragma once
// Test batches built with the protocol's builder.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/record_batch_builder.h"

namespace runnel::test {

// A batch of `count` records: keys "k<i>", values "<tag>-<i>" padded to
// `value_size`, timestamps base_timestamp + i.
std::vector<std::byte> make_batch(int count, int64_t base_timestamp, const std::string& tag = "v",
                                  size_t value_size = 0,
                                  protocol::CompressionType compression = protocol::CompressionType::none);

}  // namespace runnel::test
