#pragma once
// What the commands that talk to a broker (topic, produce, consume) share:
// the global options, a librdkafka handle configured from them, topic
// metadata, and ToolError, the one-line failure a command reports.
//
// Global options (accepted before or after the subcommand):
//   --brokers HOST:PORT[,...]  default: $RUNNEL_BROKERS, then 127.0.0.1:9092
//   -X key=value               any librdkafka property, repeatable, applied last
//   --output text|json
//   --timeout SECONDS          bound on every network wait (default 10)
// librdkafka's own log lines are dropped unless `-X debug=...` is given; the
// command says what failed in its one line instead.

#include <librdkafka/rdkafka.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tools/output_format.h"

namespace CLI {
class App;
}

namespace runnel::tools {

struct ClientOptions {
  std::string brokers = "127.0.0.1:9092";
  std::vector<std::string> properties;  // -X key=value
  OutputFormat output = OutputFormat::text;
  double timeout_seconds = 10;

  int timeout_ms() const { return static_cast<int>(timeout_seconds * 1000); }
};

// A failure to report as `runnel <command>: <what>` on stderr, exit status 1.
class ToolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Adds the global options to the top-level app; the values are filled in by parsing.
std::shared_ptr<ClientOptions> add_client_options(CLI::App& app);

struct PartitionMetadata {
  int32_t id = 0;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;

  // Kafka's `kafka-topics.sh --describe` filters: under-replicated when the
  // ISR is smaller than the replica set, offline (--unavailable-partitions)
  // when the partition has no leader (-1, LEADER_NOT_AVAILABLE).
  bool under_replicated() const { return isr.size() < replicas.size(); }
  bool offline() const { return leader < 0; }
};

struct TopicMetadata {
  std::string name;
  std::vector<PartitionMetadata> partitions;  // sorted by id
};

struct BrokerMetadata {
  int32_t id = 0;
  std::string host;
  int port = 0;
};

// group_consumer: a consumer that subscribes as a member of a consumer
// group; it takes the partitions the group assigns and counts the assignments
// it has received (assignments_received()).
enum class ClientKind { producer, consumer, group_consumer };

using DeliveryReport = void (*)(rd_kafka_t*, const rd_kafka_message_t*, void*);

// Owns one rd_kafka_t. `defaults` are set before the user's -X properties.
class KafkaClient {
 public:
  KafkaClient(const ClientOptions& options, ClientKind kind,
              const std::vector<std::pair<std::string, std::string>>& defaults = {},
              DeliveryReport delivery_report = nullptr);
  ~KafkaClient();
  KafkaClient(const KafkaClient&) = delete;
  KafkaClient& operator=(const KafkaClient&) = delete;

  rd_kafka_t* get() const { return handle_; }
  int timeout_ms() const { return timeout_ms_; }

  // One topic's metadata; throws ToolError if the brokers cannot be reached
  // within the timeout or the topic does not exist.
  TopicMetadata topic(const std::string& name);
  // Every topic, sorted by name (internal topics included).
  std::vector<TopicMetadata> topics(std::vector<BrokerMetadata>* brokers = nullptr);

  // "cannot reach brokers <list> within <n> s (<last client error>)".
  std::string unreachable_message(const char* what) const;
  // The last error librdkafka reported through its error callback, if any.
  const std::string& last_error() const { return last_error_; }
  // group_consumer: how many assignments (possibly empty) the group has given.
  int assignments_received() const { return assignments_received_; }

 private:
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                           void* opaque);

  rd_kafka_t* handle_ = nullptr;
  std::string brokers_;
  int timeout_ms_ = 0;
  std::string last_error_;
  int assignments_received_ = 0;
};

// The ids of `topic`'s partitions, or just `only` (--partition); throws
// ToolError if the topic has no such partition.
std::vector<int32_t> select_partitions(const TopicMetadata& topic, std::optional<int32_t> only);

// Parses `key=value`; throws ToolError naming `option` otherwise.
std::pair<std::string, std::string> split_key_value(const std::string& text, const char* option);

}  // namespace runnel::tools
