#include "bench/runnel_bench/produce.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "bench/runnel_bench/client_config.h"
#include "bench/runnel_bench/latency_histogram.h"
#include "bench/runnel_bench/report.h"
#include "bench/runnel_bench/topic_setup.h"

namespace runnel::bench {

namespace {

using std::chrono::duration_cast;

constexpr auto kTopicTimeout = std::chrono::seconds(30);
constexpr size_t kPayloadOffsets = 4096;
constexpr auto kPollEvery = std::chrono::microseconds(100);

// Filled by the delivery report callback, which runs inside rd_kafka_poll()
// on the producing thread: no locking.
struct Deliveries {
  LatencyHistogram latency;
  int64_t delivered = 0;
  int64_t delivered_bytes = 0;
  int64_t failed = 0;
  std::string first_error;
  Clock::time_point last;
};

// The send time travels in each message's opaque, as the steady clock's count.
static_assert(sizeof(void*) >= sizeof(Clock::rep), "the send time must fit in a pointer");

void* as_opaque(Clock::time_point t) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(t.time_since_epoch().count()));
}

Clock::time_point from_opaque(void* opaque) {
  return Clock::time_point(Clock::duration(static_cast<Clock::rep>(reinterpret_cast<uintptr_t>(opaque))));
}

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto& d = *static_cast<Deliveries*>(opaque);
  const auto now = Clock::now();
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (d.failed++ == 0) d.first_error = rd_kafka_err2str(message->err);
    return;
  }
  ++d.delivered;
  d.delivered_bytes += static_cast<int64_t>(message->len);
  d.latency.record(static_cast<uint64_t>(duration_cast<std::chrono::microseconds>(now - from_opaque(message->_private)).count()));
  d.last = now;
}

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

Settings producer_settings(const ProduceOptions& o) {
  Settings s = {{"acks", o.acks}, {"compression.type", o.compression}, {"linger.ms", std::to_string(o.linger_ms)}};
  if (o.batch_size) s.emplace_back("batch.size", std::to_string(*o.batch_size));
  return s;
}

Latency to_ms(const LatencyHistogram& h) {
  auto ms = [](uint64_t micros) { return static_cast<double>(micros) / 1000.0; };
  return {ms(h.percentile(50)), ms(h.percentile(99)), ms(h.percentile(99.9)), ms(h.max())};
}

}  // namespace

int run_produce(const ProduceOptions& o) {
  Deliveries deliveries;
  auto conf = make_conf(o.common.bootstrap, producer_settings(o), o.common.properties);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_opaque(conf.get(), &deliveries);
  auto client = make_client(RD_KAFKA_PRODUCER, std::move(conf));
  rd_kafka_t* rk = client.get();

  if (o.create_topic) create_topic(rk, o.common.topic, o.partitions, o.replication_factor, o.topic_configs, kTopicTimeout);
  KafkaTopic topic(rd_kafka_topic_new(rk, o.common.topic.c_str(), nullptr));
  const int32_t partitions = wait_for_topic(rk, topic.get(), kTopicTimeout);
  if (o.create_topic && partitions != o.partitions) {
    std::fprintf(stderr, "produce: topic %s exists with %d partitions; using them all\n", o.common.topic.c_str(), partitions);
  }
  auto pool = make_payload_pool(o.record_size);

  int64_t sent = 0;
  const auto start = Clock::now();
  ProgressMeter meter("produce", start);
  auto progress = [&](Clock::time_point now) {
    if (!meter.due(now)) return;
    meter.print(now, deliveries.delivered, deliveries.delivered_bytes,
                ", sent " + std::to_string(sent) + ", in librdkafka " + std::to_string(rd_kafka_outq_len(rk)) +
                    (deliveries.failed ? ", failed " + std::to_string(deliveries.failed) : ""));
  };

  // Delivery reports are served inside rd_kafka_poll(); polling at least
  // every kPollEvery keeps that wait out of the measured latency.
  auto last_poll = start;
  auto poll_now = [&](Clock::time_point now) {
    rd_kafka_poll(rk, 0);
    last_poll = now;
    progress(now);
  };
  for (int64_t i = 0; i < o.count; ++i) {
    if (o.rate > 0) {
      const auto due = start + duration_cast<Clock::duration>(std::chrono::duration<double>(static_cast<double>(i) / o.rate));
      for (auto now = Clock::now(); now < due; now = Clock::now()) {
        const auto wait_ms = duration_cast<std::chrono::milliseconds>(due - now).count();
        if (wait_ms >= 1) {
          rd_kafka_poll(rk, static_cast<int>(wait_ms));
          progress(Clock::now());
        } else {
          poll_now(now);
          std::this_thread::sleep_until(std::min(due, now + kPollEvery));
        }
      }
    }
    // The pool outlives the producer's queue, so librdkafka need not copy values.
    char* value = pool.data() + static_cast<size_t>(i * 131) % kPayloadOffsets;
    const std::string key = o.keys > 0 ? "key-" + std::to_string(i % o.keys) : std::string();
    for (;;) {
      auto err = rd_kafka_producev(rk, RD_KAFKA_V_RKT(topic.get()), RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % partitions)),
                                   RD_KAFKA_V_KEY((o.keys > 0 ? key.data() : nullptr), key.size()),
                                   RD_KAFKA_V_VALUE(value, o.record_size), RD_KAFKA_V_MSGFLAGS(0),
                                   RD_KAFKA_V_OPAQUE(as_opaque(Clock::now())), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw BenchError(std::string("produce: ") + rd_kafka_err2str(err));
      rd_kafka_poll(rk, 1);  // the queue is full: serve delivery reports until there is room
      last_poll = Clock::now();
      progress(last_poll);
    }
    ++sent;
    if (const auto now = Clock::now(); now - last_poll >= kPollEvery) poll_now(now);
  }
  while (rd_kafka_outq_len(rk) > 0) {
    rd_kafka_poll(rk, 50);
    progress(Clock::now());
  }

  RunResult result;
  result.mode = "produce";
  result.topic = o.common.topic;
  result.partitions = partitions;
  result.records = deliveries.delivered;
  result.bytes = deliveries.delivered_bytes;
  result.seconds = seconds_between(start, deliveries.delivered ? deliveries.last : Clock::now());
  result.errors = deliveries.failed;
  result.first_error = deliveries.first_error;
  result.latency = to_ms(deliveries.latency);
  result.client_cpu_seconds = process_cpu_seconds();
  print_result(result, o.common.json);
  return deliveries.delivered == o.count ? 0 : 1;
}

}  // namespace runnel::bench
