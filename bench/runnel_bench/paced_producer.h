#pragma once
// The producing side shared by `runnel-bench produce` and `runnel-bench
// latency`: one librdkafka producer configured from ProduceOptions (acks,
// compression, linger.ms, batch.size, then -X), the topic created (unless
// create_topic is false) and awaited, records sent round-robin over its
// partitions on a fixed-rate schedule, and delivery reports counted.
//
// Record i of a paced run is due at start + i / rate (the schedule). While it
// waits, and after every send that finds the last poll kPollEvery old, the
// producer serves delivery reports with rd_kafka_poll() and then calls the
// `after_poll` callback (progress lines). One thread: the caller's.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "bench/runnel_bench/kafka_handles.h"
#include "bench/runnel_bench/latency_histogram.h"
#include "bench/runnel_bench/options.h"
#include "bench/runnel_bench/report.h"

namespace runnel::bench {

// Filled by the delivery report callback, which runs inside rd_kafka_poll()
// on the producing thread. `latency` is the delivery latency in µs: from the
// produce call to the delivery report.
struct Deliveries {
  LatencyHistogram latency;
  int64_t delivered = 0;
  int64_t delivered_bytes = 0;
  int64_t failed = 0;
  std::string first_error;
  Clock::time_point last;
};

class PacedProducer {
 public:
  // Creates the client and the topic and waits for the topic's leaders.
  // Throws BenchError when the broker or the topic is not there in time.
  explicit PacedProducer(const ProduceOptions& options);
  PacedProducer(const PacedProducer&) = delete;
  PacedProducer& operator=(const PacedProducer&) = delete;

  rd_kafka_t* client() { return client_.get(); }
  int32_t partitions() const { return partitions_; }
  const Deliveries& deliveries() const { return *deliveries_; }
  int64_t in_flight() { return rd_kafka_outq_len(client_.get()); }

  void set_after_poll(std::function<void(Clock::time_point)> after_poll) { after_poll_ = std::move(after_poll); }

  // The time record i is due when the schedule began at `start`.
  static Clock::time_point due(Clock::time_point start, double rate, int64_t i);

  // Serves delivery reports until `due`: in whole-millisecond polls while a
  // millisecond or more remains, then polling every kPollEvery with short sleeps.
  void wait_until(Clock::time_point due);

  // Sends record i to partition i % partitions. `flags` are librdkafka's
  // RD_KAFKA_MSG_F_*: without RD_KAFKA_MSG_F_COPY the value must outlive the
  // record's delivery report. While librdkafka's queue is full it serves
  // delivery reports and tries again. Throws BenchError on any other error.
  void send(int64_t i, std::string_view key, char* value, size_t size, int flags);

  // Serves delivery reports until none is outstanding or `timeout` passed;
  // true when none is outstanding.
  bool drain(Clock::duration timeout);

 private:
  void poll(int timeout_ms);

  std::unique_ptr<Deliveries> deliveries_;  // the client's opaque: its address must not move
  KafkaClient client_;
  KafkaTopic topic_;
  int32_t partitions_ = 0;
  Clock::time_point last_poll_;
  std::function<void(Clock::time_point)> after_poll_;
};

}  // namespace runnel::bench
