// dump_log_segment on batches the fixture's storage::Log path does not
// produce: LogAppendTime, transaction markers, wrapping sequence numbers.

#include <catch2/catch.hpp>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/byte_order.h"
#include "protocol/record_batch_builder.h"
#include "tools/dump_log_files.h"

namespace {

using runnel::protocol::BatchOptions;
using runnel::protocol::RecordInput;
using runnel::protocol::to_bytes;

// A read-only in-memory .log.
class MemoryFile final : public runnel::storage::File {
 public:
  explicit MemoryFile(std::vector<std::byte> data) : data_(std::move(data)) {}
  runnel::Result<size_t> read_at(uint64_t position, std::span<std::byte> out) const override {
    size_t n = position >= data_.size() ? 0 : std::min(out.size(), data_.size() - position);
    std::copy_n(data_.begin() + static_cast<ptrdiff_t>(position), n, out.begin());
    return n;
  }
  runnel::Result<void> write_at(uint64_t, std::span<const std::byte>) override { return {}; }
  runnel::Result<void> sync() override { return {}; }
  runnel::Result<void> truncate(uint64_t) override { return {}; }
  runnel::Result<uint64_t> size() const override { return data_.size(); }
  int native_handle() const override { return -1; }

 private:
  std::vector<std::byte> data_;
};

std::vector<std::byte> build(const std::vector<RecordInput>& records, const BatchOptions& options) {
  auto batch = runnel::protocol::build_record_batch(records, options);
  REQUIRE(batch);
  return *batch;
}

std::string dump(std::vector<std::byte> log) {
  std::ostringstream out;
  auto formatter = runnel::tools::make_formatter(runnel::tools::OutputFormat::text, out);
  REQUIRE(runnel::tools::dump_log_segment(MemoryFile(std::move(log)), true, *formatter));
  return out.str();
}

std::vector<std::byte> be16_pair(int16_t a, int16_t b) {
  std::vector<std::byte> out(4);
  runnel::protocol::write_be<int16_t>(out.data(), a);
  runnel::protocol::write_be<int16_t>(out.data() + 2, b);
  return out;
}

}  // namespace

TEST_CASE("records of a LogAppendTime batch show the batch's time, as Kafka does", "[dump_log]") {
  std::vector<RecordInput> records(2);
  records[0].value = to_bytes("a");
  records[0].timestamp = 10;
  records[1].value = to_bytes("b");
  records[1].timestamp = 11;
  auto batch = build(records, {});
  runnel::protocol::set_log_append_time(batch, 999);
  CHECK(dump(batch) ==
        "baseOffset: 0 lastOffset: 1 count: 2 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 "
        "partitionLeaderEpoch: -1 isTransactional: false isControl: false position: 0 LogAppendTime: 999 size: " +
            std::to_string(batch.size()) + " magic: 2 compresscodec: none crc: " +
            std::to_string(runnel::protocol::read_header(batch).crc) +
            " isvalid: true\n"
            "| offset: 0 LogAppendTime: 999 keySize: -1 valueSize: 1 sequence: -1 headers: [] key: null payload: a\n"
            "| offset: 1 LogAppendTime: 999 keySize: -1 valueSize: 1 sequence: -1 headers: [] key: null payload: b\n");
}

TEST_CASE("a transaction marker is shown as endTxnMarker with its coordinator epoch", "[dump_log]") {
  RecordInput marker;
  marker.key = be16_pair(0, 1);  // version 0, COMMIT
  marker.value = std::vector<std::byte>(6);
  runnel::protocol::write_be<int32_t>(marker.value->data() + 2, 17);
  BatchOptions options;
  options.control = true;
  options.transactional = true;
  options.producer_id = 5;
  options.producer_epoch = 0;
  std::string out = dump(build({marker}, options));
  CHECK(out.find("isTransactional: true isControl: true") != std::string::npos);
  CHECK(out.find("\n| offset: 0 CreateTime: 0 keySize: 4 valueSize: 6 sequence: -1 headers: [] "
                 "endTxnMarker: COMMIT coordinatorEpoch: 17\n") != std::string::npos);
}

TEST_CASE("sequence numbers wrap past INT32_MAX to 0 as producers do", "[dump_log]") {
  std::vector<RecordInput> records(3);
  for (auto& r : records) r.value = to_bytes("v");
  BatchOptions options;
  options.producer_id = 1;
  options.producer_epoch = 0;
  options.base_sequence = std::numeric_limits<int32_t>::max() - 1;
  std::string out = dump(build(records, options));
  CHECK(out.find("baseSequence: 2147483646 lastSequence: 0 ") != std::string::npos);
  CHECK(out.find("| offset: 1 CreateTime: 0 keySize: -1 valueSize: 1 sequence: 2147483647 ") != std::string::npos);
  CHECK(out.find("| offset: 2 CreateTime: 0 keySize: -1 valueSize: 1 sequence: 0 ") != std::string::npos);
}
