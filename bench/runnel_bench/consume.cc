#include "bench/runnel_bench/consume.h"

#include <cstddef>
#include <cstdio>
#include <vector>

#include "bench/runnel_bench/client_config.h"
#include "bench/runnel_bench/report.h"
#include "bench/runnel_bench/topic_setup.h"

namespace runnel::bench {

namespace {

constexpr auto kTopicTimeout = std::chrono::seconds(30);
constexpr size_t kBatch = 1024;
constexpr int kPollMs = 100;

// Which partitions have reported their end since their last record.
class PartitionEnds {
 public:
  explicit PartitionEnds(int32_t partitions) : at_end_(static_cast<size_t>(partitions), false) {}
  void reached(int32_t p) { mark(p, true); }
  void record(int32_t p) { mark(p, false); }
  bool all() const { return ended_ == at_end_.size(); }

 private:
  void mark(int32_t p, bool at_end) {
    if (p < 0 || static_cast<size_t>(p) >= at_end_.size() || at_end_[static_cast<size_t>(p)] == at_end) return;
    at_end_[static_cast<size_t>(p)] = at_end;
    at_end ? ++ended_ : --ended_;
  }
  std::vector<bool> at_end_;
  size_t ended_ = 0;
};

}  // namespace

int run_consume(const ConsumeOptions& o) {
  auto client = make_consumer(o.common.bootstrap, o.common.properties);
  rd_kafka_t* rk = client.get();
  KafkaTopic topic(rd_kafka_topic_new(rk, o.common.topic.c_str(), nullptr));
  const int32_t partitions = wait_for_topic(rk, topic.get(), kTopicTimeout);

  KafkaQueue queue(rd_kafka_queue_get_consumer(rk));
  const auto log_starts = watermark_offsets(rk, o.common.topic, partitions, Watermark::log_start);
  const auto start = Clock::now();
  assign_partitions(rk, o.common.topic, log_starts);

  RunResult result;
  result.mode = "consume";
  result.topic = o.common.topic;
  result.partitions = partitions;
  PartitionEnds ends(partitions);
  ProgressMeter meter("consume", start);
  auto last_record = start;
  auto last_activity = start;
  std::vector<rd_kafka_message_t*> batch(kBatch);
  bool done = false;
  bool idle = false;
  while (!done && !idle) {
    const ssize_t n = rd_kafka_consume_batch_queue(queue.get(), kPollMs, batch.data(), batch.size());
    const auto now = Clock::now();
    for (ssize_t i = 0; i < n; ++i) {
      KafkaMessage message(batch[static_cast<size_t>(i)]);
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        ends.reached(message->partition);
      } else if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (result.errors++ == 0) result.first_error = rd_kafka_message_errstr(message.get());
        std::fprintf(stderr, "consume: %s\n", rd_kafka_message_errstr(message.get()));
      } else if (!done) {
        ends.record(message->partition);
        if (result.records == 0) result.first_record_ms = seconds_between(start, now) * 1000.0;
        ++result.records;
        result.bytes += static_cast<int64_t>(message->len);
        last_record = last_activity = now;
      }
      done = o.count > 0 ? result.records >= o.count : ends.all();
    }
    if (meter.due(now)) meter.print(now, result.records, result.bytes, "");
    idle = seconds_between(last_activity, now) > o.idle_timeout_s;
  }
  result.seconds = seconds_between(start, last_record);
  rd_kafka_consumer_close(rk);
  result.client_cpu_seconds = process_cpu_seconds();
  if (idle) {
    std::fprintf(stderr, "consume: no record for %.0f s; stopping with %lld records\n", o.idle_timeout_s,
                 static_cast<long long>(result.records));
  }
  print_result(result, o.common.json);
  return done ? 0 : 1;
}

}  // namespace runnel::bench
