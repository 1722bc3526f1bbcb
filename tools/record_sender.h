#pragma once
// RecordSender: the producer side of `produce` and `replay`. It owns a
// librdkafka producer, queues records (waiting while the local queue is
// full), counts acknowledgements, and at the end waits for every record.
// A record the brokers refuse stops the command: send() and finish() throw
// ToolError with how many records failed and the first error.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tools/kafka_client.h"
#include "tools/rdkafka_message.h"

namespace runnel::tools {

struct OutgoingRecord {
  int32_t partition = 0;
  std::optional<std::string_view> key;    // nullopt: null key
  std::optional<std::string_view> value;  // nullopt: null value (a tombstone)
  const RecordHeaders* headers = nullptr;
  int64_t timestamp_ms = 0;  // 0: the producer's clock
};

class RecordSender {
 public:
  // `acks` 0|1|all|-1; `compression` none|gzip|snappy|lz4|zstd; `linger_ms`
  // as librdkafka's linger.ms. The user's -X properties still win.
  RecordSender(const ClientOptions& options, const std::string& acks, const std::string& compression,
               int linger_ms = 5);

  KafkaClient& client() { return client_; }

  void send(const std::string& topic, const OutgoingRecord& record);
  // Waits up to the client's timeout for every queued record to be acknowledged.
  void finish(const std::string& topic);

  int64_t sent() const { return sent_; }
  int64_t delivered() const { return delivered_; }

 private:
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*);
  void throw_if_failed(const std::string& topic) const;

  KafkaClient client_;
  int64_t sent_ = 0;
  int64_t delivered_ = 0;
  int64_t failed_ = 0;
  std::string first_error_;
};

}  // namespace runnel::tools
