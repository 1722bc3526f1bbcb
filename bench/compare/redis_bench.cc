// redis-bench: the comparison's workloads (bench/compare/redis.sh) against a Redis Stream through
// hiredis, printing the same result as `runnel-bench --json` (bench/runnel_bench/report.h):
// - produce: XADD key * v <value>, `--pipeline` commands written before their replies are read;
// - consume: XREAD COUNT `--batch` from the start of the stream until `--count` entries;
// - latency: XADD paced at `--rate` for `--duration` s on one connection, written as each one is
//   due without waiting for earlier replies, while a second connection reads with XREAD BLOCK.
//   Each value starts with its index, scheduled send time (start + i/rate) and actual send time on
//   the steady clock both threads share; latency is receipt minus the scheduled time (corrected
//   for coordinated omission) and, "uncorrected", minus the actual send time. Records not read
//   within `--grace` s of the last send are lost (exit status 1).
// A report, never a pass/fail test.

#include <hiredis/hiredis.h>
#include <poll.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broker/allocator_tuning.h"
#include "bench/runnel_bench/latency_histogram.h"
#include "bench/runnel_bench/report.h"
#include "bench/runnel_bench/stamp.h"

namespace runnel::bench {
namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string key = "redis-bench";
  bool json = false;
  int64_t count = 1'000'000;
  size_t record_size = 100;
  int pipeline = 1000;  // produce: XADDs written before their replies are read
  int batch = 1000;     // consume, latency: entries per XREAD
  double idle_timeout_s = 10;
  double rate = 10'000;
  double duration_s = 10;
  double grace_s = 5;
};

class RedisError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;
using Reply = std::unique_ptr<redisReply, ReplyFree>;

Context connect(const Options& o) {
  Context c(redisConnect(o.host.c_str(), o.port));
  if (!c || c->err) {
    throw RedisError("connect to " + o.host + ":" + std::to_string(o.port) + ": " + (c ? c->errstr : "out of memory"));
  }
  return c;
}

// A command's arguments for the *Argv calls of hiredis; the views must outlive the call.
struct Argv {
  mutable std::vector<const char*> args;  // hiredis takes const char**
  std::vector<size_t> lengths;
  explicit Argv(std::initializer_list<std::string_view> list) {
    for (auto a : list) {
      args.push_back(a.data());
      lengths.push_back(a.size());
    }
  }
  int size() const { return static_cast<int>(args.size()); }
};

Reply command(redisContext* c, const Argv& a) {
  Reply r(static_cast<redisReply*>(redisCommandArgv(c, a.size(), a.args.data(), a.lengths.data())));
  if (!r) throw RedisError(std::string("connection: ") + c->errstr);
  if (r->type == REDIS_REPLY_ERROR) throw RedisError(std::string(a.args[0]) + ": " + std::string(r->str, r->len));
  return r;
}

void append(redisContext* c, const Argv& a) {
  if (redisAppendCommandArgv(c, a.size(), a.args.data(), a.lengths.data()) != REDIS_OK) {
    throw RedisError(std::string("append: ") + c->errstr);
  }
}

// Counts the replies to XADDs: an error reply is a record not stored.
struct Acks {
  int64_t ok = 0;
  int64_t errors = 0;
  std::string first_error;
  void count(const redisReply* r) {
    if (r->type != REDIS_REPLY_ERROR) {
      ++ok;
    } else if (errors++ == 0) {
      first_error.assign(r->str, r->len);
    }
  }
};

Reply next_reply(redisContext* c) {
  void* r = nullptr;
  if (redisGetReply(c, &r) != REDIS_OK || r == nullptr) throw RedisError(std::string("reply: ") + c->errstr);
  return Reply(static_cast<redisReply*>(r));
}

// The entries of an XREAD reply for one stream ([[key, [[id, [field, value]], ...]]]), or none.
template <typename Visit>
void for_each_entry(const redisReply* r, Visit&& visit) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) return;  // nil: nothing new
  const redisReply* entries = r->element[0]->element[1];
  for (size_t i = 0; i < entries->elements; ++i) {
    const redisReply* entry = entries->element[i];
    const redisReply* fields = entry->element[1];
    const redisReply* value = fields->elements >= 2 ? fields->element[1] : nullptr;
    visit(std::string_view(entry->element[0]->str, entry->element[0]->len),
          value ? std::string_view(value->str, value->len) : std::string_view());
  }
}

void finish(RunResult& r, const Options& o, const char* mode, Clock::time_point start, Clock::time_point end) {
  r.mode = mode;
  r.topic = o.key;
  r.partitions = 1;
  r.seconds = seconds_between(start, end);
  r.client_cpu_seconds = process_cpu_seconds();
  print_result(r, o.json);
}

