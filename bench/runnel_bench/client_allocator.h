#pragma once
// The benchmark clients' allocator settings (runnel-bench and redis-bench), so
// that what they measure is the broker and the wire, not glibc giving pages
// back to the kernel and faulting them in again.

namespace runnel::bench {

// librdkafka reads each fetch response (about 1 MB with its defaults) into a
// buffer allocated on its broker thread and freed on the application thread
// once the last record read from it is destroyed; hiredis grows its reply
// buffer the same way. glibc's defaults put such buffers in fresh mmap()ed
// pages (threshold 128 KiB at first) or trim them from the top of a thread's
// heap once freed, so every response is copied into pages the kernel has to
// fault in and zero: with 1 KiB records that was about 40% of the consumer's
// CPU (docs/benchmarks.md). Fixed thresholds keep buffers up to 8 MiB on the
// heaps and up to 32 MiB of free memory per heap for reuse. Call first in main().
void tune_allocator();

}  // namespace runnel::bench
