#pragma once
// ProduceRefusals: one connection's memory of the idempotent batches its Produce requests refused
// without writing them, so that the batches pipelined behind a refused one are refused too
// instead of meeting a sequence gap.
//
// Why: an idempotent producer keeps up to 5 Produce requests in flight on a connection. When
// batch N of a partition is refused with a retriable error that wrote nothing (NOT_LEADER_OR_
// FOLLOWER while leadership arrives or leaves, NOT_ENOUGH_REPLICAS while the ISR is small), the
// state can change before the next request is handled, and batch N+1 would then be taken to the
// sequence check and refused as OUT_OF_ORDER_SEQUENCE_NUMBER (N is missing). librdkafka answers
// that gap by bumping its producer epoch and resending its unacknowledged records under new
// sequence numbers, which duplicates those of its records that are already in a log. Refused with
// N's error, the pipelined batches are retried in order, N first, and the log stays exact.
//
// Contract (all on the connection's strand, in request order, as Produce appends):
//  - begin_request() at the start of each Produce request: a refusal is remembered for the next
//    kPipelineDepth requests only. Idempotence allows at most 5 requests in flight per
//    connection, so those were all sent before the client could see the refusal; the retry of
//    the refused batch comes after them on the same connection (TCP keeps the order).
//  - carried(tp, producer_id, base_sequence): the error to answer a batch with while an earlier
//    batch of the same producer and partition stands refused (another base sequence); none for
//    the refused batch itself (its retry), which ends the refusal.
//  - refused(...) records a batch refused with a retriable error before it was written.

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "protocol/error_code.h"

namespace runnel::broker {

class ProduceRefusals {
 public:
  static constexpr int kPipelineDepth = 4;  // the requests that can follow one in flight (max 5)

  void begin_request();
  protocol::ErrorCode carried(const std::string& topic, int32_t partition, int64_t producer_id, int32_t base_sequence);
  void refused(const std::string& topic, int32_t partition, int64_t producer_id, int32_t base_sequence,
               protocol::ErrorCode error);

 private:
  struct Refusal {
    int32_t base_sequence;
    protocol::ErrorCode error;
    int requests_left;
  };
  std::map<std::tuple<std::string, int32_t, int64_t>, Refusal> refusals_;
};

}  // namespace runnel::broker
