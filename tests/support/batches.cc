#include "support/batches.h"

#include <stdexcept>

namespace runnel::test {

std::vector<std::byte> make_batch(int count, int64_t base_timestamp, const std::string& tag, size_t value_size,
                                  protocol::CompressionType compression) {
  std::vector<protocol::RecordInput> records;
  for (int i = 0; i < count; ++i) {
    std::string value = tag + "-" + std::to_string(i);
    if (value.size() < value_size) value.resize(value_size, '.');
    protocol::RecordInput record;
    record.key = protocol::to_bytes("k" + std::to_string(i));
    record.value = protocol::to_bytes(value);
    record.timestamp = base_timestamp + i;
    records.push_back(std::move(record));
  }
  protocol::BatchOptions options;
  options.compression = compression;
  auto batch = protocol::build_record_batch(records, options);
  if (!batch) throw std::runtime_error("build_record_batch failed: " + batch.error().message());
  return std::move(*batch);
}

}  // namespace runnel::test
