#include "bench/runnel_bench/latency.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/runnel_bench/client_config.h"
#include "bench/runnel_bench/latency_histogram.h"
#include "bench/runnel_bench/paced_producer.h"
#include "bench/runnel_bench/report.h"
#include "bench/runnel_bench/stamp.h"
#include "bench/runnel_bench/topic_setup.h"

namespace runnel::bench {

namespace {

using std::chrono::duration_cast;

constexpr int64_t kWarmUp = -1;
constexpr auto kWarmUpTimeout = std::chrono::seconds(30);
constexpr auto kWaitStep = std::chrono::milliseconds(10);
constexpr int kPollMs = 100;

// The consuming side, on its own thread between start() and stop(). Until
// stop() has joined it, the producing thread reads only the atomics.
class Receiver {
 public:
  Receiver(const CommonOptions& o, const std::vector<int64_t>& offsets, int64_t expected)
      : client_(make_consumer(o.bootstrap, o.properties)),
        queue_(rd_kafka_queue_get_consumer(client_.get())),
        seen_(static_cast<size_t>(expected), false) {
    assign_partitions(client_.get(), o.topic, offsets);
  }

  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver() { stop(); }

  void start() { thread_ = std::thread([this] { run(); }); }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

  int64_t warm_ups() const { return warm_ups_.load(std::memory_order_relaxed); }
  int64_t received() const { return received_.load(std::memory_order_relaxed); }
  int64_t received_bytes() const { return received_bytes_.load(std::memory_order_relaxed); }
  // The largest corrected latency (µs) since the last call.
  uint64_t take_interval_max() { return interval_max_.exchange(0, std::memory_order_relaxed); }

  // After stop():
  LatencyHistogram corrected;
  LatencyHistogram uncorrected;
  int64_t duplicates = 0;
  int64_t errors = 0;
  std::string first_error;
  Clock::time_point last_receipt;

 private:
  // One message per call: rd_kafka_consume_batch_queue() would hold the
  // records it has until its batch is full or its timeout passes.
  void run() {
    int64_t received = 0;
    int64_t bytes = 0;
    while (!stop_.load()) {
      KafkaMessage message(rd_kafka_consume_queue(queue_.get(), kPollMs));
      if (!message) continue;
      const auto now = Clock::now();
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        error(rd_kafka_message_errstr(message.get()));
        continue;
      }
      Stamp stamp{};
      if (message->len < sizeof stamp) {
        error("a record of " + std::to_string(message->len) + " bytes has no stamp");
        continue;
      }
      std::memcpy(&stamp, message->payload, sizeof stamp);
      if (stamp.index == kWarmUp) {
        warm_ups_.fetch_add(1, std::memory_order_relaxed);
      } else if (stamp.index < 0 || static_cast<size_t>(stamp.index) >= seen_.size()) {
        error("a record with index " + std::to_string(stamp.index) + " was never sent");
      } else if (seen_[static_cast<size_t>(stamp.index)]) {
        ++duplicates;
      } else {
        seen_[static_cast<size_t>(stamp.index)] = true;
        const uint64_t latency = micros_since(stamp.scheduled, now);
        corrected.record(latency);
        uncorrected.record(micros_since(stamp.sent, now));
        last_receipt = now;
        received_.store(++received, std::memory_order_relaxed);
        received_bytes_.store(bytes += static_cast<int64_t>(message->len), std::memory_order_relaxed);
        if (latency > interval_max_.load(std::memory_order_relaxed)) interval_max_.store(latency, std::memory_order_relaxed);
      }
    }
    rd_kafka_consumer_close(client_.get());
  }

  void error(const std::string& what) {
    if (errors++ == 0) first_error = what;
    std::fprintf(stderr, "latency: consumer: %s\n", what.c_str());
  }

