#include "bench/runnel_bench/paced_producer.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "bench/runnel_bench/client_config.h"
#include "bench/runnel_bench/topic_setup.h"

namespace runnel::bench {

namespace {

using std::chrono::duration_cast;

constexpr auto kTopicTimeout = std::chrono::seconds(30);
// Delivery reports are served inside rd_kafka_poll(); polling at least this
// often keeps that wait out of the measured delivery latency.
constexpr auto kPollEvery = std::chrono::microseconds(100);

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

Settings producer_settings(const ProduceOptions& o) {
  Settings s = {{"acks", o.acks}, {"compression.type", o.compression}, {"linger.ms", std::to_string(o.linger_ms)}};
  if (o.batch_size) s.emplace_back("batch.size", std::to_string(*o.batch_size));
  return s;
}

}  // namespace

PacedProducer::PacedProducer(const ProduceOptions& o) : deliveries_(std::make_unique<Deliveries>()) {
  auto conf = make_conf(o.common.bootstrap, producer_settings(o), o.common.properties);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_opaque(conf.get(), deliveries_.get());
  client_ = make_client(RD_KAFKA_PRODUCER, std::move(conf));
  rd_kafka_t* rk = client_.get();
  if (o.create_topic) create_topic(rk, o.common.topic, o.partitions, o.replication_factor, o.topic_configs, kTopicTimeout);
  topic_.reset(rd_kafka_topic_new(rk, o.common.topic.c_str(), nullptr));
  partitions_ = wait_for_topic(rk, topic_.get(), kTopicTimeout);
  if (o.create_topic && partitions_ != o.partitions) {
    std::fprintf(stderr, "topic %s exists with %d partitions; using them all\n", o.common.topic.c_str(), partitions_);
  }
  last_poll_ = Clock::now();
}

Clock::time_point PacedProducer::due(Clock::time_point start, double rate, int64_t i) {
  return start + duration_cast<Clock::duration>(std::chrono::duration<double>(static_cast<double>(i) / rate));
}

void PacedProducer::poll(int timeout_ms) {
  rd_kafka_poll(client_.get(), timeout_ms);
  last_poll_ = Clock::now();
  if (after_poll_) after_poll_(last_poll_);
}

void PacedProducer::wait_until(Clock::time_point due) {
  for (auto now = Clock::now(); now < due; now = Clock::now()) {
    const auto wait_ms = duration_cast<std::chrono::milliseconds>(due - now).count();
    if (wait_ms >= 1) {
      poll(static_cast<int>(wait_ms));
    } else {
      poll(0);
      std::this_thread::sleep_until(std::min(due, now + kPollEvery));
    }
  }
}

void PacedProducer::send(int64_t i, std::string_view key, char* value, size_t size, int flags) {
  for (;;) {
    auto err = rd_kafka_producev(client_.get(), RD_KAFKA_V_RKT(topic_.get()),
                                 RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % partitions_)),
                                 RD_KAFKA_V_KEY((key.empty() ? nullptr : key.data()), key.size()),
                                 RD_KAFKA_V_VALUE(value, size), RD_KAFKA_V_MSGFLAGS(flags),
                                 RD_KAFKA_V_OPAQUE(as_opaque(Clock::now())), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw BenchError(std::string("produce: ") + rd_kafka_err2str(err));
    poll(1);  // the queue is full: serve delivery reports until there is room
  }
  if (Clock::now() - last_poll_ >= kPollEvery) poll(0);
}

bool PacedProducer::drain(Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  while (in_flight() > 0 && Clock::now() < deadline) poll(50);
  return in_flight() == 0;
}

}  // namespace runnel::bench
