#pragma once
// `runnel-bench produce`: sends options.count records of options.record_size
// bytes (no key) round-robin over the topic's partitions through one
// librdkafka producer, at options.rate records/s or as fast as the producer
// queue takes them, and counts delivery reports. Delivery latency is the time
// from the produce call to the record's delivery report, so it includes
// linger.ms and time spent in librdkafka's queue.
//
// Before the clock starts the topic is created (admin API) unless
// create_topic is false, and its metadata awaited; the clock stops at the
// last delivery report. Prints the result on stdout (text or JSON) and
// returns the exit status: 0 when every record was delivered, else 1.

#include "bench/runnel_bench/options.h"

namespace runnel::bench {

int run_produce(const ProduceOptions& options);

}  // namespace runnel::bench
