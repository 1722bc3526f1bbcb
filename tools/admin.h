#pragma once
// Admin API requests shared by the topic commands: running one request with
// the client's timeout, checking a topic's result, and reading a topic's
// configs (DescribeConfigs).

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <vector>

#include "tools/kafka_client.h"

namespace runnel::tools {

struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

// Enqueues one Admin request through `start(options, queue)` and returns its
// result event. Throws ToolError when the brokers do not answer within the
// client's timeout or the request as a whole fails; per-resource errors are
// left to the caller.
template <typename Start>
EventPtr admin_call(KafkaClient& client, rd_kafka_admin_op_t op, const char* what, Start start);

// "<what>: <ERROR_NAME> (<message>)", the message left out when empty.
std::string describe_error(const std::string& what, rd_kafka_resp_err_t err, const char* message);

// Throws ToolError with describe_error() if the result is an error.
void check_topic_result(const rd_kafka_topic_result_t* result, const std::string& what);

struct ConfigEntry {
  std::string name;
  std::string value;
  bool is_null = false;
  std::string source;  // librdkafka's source name, e.g. DYNAMIC_TOPIC_CONFIG
};

// Every config of the topic with its value and source.
std::vector<ConfigEntry> describe_topic_configs(KafkaClient& client, const std::string& topic);

// --- implementation of the template ---

struct AdminQueue {
  explicit AdminQueue(KafkaClient& client, rd_kafka_admin_op_t op);
  ~AdminQueue();
  AdminQueue(const AdminQueue&) = delete;
  AdminQueue& operator=(const AdminQueue&) = delete;
  EventPtr wait(const char* what);

  KafkaClient& client;
  rd_kafka_queue_t* queue;
  rd_kafka_AdminOptions_t* options;
};

template <typename Start>
EventPtr admin_call(KafkaClient& client, rd_kafka_admin_op_t op, const char* what, Start start) {
  AdminQueue call(client, op);
  start(call.options, call.queue);
  return call.wait(what);
}

}  // namespace runnel::tools
