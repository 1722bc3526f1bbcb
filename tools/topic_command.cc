#include "tools/topic_command.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tools/kafka_client.h"
#include "tools/text_encoding.h"

namespace runnel::tools {
namespace {

struct CreateOptions {
  std::string name;
  int partitions = -1;
  int replication_factor = -1;
  std::vector<std::string> configs;
};

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

// Runs one Admin request: `start` enqueues it on the given queue with the given
// options; returns its result event, or throws ToolError on a timeout or a
// request-level error.
template <typename Start>
EventPtr admin_call(KafkaClient& client, rd_kafka_admin_op_t op, const char* what, Start start) {
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(client.get()));
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
      rd_kafka_AdminOptions_new(client.get(), op));
  char errstr[256];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), client.timeout_ms(), errstr, sizeof errstr);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS)
    rd_kafka_AdminOptions_set_operation_timeout(options.get(), client.timeout_ms(), errstr, sizeof errstr);
  start(options.get(), queue.get());
  EventPtr event(rd_kafka_queue_poll(queue.get(), client.timeout_ms() + 2000));
  if (!event) throw ToolError(client.unreachable_message(what));
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (rd_kafka_event_error(event.get()) == RD_KAFKA_RESP_ERR__TIMED_OUT)
      throw ToolError(client.unreachable_message(what));
    throw ToolError(std::string(what) + ": " + rd_kafka_event_error_string(event.get()));
  }
  return event;
}

void check_topic_result(const rd_kafka_topic_result_t* result, const std::string& what) {
  if (rd_kafka_topic_result_error(result) == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  const char* message = rd_kafka_topic_result_error_string(result);
  throw ToolError(what + ": " + rd_kafka_err2name(rd_kafka_topic_result_error(result)) +
                  (message != nullptr && *message != '\0' ? std::string(" (") + message + ")" : ""));
}

void create_topic(const ClientOptions& options, const CreateOptions& create) {
  KafkaClient client(options, ClientKind::producer);
  char errstr[256];
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(create.name.c_str(), create.partitions,
                                                     create.replication_factor, errstr, sizeof errstr);
  if (topic == nullptr) throw ToolError(std::string("create ") + create.name + ": " + errstr);
  std::unique_ptr<rd_kafka_NewTopic_t, void (*)(rd_kafka_NewTopic_t*)> owned(topic, rd_kafka_NewTopic_destroy);
  for (const auto& config : create.configs) {
    auto [key, value] = split_key_value(config, "--config");
    rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str());
  }
  EventPtr event = admin_call(client, RD_KAFKA_ADMIN_OP_CREATETOPICS, "create topic",
                              [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                rd_kafka_CreateTopics(client.get(), &topic, 1, o, q);
                              });
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) check_topic_result(results[i], "create topic " + create.name);
  auto out = make_formatter(options.output, std::cout);
  out->begin_line();
  out->string("created", create.name);
  out->end_line();
}

void delete_topic(const ClientOptions& options, const std::string& name) {
  KafkaClient client(options, ClientKind::producer);
  rd_kafka_DeleteTopic_t* topic = rd_kafka_DeleteTopic_new(name.c_str());
  std::unique_ptr<rd_kafka_DeleteTopic_t, void (*)(rd_kafka_DeleteTopic_t*)> owned(topic,
                                                                                   rd_kafka_DeleteTopic_destroy);
  EventPtr event = admin_call(client, RD_KAFKA_ADMIN_OP_DELETETOPICS, "delete topic",
                              [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                rd_kafka_DeleteTopics(client.get(), &topic, 1, o, q);
                              });
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_topic_result_error(results[i]) == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
      throw ToolError("unknown topic " + name);
    check_topic_result(results[i], "delete topic " + name);
  }
  auto out = make_formatter(options.output, std::cout);
  out->begin_line();
  out->string("deleted", name);
  out->end_line();
}

int replication_factor(const TopicMetadata& topic) {
  return topic.partitions.empty() ? 0 : static_cast<int>(topic.partitions.front().replicas.size());
}

void list_topics(const ClientOptions& options) {
  KafkaClient client(options, ClientKind::producer);
  auto out = make_formatter(options.output, std::cout);
  for (const auto& topic : client.topics()) {
    out->begin_line();
    out->string("topic", topic.name);
    out->number("partitions", static_cast<int64_t>(topic.partitions.size()));
    out->number(options.output == OutputFormat::json ? "replicationFactor" : "replication-factor",
                replication_factor(topic));
    out->end_line();
  }
}

struct ConfigEntry {
  std::string name;
  std::string value;
  bool is_null = false;
  std::string source;
};

