#include "tools/admin.h"

namespace runnel::tools {

AdminQueue::AdminQueue(KafkaClient& client, rd_kafka_admin_op_t op)
    : client(client), queue(rd_kafka_queue_new(client.get())), options(rd_kafka_AdminOptions_new(client.get(), op)) {
  char errstr[256];
  rd_kafka_AdminOptions_set_request_timeout(options, client.timeout_ms(), errstr, sizeof errstr);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
      op == RD_KAFKA_ADMIN_OP_DELETERECORDS)
    rd_kafka_AdminOptions_set_operation_timeout(options, client.timeout_ms(), errstr, sizeof errstr);
}

AdminQueue::~AdminQueue() {
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
}

EventPtr AdminQueue::wait(const char* what) {
  EventPtr event(rd_kafka_queue_poll(queue, client.timeout_ms() + 2000));
  if (!event) throw ToolError(client.unreachable_message(what));
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (rd_kafka_event_error(event.get()) == RD_KAFKA_RESP_ERR__TIMED_OUT)
      throw ToolError(client.unreachable_message(what));
    throw ToolError(std::string(what) + ": " + rd_kafka_event_error_string(event.get()));
  }
  return event;
}

std::string describe_error(const std::string& what, rd_kafka_resp_err_t err, const char* message) {
  return what + ": " + rd_kafka_err2name(err) +
         (message != nullptr && *message != '\0' ? std::string(" (") + message + ")" : "");
}

void check_topic_result(const rd_kafka_topic_result_t* result, const std::string& what) {
  if (rd_kafka_topic_result_error(result) == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  throw ToolError(describe_error(what, rd_kafka_topic_result_error(result), rd_kafka_topic_result_error_string(result)));
}

std::vector<ConfigEntry> describe_topic_configs(KafkaClient& client, const std::string& topic) {
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  std::unique_ptr<rd_kafka_ConfigResource_t, void (*)(rd_kafka_ConfigResource_t*)> owned(
      resource, rd_kafka_ConfigResource_destroy);
  EventPtr event = admin_call(client, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, "describe configs",
                              [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                rd_kafka_DescribeConfigs(client.get(), &resource, 1, o, q);
                              });
  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  std::vector<ConfigEntry> entries;
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_ConfigResource_error(resources[i]) == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
      throw ToolError("unknown topic " + topic);
    if (rd_kafka_ConfigResource_error(resources[i]) != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw ToolError("describe configs of " + topic + ": " +
                      rd_kafka_err2name(rd_kafka_ConfigResource_error(resources[i])));
    size_t n = 0;
    const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(resources[i], &n);
    for (size_t j = 0; j < n; ++j) {
      const char* value = rd_kafka_ConfigEntry_value(configs[j]);
      entries.push_back({rd_kafka_ConfigEntry_name(configs[j]), value != nullptr ? value : "", value == nullptr,
                         rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(configs[j]))});
    }
  }
  return entries;
}

}  // namespace runnel::tools