  KafkaClient client_;
  KafkaQueue queue_;
  std::vector<bool> seen_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> warm_ups_{0};
  std::atomic<int64_t> received_{0};
  std::atomic<int64_t> received_bytes_{0};
  std::atomic<uint64_t> interval_max_{0};
};

void stamp(std::vector<char>& value, int64_t index, Clock::time_point scheduled) {
  const Stamp s{index, scheduled.time_since_epoch().count(), Clock::now().time_since_epoch().count()};
  std::memcpy(value.data(), &s, sizeof s);
}

}  // namespace

int run_latency(const LatencyOptions& o) {
  const ProduceOptions& po = o.producer;
  const auto count = static_cast<int64_t>(std::llround(po.rate * o.duration_s));
  if (count < 1) throw BenchError("--rate times --duration is under one record");
  PacedProducer producer(po);
  const int32_t partitions = producer.partitions();
  Receiver receiver(po.common, watermark_offsets(producer.client(), po.common.topic, partitions, Watermark::high), count);
  receiver.start();

  // The values are copied by librdkafka (RD_KAFKA_MSG_F_COPY): one buffer serves all.
  std::vector<char> value(po.record_size, 'x');
  for (int32_t p = 0; p < partitions; ++p) {
    stamp(value, kWarmUp, Clock::now());
    producer.send(p, {}, value.data(), value.size(), RD_KAFKA_MSG_F_COPY);
  }
  for (const auto deadline = Clock::now() + kWarmUpTimeout; receiver.warm_ups() < partitions;) {
    if (Clock::now() > deadline) throw BenchError("the warm-up records did not come back within 30 s");
    producer.wait_until(Clock::now() + kWaitStep);
  }

  std::atomic<int64_t> sent = 0;
  const auto start = Clock::now();
  ProgressMeter meter("latency", start);
  producer.set_after_poll([&](Clock::time_point now) {
    if (!meter.due(now)) return;
    char max[48];
    std::snprintf(max, sizeof max, ", max %.2f ms", static_cast<double>(receiver.take_interval_max()) / 1000.0);
    meter.print(now, receiver.received(), receiver.received_bytes(), ", sent " + std::to_string(sent.load()) + max);
  });
  for (int64_t i = 0; i < count; ++i) {
    const auto due = PacedProducer::due(start, po.rate, i);
    producer.wait_until(due);
    stamp(value, i, due);
    producer.send(i, {}, value.data(), value.size(), RD_KAFKA_MSG_F_COPY);
    sent.store(i + 1);
  }
  const auto grace = duration_cast<Clock::duration>(std::chrono::duration<double>(o.grace_s));
  const auto deadline = Clock::now() + grace;
  (void)producer.drain(grace);
  while (receiver.received() < count && Clock::now() < deadline) {
    producer.wait_until(std::min(deadline, Clock::now() + kWaitStep));
  }
  receiver.stop();

  const Deliveries& deliveries = producer.deliveries();
  RunResult result;
  result.mode = "latency";
  result.topic = po.common.topic;
  result.partitions = partitions;
  result.records = receiver.received();
  result.bytes = receiver.received_bytes();
  result.seconds = seconds_between(start, result.records ? receiver.last_receipt : Clock::now());
  result.errors = receiver.errors + deliveries.failed;
  result.first_error = deliveries.failed ? deliveries.first_error : receiver.first_error;
  result.latency = Latency::of(receiver.corrected);
  result.end_to_end = EndToEnd{po.rate, sent.load(), sent.load() - result.records, receiver.duplicates,
                               Latency::of(receiver.uncorrected)};
  result.client_cpu_seconds = process_cpu_seconds();
  if (result.end_to_end->lost > 0) {
    std::fprintf(stderr, "latency: %lld records sent but not received within %.1f s of the last send\n",
                 static_cast<long long>(result.end_to_end->lost), o.grace_s);
  }
  print_result(result, po.common.json);
  return result.end_to_end->lost == 0 && sent.load() == count ? 0 : 1;
}

}  // namespace runnel::bench
