// fsync_probe: the disk's fdatasync latency under the broker's write pattern, without the broker.
// Appends RECORD-byte records to a file at RATE records/s for SECONDS and fdatasyncs whatever was
// appended, reporting the fdatasync latency (p50, p99, p99.9, max, count over 3 ms).
//   overlap: one thread appends on schedule while another fdatasyncs back to back, so appends land
//            while an fdatasync runs (what runneld's flush thread and network thread do);
//   between: one thread appends what is due, then fdatasyncs (fio's pattern).
// Usage: fsync_probe overlap|between [--dir DIR] [--rate N] [--seconds S] [--record B] [--prewritten] (--help)
// A report, not a test (docs/benchmarks.md, "Where the durable L1 tail comes from").

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  bool overlap = true;
  std::string dir = "/var/tmp";
  long rate = 10000;
  long seconds = 8;
  long record = 200;
  bool prewritten = false;
};

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "fsync_probe: %s\n", why.c_str());
  std::exit(1);
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string mode;
  CLI::App app("fdatasync latency under the broker's write pattern, without the broker");
  app.add_option("mode", mode, "overlap: appends go on during fdatasyncs; between: fio's pattern")
      ->required()
      ->check(CLI::IsMember({"overlap", "between"}));
  app.add_option("--dir", o.dir, "where the probe file goes")->capture_default_str()->check(CLI::ExistingDirectory);
  app.add_option("--rate", o.rate, "records/s")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seconds", o.seconds, "how long")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--record", o.record, "record bytes")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_flag("--prewritten", o.prewritten,
               "write and fsync the whole file first, so the timed writes overwrite it in place and an "
               "fdatasync has no size or extent change to commit");
  CLI11_PARSE(app, argc, argv);
  o.overlap = mode == "overlap";
  const std::string path = o.dir + "/fsync_probe." + std::to_string(::getpid());
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create " + path);
  const std::vector<char> record(static_cast<size_t>(o.record), 'x');
  const long total = o.rate * o.seconds;
  if (o.prewritten) {
    const std::vector<char> zeros(1 << 20, 0);
    for (long written = 0; written < total * o.record; written += static_cast<long>(zeros.size()))
      if (::write(fd, zeros.data(), zeros.size()) != static_cast<ssize_t>(zeros.size())) fail("prewrite failed");
    if (::fsync(fd) != 0) fail("fsync failed");
  }
  const auto start = Clock::now();
  auto due = [&](long i) { return start + std::chrono::nanoseconds(i * 1'000'000'000L / o.rate); };
  auto append = [&](long i) { return ::pwrite(fd, record.data(), record.size(), i * o.record) == o.record; };
  std::vector<double> latency;
  auto timed_sync = [&] {
    const auto t0 = Clock::now();
    if (::fdatasync(fd) != 0) fail("fdatasync failed");
    latency.push_back(ms_since(t0));
  };

  if (o.overlap) {
    std::atomic<long> appended{0};
    std::thread writer([&] {
      for (long i = 0; i < total; ++i) {
        std::this_thread::sleep_until(due(i));
        if (!append(i)) fail("pwrite failed");
        appended.store(i + 1);
      }
    });
    for (long synced = 0; synced < total;) {
      const long now_appended = appended.load();
      if (now_appended == synced) {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
        continue;
      }
      timed_sync();
      synced = now_appended;
    }
    writer.join();
  } else {
    for (long i = 0; i < total;) {
      const auto now = Clock::now();
      const long first = i;
      while (i < total && due(i) <= now) {
        if (!append(i)) fail("pwrite failed");
        ++i;
      }
      if (i == first) {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
        continue;
      }
      timed_sync();
    }
  }
  ::close(fd);
  ::unlink(path.c_str());

  std::sort(latency.begin(), latency.end());
  auto at = [&](double q) { return latency[std::min(latency.size() - 1, static_cast<size_t>(q * latency.size()))]; };
  const auto slow = std::count_if(latency.begin(), latency.end(), [](double l) { return l > 3.0; });
  std::printf("%s%s: %ld records of %ld B at %ld/s, %zu fdatasyncs: p50 %.3f ms, p99 %.3f, p99.9 %.3f, max %.3f, "
              "%ld over 3 ms\n", o.overlap ? "overlap" : "between", o.prewritten ? " (prewritten)" : "", total, o.record, o.rate, latency.size(), at(0.5),
              at(0.99), at(0.999), latency.back(), static_cast<long>(slow));
}
