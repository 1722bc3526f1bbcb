#pragma once
// `runnel-bench consume`: reads the topic from the beginning of every
// partition with assign() (no group membership, no commits) through one
// librdkafka consumer, until options.count records arrived, or, with count 0,
// until every partition reports its end. The clock runs from assign() to the
// last record counted. Gives up after options.idle_timeout_s without a record.
// Prints the result on stdout (text or JSON) and returns the exit status: 0
// when the count (or every partition's end) was reached, else 1.

#include "bench/runnel_bench/options.h"

namespace runnel::bench {

int run_consume(const ConsumeOptions& options);

}  // namespace runnel::bench