int run_produce(const Options& o) {
  auto c = connect(o);
  const std::string value(o.record_size, 'r');
  const Argv xadd{"XADD", o.key, "*", "v", value};
  Acks acks;
  const auto start = Clock::now();
  ProgressMeter meter("produce", start);
  for (int64_t sent = 0; sent < o.count;) {
    const int64_t n = std::min<int64_t>(o.pipeline, o.count - sent);
    for (int64_t i = 0; i < n; ++i) append(c.get(), xadd);
    for (int64_t i = 0; i < n; ++i) acks.count(next_reply(c.get()).get());
    sent += n;
    const auto now = Clock::now();
    if (meter.due(now)) meter.print(now, acks.ok, acks.ok * static_cast<int64_t>(o.record_size), "");
  }
  RunResult r;
  r.records = acks.ok;
  r.bytes = acks.ok * static_cast<int64_t>(o.record_size);
  r.errors = acks.errors;
  r.first_error = acks.first_error;
  finish(r, o, "produce", start, Clock::now());
  return acks.ok == o.count ? 0 : 1;
}

int run_consume(const Options& o) {
  auto c = connect(o);
  const std::string batch = std::to_string(o.batch);
  std::string last = "0-0";
  RunResult r;
  const auto start = Clock::now();
  auto last_record = start;
  ProgressMeter meter("consume", start);
  while (o.count == 0 || r.records < o.count) {
    auto reply = command(c.get(), Argv{"XREAD", "COUNT", batch, "BLOCK", "100", "STREAMS", o.key, last});
    const auto now = Clock::now();
    int64_t got = 0;
    for_each_entry(reply.get(), [&](std::string_view id, std::string_view value) {
      ++got;
      r.bytes += static_cast<int64_t>(value.size());
      last.assign(id);
    });
    r.records += got;
    if (got > 0) {
      if (!r.first_record_ms) r.first_record_ms = 1000 * seconds_between(start, now);
      last_record = now;
    } else if (o.count == 0 || seconds_between(last_record, now) > o.idle_timeout_s) {
      break;
    }
    if (meter.due(now)) meter.print(now, r.records, r.bytes, "");
  }
  finish(r, o, "consume", start, last_record);
  return o.count == 0 || r.records >= o.count ? 0 : 1;
}

// The reading side of `latency`, on its own connection and thread; the sending thread reads only
// the atomics until join().
class Receiver {
 public:
  Receiver(const Options& o, int64_t expected)
      : o_(o), c_(connect(o)), seen_(static_cast<size_t>(expected), false), thread_([this] { run(); }) {}
  ~Receiver() { join(); }

  int64_t received() const { return received_.load(std::memory_order_relaxed); }
  void join() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  // After join():
  const LatencyHistogram& corrected() const { return corrected_; }
  const LatencyHistogram& uncorrected() const { return uncorrected_; }
  int64_t duplicates() const { return duplicates_; }
  int64_t bytes() const { return bytes_; }
  Clock::time_point last() const { return last_; }
  const std::string& error() const { return error_; }

 private:
  void run() {
    const std::string batch = std::to_string(o_.batch);
    std::string last = "0-0";
    try {
      while (!stop_.load() && received() < static_cast<int64_t>(seen_.size())) {
        auto reply = command(c_.get(), Argv{"XREAD", "COUNT", batch, "BLOCK", "100", "STREAMS", o_.key, last});
        const auto now = Clock::now();
        for_each_entry(reply.get(), [&](std::string_view id, std::string_view value) {
          last.assign(id);
          Stamp s{};
          if (value.size() < sizeof s) return;
          std::memcpy(&s, value.data(), sizeof s);
          if (s.index < 0 || static_cast<size_t>(s.index) >= seen_.size()) return;
          if (seen_[static_cast<size_t>(s.index)]) {
            ++duplicates_;
            return;
          }
          seen_[static_cast<size_t>(s.index)] = true;
          corrected_.record(micros_since(s.scheduled, now));
          uncorrected_.record(micros_since(s.sent, now));
          bytes_ += static_cast<int64_t>(value.size());
          last_ = now;
          received_.fetch_add(1, std::memory_order_relaxed);
        });
      }
    } catch (const RedisError& e) {
      error_ = e.what();
    }
  }

  const Options& o_;
  Context c_;
  std::vector<bool> seen_;
  LatencyHistogram corrected_, uncorrected_;
  int64_t duplicates_ = 0;
  int64_t bytes_ = 0;
  Clock::time_point last_{};
  std::string error_;
  std::atomic<int64_t> received_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts once everything above exists
};

// Reads the replies that have arrived, waiting at most until `until` for the first.
void read_replies(redisContext* c, Acks& acks, Clock::time_point until) {
  const auto wait = std::max(until - Clock::now(), Clock::duration::zero());
  const timespec timeout{static_cast<time_t>(std::chrono::duration_cast<std::chrono::seconds>(wait).count()),
                         static_cast<long>((std::chrono::duration_cast<std::chrono::nanoseconds>(wait) % std::chrono::seconds(1)).count())};
  pollfd fd{c->fd, POLLIN, 0};
  if (ppoll(&fd, 1, &timeout, nullptr) <= 0) return;
  if (redisBufferRead(c) != REDIS_OK) throw RedisError(std::string("read: ") + c->errstr);
  for (;;) {
    void* r = nullptr;
    if (redisGetReplyFromReader(c, &r) != REDIS_OK) throw RedisError(std::string("reply: ") + c->errstr);
    if (r == nullptr) return;
    acks.count(Reply(static_cast<redisReply*>(r)).get());
  }
}

