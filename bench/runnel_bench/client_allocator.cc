#include "bench/runnel_bench/client_allocator.h"

#include <malloc.h>

namespace runnel::bench {

void tune_allocator() {
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
}

}  // namespace runnel::bench
