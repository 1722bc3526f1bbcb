#pragma once
// What runnel-bench prints: a progress line on stderr each second while it
// runs, and one result at the end on stdout, as text or as one JSON object.
// MB means 2^20 bytes of record values (keys and framing not counted), as in
// the storage benchmark and kafka-producer-perf-test.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

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
  double p50 = 0, p99 = 0, p999 = 0, max = 0;
};

struct RunResult {
  std::string mode;  // "produce" or "consume"
  std::string topic;
  int32_t partitions = 0;
  int64_t records = 0;  // delivered (produce) or received (consume)
  int64_t bytes = 0;
  double seconds = 0;  // first send (or assign) to the last delivery report (or record)
  int64_t errors = 0;  // failed deliveries (produce) or consumer errors
  std::string first_error;
  std::optional<Latency> latency;  // produce only
  std::optional<double> first_record_ms;  // consume only: assign to the first record
  double client_cpu_seconds = 0;  // user + system time of runnel-bench itself
};

// This process's user + system CPU time so far.
double process_cpu_seconds();

void print_result(const RunResult& result, bool json);

}  // namespace runnel::bench