std::vector<ConfigEntry> describe_configs(KafkaClient& client, const std::string& name) {
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
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
    if (rd_kafka_ConfigResource_error(resources[i]) != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw ToolError("describe configs of " + name + ": " +
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

std::string join_ids(const std::vector<int32_t>& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s + "]";
}

void describe_topic(const ClientOptions& options, const std::string& name) {
  KafkaClient client(options, ClientKind::producer, {{"allow.auto.create.topics", "false"}});
  TopicMetadata topic = client.topic(name);
  struct Watermarks {
    int64_t low = -1, high = -1;
  };
  std::vector<Watermarks> marks;
  for (const auto& p : topic.partitions) {
    Watermarks w;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(client.get(), name.c_str(), p.id, &w.low, &w.high, client.timeout_ms());
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT)
      throw ToolError(client.unreachable_message("list offsets"));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw ToolError("list offsets of " + name + "-" + std::to_string(p.id) + ": " + rd_kafka_err2str(err));
    marks.push_back(w);
  }
  std::vector<ConfigEntry> configs = describe_configs(client, name);

  std::string out;
  if (options.output == OutputFormat::json) {
    out = "{\"topic\":";
    append_json_string(out, name);
    out += ",\"replicationFactor\":" + std::to_string(replication_factor(topic)) + ",\"partitions\":[";
    for (size_t i = 0; i < topic.partitions.size(); ++i) {
      const auto& p = topic.partitions[i];
      out += (i ? ",{" : "{") + std::string("\"partition\":") + std::to_string(p.id) +
             ",\"leader\":" + std::to_string(p.leader) + ",\"replicas\":" + join_ids(p.replicas) +
             ",\"isr\":" + join_ids(p.isr) + ",\"logStartOffset\":" + std::to_string(marks[i].low) +
             ",\"logEndOffset\":" + std::to_string(marks[i].high) + "}";
    }
    out += "],\"configs\":{";
    for (size_t i = 0; i < configs.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, configs[i].name);
      out += ":{\"value\":";
      if (configs[i].is_null) out += "null";
      else append_json_string(out, configs[i].value);
      out += ",\"source\":";
      append_json_string(out, configs[i].source);
      out += '}';
    }
    out += "}}\n";
  } else {
    out = "topic: " + name + " partitions: " + std::to_string(topic.partitions.size()) +
          " replication-factor: " + std::to_string(replication_factor(topic)) + "\n";
    for (size_t i = 0; i < topic.partitions.size(); ++i) {
      const auto& p = topic.partitions[i];
      out += "  partition: " + std::to_string(p.id) + " leader: " + std::to_string(p.leader) +
             " replicas: " + join_ids(p.replicas) + " isr: " + join_ids(p.isr) +
             " log-start-offset: " + std::to_string(marks[i].low) +
             " log-end-offset: " + std::to_string(marks[i].high) + "\n";
    }
    for (const auto& c : configs)
      out += "  config: " + c.name + "=" + (c.is_null ? "null" : c.value) + " (" + c.source + ")\n";
  }
  std::cout << out << std::flush;
}

}  // namespace

void add_topic_command(CLI::App& app, std::shared_ptr<ClientOptions> client) {
  CLI::App* topic = app.add_subcommand("topic", "Create, list, describe and delete topics");
  topic->require_subcommand(1);
  topic->footer("Example:\n  runnel topic create orders --partitions 6 --config retention.ms=86400000");

  auto create = std::make_shared<CreateOptions>();
  CLI::App* c = topic->add_subcommand("create", "Create a topic");
  c->add_option("NAME", create->name, "Topic name")->required();
  c->add_option("--partitions", create->partitions, "Partition count (-1: the broker's num.partitions)")
      ->capture_default_str();
  c->add_option("--replication-factor", create->replication_factor,
                "Replicas per partition (-1: the broker's default.replication.factor)")
      ->capture_default_str();
  c->add_option("--config", create->configs, "Topic config key=value (repeatable)")->allow_extra_args(false);
  c->footer("Example:\n  runnel topic create orders --partitions 6 --config cleanup.policy=compact");
  c->callback([client, create] { create_topic(*client, *create); });

  CLI::App* l = topic->add_subcommand("list", "List topics with partition counts and replication factors");
  l->footer("Example:\n  runnel --brokers 127.0.0.1:9092 topic list --output json");
  l->callback([client] { list_topics(*client); });

  auto name = std::make_shared<std::string>();
  CLI::App* d = topic->add_subcommand("describe", "Partitions, leaders, replicas, ISR, offsets and configs");
  d->add_option("NAME", *name, "Topic name")->required();
  d->footer("Example:\n  runnel topic describe orders");
  d->callback([client, name] { describe_topic(*client, *name); });

  auto del_name = std::make_shared<std::string>();
  CLI::App* del = topic->add_subcommand("delete", "Delete a topic and its data");
  del->add_option("NAME", *del_name, "Topic name")->required();
  del->footer("Example:\n  runnel topic delete orders");
  del->callback([client, del_name] { delete_topic(*client, *del_name); });
}

}  // namespace runnel::tools
