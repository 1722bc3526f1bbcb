#include "bench/runnel_bench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace runnel::bench {

// Bucket layout: [0, kSubCount) hold the values themselves. A value v with
// its highest set bit at position msb >= kSubBits belongs to group
// g = msb - kSubBits + 1; its top kSubBits bits m = v >> g lie in
// [kHalf, kSubCount), and its bucket is kSubCount + (g - 1) * kHalf + (m - kHalf).
size_t LatencyHistogram::bucket_of(uint64_t value) {
  if (value < kSubCount) return static_cast<size_t>(value);
  const int msb = 63 - std::countl_zero(value);
  const int group = msb - kSubBits + 1;
  const uint64_t top = value >> group;
  return static_cast<size_t>(kSubCount + static_cast<uint64_t>(group - 1) * kHalf + (top - kHalf));
}

uint64_t LatencyHistogram::upper_bound_of(size_t bucket) {
  if (bucket < kSubCount) return bucket;
  const uint64_t group = (bucket - kSubCount) / kHalf + 1;
  const uint64_t top = (bucket - kSubCount) % kHalf + kHalf;
  return ((top + 1) << group) - 1;
}

void LatencyHistogram::record(uint64_t micros) {
  ++buckets_[bucket_of(micros)];
  ++count_;
  max_ = std::max(max_, micros);
}

uint64_t LatencyHistogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t b = 0; b < kBuckets; ++b) {
    seen += buckets_[b];
    if (seen >= rank) return std::min(upper_bound_of(b), max_);
  }
  return max_;
}

}  // namespace runnel::bench
