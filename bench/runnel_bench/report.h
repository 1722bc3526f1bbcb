#pragma once
// What runnel-bench prints: a progress line on stderr each second while it
// runs, and one result at the end on stdout, as text or as one JSON object.
// MB means 2^20 bytes of record values (keys and framing not counted), as in
// the storage benchmark and kafka-producer-perf-test.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "bench/runnel_bench/latency_histogram.h"

namespace runnel::bench {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point from, Clock::time_point to);

// Call tick() often; at most once a second it prints
//   "<label> 12.0 s: 1200000 records, 114.4 MB, 101234 records/s, 9.7 MB/s<suffix>"
// where the rates are over the last second.
class ProgressMeter {
 public:
  ProgressMeter(std::string label, Clock::time_point start);
  bool due(Clock::time_point now) const { return now >= next_; }
  void print(Clock::time_point now, int64_t records, int64_t bytes, const std::string& suffix);

 private:
  std::string label_;
  Clock::time_point start_;
  Clock::time_point last_;
  Clock::time_point next_;
  int64_t last_records_ = 0;
  int64_t last_bytes_ = 0;
};

struct Latency {  // milliseconds
  double p50 = 0, p99 = 0, p999 = 0, p9999 = 0, max = 0;

  // The percentiles of a histogram of microseconds.
  static Latency of(const LatencyHistogram& micros);
};

// `runnel-bench latency`: what the consumer saw of what the producer sent.
struct EndToEnd {
  double rate = 0;  // records/s of the schedule
  int64_t sent = 0;
  int64_t lost = 0;  // sent but not consumed within the grace period
  int64_t duplicates = 0;  // consumed more than once (a producer retry)
  Latency uncorrected;  // from the actual send time, not the scheduled one
};

struct RunResult {
  std::string mode;  // "produce", "consume" or "latency"
  std::string topic;
  int32_t partitions = 0;
  int64_t records = 0;  // delivered (produce) or received (consume; latency: distinct records)
  int64_t bytes = 0;
  double seconds = 0;  // first send (or assign) to the last delivery report (or record received)
  int64_t errors = 0;  // failed deliveries (produce), consumer errors (consume), both (latency)
  std::string first_error;
  // produce: delivery latency (produce call to delivery report); latency:
  // end-to-end latency from each record's scheduled send time to its receipt.
  std::optional<Latency> latency;
  std::optional<EndToEnd> end_to_end;  // latency only
  std::optional<double> first_record_ms;  // consume only: assign to the first record
  double client_cpu_seconds = 0;  // user + system time of runnel-bench itself
};

// This process's user + system CPU time so far.
double process_cpu_seconds();

void print_result(const RunResult& result, bool json);

}  // namespace runnel::bench
