#include "bench/runnel_bench/produce.h"

#include <cstdint>
#include <random>
#include <vector>

#include "bench/runnel_bench/paced_producer.h"
#include "bench/runnel_bench/report.h"

namespace runnel::bench {

namespace {

constexpr size_t kPayloadOffsets = 4096;
// librdkafka gives up on a record after message.timeout.ms (300 s by
// default), so the last delivery reports come well within this.
constexpr auto kDrainTimeout = std::chrono::hours(1);

// Random capital letters (as kafka-producer-perf-test sends); record i uses
// the record_size bytes from a shifting offset, so batches do not repeat one
// value and compression has realistic work to do.
std::vector<char> make_payload_pool(size_t record_size) {
  std::vector<char> pool(record_size + kPayloadOffsets);
  std::mt19937 random(42);
  std::uniform_int_distribution<int> letter('A', 'Z');
  for (auto& c : pool) c = static_cast<char>(letter(random));
  return pool;
}

}  // namespace

int run_produce(const ProduceOptions& o) {
  PacedProducer producer(o);
  const Deliveries& deliveries = producer.deliveries();
  auto pool = make_payload_pool(o.record_size);

  int64_t sent = 0;
  const auto start = Clock::now();
  ProgressMeter meter("produce", start);
  producer.set_after_poll([&](Clock::time_point now) {
    if (!meter.due(now)) return;
    meter.print(now, deliveries.delivered, deliveries.delivered_bytes,
                ", sent " + std::to_string(sent) + ", in librdkafka " + std::to_string(producer.in_flight()) +
                    (deliveries.failed ? ", failed " + std::to_string(deliveries.failed) : ""));
  });
  for (int64_t i = 0; i < o.count; ++i) {
    if (o.rate > 0) producer.wait_until(PacedProducer::due(start, o.rate, i));
    // The pool outlives the producer's queue, so librdkafka need not copy values.
    char* value = pool.data() + static_cast<size_t>(i * 131) % kPayloadOffsets;
    const std::string key = o.keys > 0 ? "key-" + std::to_string(i % o.keys) : std::string();
    producer.send(i, key, value, o.record_size, 0);
    ++sent;
  }
  (void)producer.drain(kDrainTimeout);

  RunResult result;
  result.mode = "produce";
  result.topic = o.common.topic;
  result.partitions = producer.partitions();
  result.records = deliveries.delivered;
  result.bytes = deliveries.delivered_bytes;
  result.seconds = seconds_between(start, deliveries.delivered ? deliveries.last : Clock::now());
  result.errors = deliveries.failed;
  result.first_error = deliveries.first_error;
  result.latency = Latency::of(deliveries.latency);
  result.client_cpu_seconds = process_cpu_seconds();
  print_result(result, o.common.json);
  return deliveries.delivered == o.count ? 0 : 1;
}

}  // namespace runnel::bench
