#pragma once
// Expected storage failures as std::error_code. to_kafka_error() is the one
// place where storage and protocol failures become Kafka wire codes.

#include <system_error>

#include "protocol/error_code.h"

namespace runnel::storage {

enum class Errc {
  corrupt_message = 1,   // bad CRC or length              -> CORRUPT_MESSAGE
  invalid_record,        // magic != 2, bad record fields   -> INVALID_RECORD
  message_too_large,     // over max.message.bytes          -> MESSAGE_TOO_LARGE
  offset_out_of_range,   // read below log start / above end -> OFFSET_OUT_OF_RANGE
  offset_not_increasing, // append_with_offsets going backwards -> UNKNOWN_SERVER_ERROR
  short_read,            // a file shorter than its metadata says -> KAFKA_STORAGE_ERROR
  io_error,              // any OS-level failure             -> KAFKA_STORAGE_ERROR
  bad_checkpoint,        // unparsable checkpoint or meta.properties
  cluster_id_mismatch,   // log dir belongs to another cluster or node
  duplicate_partition,   // the same partition directory in two log dirs
  out_of_order_sequence, // idempotent batch with a sequence gap -> OUT_OF_ORDER_SEQUENCE_NUMBER
  invalid_producer_epoch,// idempotent batch from an older epoch -> INVALID_PRODUCER_EPOCH
  cleaner_aborted,       // segments changed under the cleaner; nothing swapped
};

const std::error_category& storage_category();
inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), storage_category()}; }

protocol::ErrorCode to_kafka_error(std::error_code ec);

}  // namespace runnel::storage

template <>
struct std::is_error_code_enum<runnel::storage::Errc> : std::true_type {};
