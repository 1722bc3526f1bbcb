#pragma once
// `runnel-bench latency`: end-to-end latency at a fixed rate. One process
// runs a producer (PacedProducer, on the calling thread) and a consumer (its
// own thread, assign()ed from each partition's high watermark before the
// first send), so both read the same monotonic clock (steady_clock).
//
// Record i is due at start + i / rate, for rate * duration_s records. Its
// value begins with three native-endian int64s:
//   [0, 8)   i (-1 for the warm-up records sent before the clock starts)
//   [8, 16)  the scheduled send time, start + i / rate, in steady_clock ticks
//   [16, 24) the actual send time, taken just before the produce call
// and the rest of the value is filler. The consumer records, per record,
// now - scheduled (the figure reported: corrected for coordinated omission,
// since a producer that stalls falls behind its schedule and every record
// it sends late carries the stall) and now - actual (the "uncorrected"
// figure a naive benchmark reports), in µs, in LatencyHistograms.
//
// Before the clock starts, one warm-up record per partition goes through and
// is awaited, so connections and the fetch loop are up. After the last send,
// records have grace_s to arrive; those that do not are lost. Prints a
// progress line on stderr each second and the result on stdout (text or
// JSON); returns 0 when every record arrived, else 1.

#include "bench/runnel_bench/options.h"

namespace runnel::bench {

int run_latency(const LatencyOptions& options);

}  // namespace runnel::bench
