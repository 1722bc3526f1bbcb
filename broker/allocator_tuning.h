#pragma once
// glibc's allocator thresholds for processes that allocate and free buffers of up to a few MB at
// a high rate: runneld's request frames (up to ~1 MB each for produce, several alive at once
// while they wait for an fsync) and, in bench/, librdkafka's fetch buffers and hiredis's reply
// buffer in the benchmark clients. glibc's defaults hand each such buffer fresh pages: its mmap
// threshold starts at 128 KiB, and it returns free memory at the top of a heap to the kernel
// above a threshold that follows it, so every buffer lands in pages the kernel has to fault in
// and zero. Fixed thresholds keep buffers up to 8 MiB on the heaps and up to 32 MiB of free
// memory per heap for reuse: with 1 KiB records, durable produce then takes about a fifth of the
// page faults and a third of the broker CPU, and the consumer about 40% less CPU
// (docs/benchmarks.md). Call first in main().

#include <malloc.h>

namespace runnel::broker {

inline void tune_allocator() {
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
}

}  // namespace runnel::broker
