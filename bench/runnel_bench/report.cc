#include "bench/runnel_bench/report.h"

#include <sys/resource.h>

#include <cstdio>
#include <string>
#include <utility>

namespace runnel::bench {

namespace {

constexpr double kMB = 1024.0 * 1024.0;

double per_second(double amount, double seconds) { return seconds > 0 ? amount / seconds : 0; }

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

double timeval_seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

std::string json_latency(const Latency& l) {
  char out[160];
  std::snprintf(out, sizeof out, "{\"p50\":%.3f,\"p99\":%.3f,\"p99_9\":%.3f,\"p99_99\":%.3f,\"max\":%.3f}", l.p50,
                l.p99, l.p999, l.p9999, l.max);
  return out;
}

void print_latency(const char* label, const Latency& l) {
  std::printf("%s: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, p99.99 %.2f ms, max %.2f ms\n", label, l.p50, l.p99, l.p999,
              l.p9999, l.max);
}

}  // namespace

Latency Latency::of(const LatencyHistogram& h) {
  auto ms = [](uint64_t micros) { return static_cast<double>(micros) / 1000.0; };
  return {ms(h.percentile(50)), ms(h.percentile(99)), ms(h.percentile(99.9)), ms(h.percentile(99.99)), ms(h.max())};
}

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

ProgressMeter::ProgressMeter(std::string label, Clock::time_point start)
    : label_(std::move(label)), start_(start), last_(start), next_(start + std::chrono::seconds(1)) {}

void ProgressMeter::print(Clock::time_point now, int64_t records, int64_t bytes, const std::string& suffix) {
  const double interval = seconds_between(last_, now);
  std::fprintf(stderr, "%s %5.1f s: %lld records, %.1f MB, %.0f records/s, %.1f MB/s%s\n", label_.c_str(),
               seconds_between(start_, now), static_cast<long long>(records), static_cast<double>(bytes) / kMB,
               per_second(static_cast<double>(records - last_records_), interval),
               per_second(static_cast<double>(bytes - last_bytes_), interval) / kMB, suffix.c_str());
  last_ = now;
  last_records_ = records;
  last_bytes_ = bytes;
  while (next_ <= now) next_ += std::chrono::seconds(1);
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return timeval_seconds(usage.ru_utime) + timeval_seconds(usage.ru_stime);
}

void print_result(const RunResult& r, bool json) {
  const double records_per_s = per_second(static_cast<double>(r.records), r.seconds);
  const double mb_per_s = per_second(static_cast<double>(r.bytes), r.seconds) / kMB;
  if (json) {
    std::printf("{\"mode\":%s,\"topic\":%s,\"partitions\":%d,\"records\":%lld,\"bytes\":%lld,\"seconds\":%.3f,"
                "\"records_per_s\":%.0f,\"mb_per_s\":%.2f,\"errors\":%lld,\"client_cpu_s\":%.2f",
                json_string(r.mode).c_str(), json_string(r.topic).c_str(), r.partitions,
                static_cast<long long>(r.records), static_cast<long long>(r.bytes), r.seconds, records_per_s, mb_per_s,
                static_cast<long long>(r.errors), r.client_cpu_seconds);
    if (r.latency) std::printf(",\"latency_ms\":%s", json_latency(*r.latency).c_str());
    if (const auto& e = r.end_to_end) {
      std::printf(",\"rate\":%.0f,\"sent\":%lld,\"lost\":%lld,\"duplicates\":%lld,\"uncorrected_latency_ms\":%s", e->rate,
                  static_cast<long long>(e->sent), static_cast<long long>(e->lost),
                  static_cast<long long>(e->duplicates), json_latency(e->uncorrected).c_str());
    }
    if (r.first_record_ms) std::printf(",\"first_record_ms\":%.1f", *r.first_record_ms);
    if (!r.first_error.empty()) std::printf(",\"first_error\":%s", json_string(r.first_error).c_str());
    std::printf("}\n");
  } else {
    std::printf("%s %s (%d partitions): %lld records, %.1f MB in %.2f s: %.0f records/s, %.2f MB/s; client CPU %.2f s\n",
                r.mode.c_str(), r.topic.c_str(), r.partitions, static_cast<long long>(r.records),
                static_cast<double>(r.bytes) / kMB, r.seconds, records_per_s, mb_per_s, r.client_cpu_seconds);
    if (r.latency) print_latency(r.end_to_end ? "end-to-end latency from the scheduled send" : "delivery latency", *r.latency);
    if (const auto& e = r.end_to_end) {
      print_latency("end-to-end latency from the actual send (uncorrected)", e->uncorrected);
      std::printf("at %.0f records/s: sent %lld, lost %lld, duplicates %lld\n", e->rate, static_cast<long long>(e->sent),
                  static_cast<long long>(e->lost), static_cast<long long>(e->duplicates));
    }
    if (r.first_record_ms) std::printf("first record after %.1f ms\n", *r.first_record_ms);
    if (r.errors) std::printf("%lld errors, the first: %s\n", static_cast<long long>(r.errors), r.first_error.c_str());
  }
  std::fflush(stdout);
}

}  // namespace runnel::bench
