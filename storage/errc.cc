#include "storage/errc.h"

#include <string>

#include "protocol/errc.h"

namespace runnel::storage {
namespace {
class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "storage"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::corrupt_message: return "corrupt record batch";
      case Errc::invalid_record: return "invalid record";
      case Errc::message_too_large: return "record batch larger than max.message.bytes";
      case Errc::offset_out_of_range: return "offset out of range";
      case Errc::offset_not_increasing: return "batch offsets do not increase";
      case Errc::short_read: return "file shorter than expected";
      case Errc::io_error: return "I/O error";
      case Errc::bad_checkpoint: return "malformed checkpoint file";
      case Errc::cluster_id_mismatch: return "log dir belongs to another cluster or node";
      case Errc::duplicate_partition: return "the same partition is in two log dirs";
      case Errc::out_of_order_sequence: return "out of order sequence number";
      case Errc::invalid_producer_epoch: return "producer epoch older than the current one";
      case Errc::cleaner_aborted: return "segments changed while being cleaned";
    }
    return "unknown storage error";
  }
};
}  // namespace

const std::error_category& storage_category() {
  static const Category category;
  return category;
}

protocol::ErrorCode to_kafka_error(std::error_code ec) {
  using protocol::ErrorCode;
  if (!ec) return ErrorCode::none;
  if (ec.category() == storage_category()) {
    switch (static_cast<Errc>(ec.value())) {
      case Errc::corrupt_message: return ErrorCode::corrupt_message;
      case Errc::invalid_record: return ErrorCode::invalid_record;
      case Errc::message_too_large: return ErrorCode::message_too_large;
      case Errc::offset_out_of_range: return ErrorCode::offset_out_of_range;
      case Errc::short_read:
      case Errc::io_error: return ErrorCode::kafka_storage_error;
      case Errc::out_of_order_sequence: return ErrorCode::out_of_order_sequence_number;
      case Errc::invalid_producer_epoch: return ErrorCode::invalid_producer_epoch;
      default: return ErrorCode::unknown_server_error;
    }
  }
  if (ec.category() == protocol::protocol_category()) {
    switch (static_cast<protocol::Errc>(ec.value())) {
      case protocol::Errc::truncated:
      case protocol::Errc::bad_length:
      case protocol::Errc::crc_mismatch: return ErrorCode::corrupt_message;
      case protocol::Errc::unsupported_compression: return ErrorCode::unsupported_compression_type;
      default: return ErrorCode::invalid_record;
    }
  }
  if (ec.category() == std::system_category() || ec.category() == std::generic_category())
    return ErrorCode::kafka_storage_error;
  return ErrorCode::unknown_server_error;
}

}  // namespace runnel::storage
