#pragma once
// Latencies in microseconds, counted in log-linear buckets (the
// HdrHistogram layout): values below 2^kSubBits each have a bucket; above,
// every power of two is split into 2^(kSubBits-1) buckets, so a bucket's width
// is under 1/2^(kSubBits-1) (0.8%) of its values. Fixed size, no allocation
// per record; one thread. Percentiles up to p99.99 need nothing more: the
// bucket width bounds their error, however many values were recorded.

#include <array>
#include <cstddef>
#include <cstdint>

namespace runnel::bench {

class LatencyHistogram {
 public:
  void record(uint64_t micros);

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  // The smallest bucket upper bound at or below which `percent`% of the
  // recorded values lie (0 when nothing was recorded).
  uint64_t percentile(double percent) const;

 private:
  static constexpr int kSubBits = 8;
  static constexpr uint64_t kSubCount = uint64_t{1} << kSubBits;
  static constexpr uint64_t kHalf = kSubCount / 2;
  static constexpr size_t kBuckets = kSubCount + (64 - kSubBits) * kHalf;

  static size_t bucket_of(uint64_t value);
  static uint64_t upper_bound_of(size_t bucket);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace runnel::bench
