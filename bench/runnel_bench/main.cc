// runnel-bench: producer and consumer throughput against a Kafka-protocol
// broker through librdkafka, in the manner of kafka-producer-perf-test and
// rdkafka_performance. Subcommands: produce (produce.h), consume (consume.h),
// latency (latency.h).
// A report, never a pass/fail test; bench/broker_bench.sh drives it.

#include <CLI/CLI.hpp>

#include <cstdio>

#include "broker/allocator_tuning.h"
#include "bench/runnel_bench/consume.h"
#include "bench/runnel_bench/kafka_handles.h"
#include "bench/runnel_bench/latency.h"
#include "bench/runnel_bench/produce.h"

using namespace runnel::bench;

namespace {

void add_common(CLI::App& command, CommonOptions& o) {
  command.add_option("-b,--bootstrap", o.bootstrap, "bootstrap.servers")->capture_default_str();
  command.add_option("-t,--topic", o.topic, "topic")->capture_default_str();
  command.add_option("-X", o.properties, "librdkafka property key=value (repeatable; applied last)")
      ->allow_extra_args(false);
  command.add_flag("--json", o.json, "print the result as one JSON object");
}

// The producer's options that produce and latency share.
void add_producer(CLI::App& command, ProduceOptions& o, size_t min_record_size) {
  add_common(command, o.common);
  command.add_option("-s,--record-size", o.record_size, "value bytes per record")->capture_default_str()
      ->check(CLI::Range(min_record_size, size_t{100'000'000}));
  command.add_option("-p,--partitions", o.partitions, "partitions of the created topic; records go round-robin")
      ->capture_default_str()->check(CLI::PositiveNumber);
  command.add_option("--replication-factor", o.replication_factor, "of the created topic")->capture_default_str();
  command.add_flag("!--no-create", o.create_topic, "do not create the topic (use the broker's auto-create)");
  command.add_option("--topic-config", o.topic_configs, "config key=value of the created topic (repeatable)");
  command.add_option("--acks", o.acks, "acks: all, 1 or 0")->capture_default_str()
      ->check(CLI::IsMember({"all", "-1", "1", "0"}));
  command.add_option("-z,--compression", o.compression, "compression.type")->capture_default_str()
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}));
  command.add_option("--linger-ms", o.linger_ms, "linger.ms")->capture_default_str()->check(CLI::NonNegativeNumber);
  command.add_option("--batch-size", o.batch_size, "batch.size (librdkafka's default when unset)")
      ->check(CLI::PositiveNumber);
}

CLI::App* add_produce(CLI::App& app, ProduceOptions& o) {
  auto* cmd = app.add_subcommand("produce", "send records and count their delivery reports");
  add_producer(*cmd, o, 1);
  cmd->add_option("-n,--count", o.count, "records to send")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--keys", o.keys, "key record i with key-<i % N>; 0 = no keys")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-r,--rate", o.rate, "records/s; 0 = as fast as possible")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  return cmd;
}

CLI::App* add_latency(CLI::App& app, LatencyOptions& o) {
  auto* cmd = app.add_subcommand("latency", "end-to-end latency at a fixed rate, corrected for coordinated omission");
  add_producer(*cmd, o.producer, 24);  // each value starts with a 24-byte stamp (latency.h)
  cmd->add_option("-r,--rate", o.producer.rate, "records/s of the schedule")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("-d,--duration", o.duration_s, "seconds of sending")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--grace", o.grace_s, "seconds after the last send before missing records count as lost")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  return cmd;
}

CLI::App* add_consume(CLI::App& app, ConsumeOptions& o) {
  auto* cmd = app.add_subcommand("consume", "read the topic from the beginning with assign()");
  add_common(*cmd, o.common);
  cmd->add_option("-n,--count", o.count, "records to read; 0 = up to the end of every partition")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--idle-timeout", o.idle_timeout_s, "seconds without a record before giving up")
      ->capture_default_str()->check(CLI::PositiveNumber);
  return cmd;
}

}  // namespace

int main(int argc, char** argv) {
  runnel::broker::tune_allocator();
  CLI::App app{"runnel-bench: producer and consumer throughput and end-to-end latency through librdkafka", "runnel-bench"};
  app.require_subcommand(1);
  app.failure_message(CLI::FailureMessage::help);
  app.footer("Example:\n  runnel-bench produce -b 127.0.0.1:9092 -t bench -n 1000000 -s 100 --acks all --linger-ms 5\n"
             "  runnel-bench consume -b 127.0.0.1:9092 -t bench -n 1000000\n"
             "  runnel-bench latency -b 127.0.0.1:9092 -t bench-latency --rate 10000 --duration 10 -s 100");
  ProduceOptions produce;
  ConsumeOptions consume;
  LatencyOptions latency;
  auto* produce_cmd = add_produce(app, produce);
  auto* consume_cmd = add_consume(app, consume);
  auto* latency_cmd = add_latency(app, latency);
  CLI11_PARSE(app, argc, argv);
  try {
    if (produce_cmd->parsed()) return run_produce(produce);
    if (consume_cmd->parsed()) return run_consume(consume);
    if (latency_cmd->parsed()) return run_latency(latency);
  } catch (const BenchError& e) {
    std::fprintf(stderr, "runnel-bench: %s\n", e.what());
  }
  return 1;
}