int run_latency(const Options& o) {
  const auto count = static_cast<int64_t>(o.rate * o.duration_s);
  auto c = connect(o);
  Receiver receiver(o, count);
  std::string value(o.record_size, 'l');
  const Argv xadd{"XADD", o.key, "*", "v", value};
  Acks acks;
  const auto start = Clock::now();
  ProgressMeter meter("latency", start);
  auto due = [&](int64_t i) {
    return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(static_cast<double>(i) / o.rate));
  };
  for (int64_t i = 0; i < count; ++i) {
    for (auto at = due(i); Clock::now() < at;) read_replies(c.get(), acks, at);
    const Stamp s{i, due(i).time_since_epoch().count(), Clock::now().time_since_epoch().count()};
    std::memcpy(value.data(), &s, sizeof s);  // xadd views value
    append(c.get(), xadd);
    for (int done = 0; !done;) {
      if (redisBufferWrite(c.get(), &done) != REDIS_OK) throw RedisError(std::string("write: ") + c->errstr);
    }
    const auto now = Clock::now();
    if (meter.due(now)) meter.print(now, receiver.received(), 0, ", sent " + std::to_string(i + 1));
  }
  while (acks.ok + acks.errors < count) acks.count(next_reply(c.get()).get());
  const auto deadline = due(count) + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.grace_s));
  while (receiver.received() < count && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  receiver.join();
  if (!receiver.error().empty()) std::fprintf(stderr, "latency: the reader stopped: %s\n", receiver.error().c_str());

  RunResult r;
  r.records = receiver.received();
  r.bytes = receiver.bytes();
  r.errors = acks.errors;
  r.first_error = acks.first_error;
  r.latency = Latency::of(receiver.corrected());
  r.end_to_end = EndToEnd{o.rate, count, count - r.records, receiver.duplicates(), Latency::of(receiver.uncorrected())};
  finish(r, o, "latency", start, r.records ? receiver.last() : Clock::now());
  return r.records == count && acks.errors == 0 ? 0 : 1;
}

void add_common(CLI::App& cmd, Options& o) {
  cmd.add_option("-H,--host", o.host, "Redis host")->capture_default_str();
  cmd.add_option("-p,--port", o.port, "Redis port")->capture_default_str();
  cmd.add_option("-k,--key", o.key, "stream key")->capture_default_str();
  cmd.add_flag("--json", o.json, "print the result as one JSON object");
}

}  // namespace
}  // namespace runnel::bench

int main(int argc, char** argv) {
  using namespace runnel::bench;
  runnel::broker::tune_allocator();
  CLI::App app{"redis-bench: Redis Streams throughput and end-to-end latency through hiredis", "redis-bench"};
  app.require_subcommand(1);
  Options produce, consume, latency;
  auto* produce_cmd = app.add_subcommand("produce", "XADD records, pipelined");
  add_common(*produce_cmd, produce);
  produce_cmd->add_option("-n,--count", produce.count, "records")->capture_default_str()->check(CLI::PositiveNumber);
  produce_cmd->add_option("-s,--record-size", produce.record_size, "value bytes")->capture_default_str()->check(CLI::PositiveNumber);
  produce_cmd->add_option("--pipeline", produce.pipeline, "XADDs written before their replies are read")
      ->capture_default_str()->check(CLI::PositiveNumber);
  auto* consume_cmd = app.add_subcommand("consume", "XREAD the stream from the start");
  add_common(*consume_cmd, consume);
  consume_cmd->add_option("-n,--count", consume.count, "entries to read; 0 = until none is left")->capture_default_str();
  consume_cmd->add_option("--batch", consume.batch, "COUNT of each XREAD")->capture_default_str()->check(CLI::PositiveNumber);
  consume_cmd->add_option("--idle-timeout", consume.idle_timeout_s, "seconds without an entry before giving up")
      ->capture_default_str();
  auto* latency_cmd = app.add_subcommand("latency", "end-to-end latency at a fixed rate, corrected for coordinated omission");
  add_common(*latency_cmd, latency);
  latency_cmd->add_option("-s,--record-size", latency.record_size, "value bytes (>= 24)")->capture_default_str()
      ->check(CLI::Range(size_t{24}, size_t{100'000'000}));
  latency_cmd->add_option("-r,--rate", latency.rate, "records/s")->capture_default_str()->check(CLI::PositiveNumber);
  latency_cmd->add_option("-d,--duration", latency.duration_s, "seconds of sending")->capture_default_str()
      ->check(CLI::PositiveNumber);
  latency_cmd->add_option("--grace", latency.grace_s, "seconds after the last send before missing records count as lost")
      ->capture_default_str();
  latency_cmd->add_option("--batch", latency.batch, "COUNT of each XREAD")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    if (produce_cmd->parsed()) return run_produce(produce);
    if (consume_cmd->parsed()) return run_consume(consume);
    if (latency_cmd->parsed()) return run_latency(latency);
  } catch (const RedisError& e) {
    std::fprintf(stderr, "redis-bench: %s\n", e.what());
  }
  return 1;
}
