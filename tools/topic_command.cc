#include "tools/topic_command.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "tools/admin.h"
#include "tools/delete_records_command.h"
#include "tools/kafka_client.h"
#include "tools/partition_offsets.h"
#include "tools/text_encoding.h"

namespace runnel::tools {
namespace {

struct AlterOptions {
  std::string name;
  std::vector<std::string> set;     // key=value
  std::vector<std::string> remove;  // keys
};

struct CreateOptions {
  std::string name;
  int partitions = -1;
  int replication_factor = -1;
  std::vector<std::string> configs;
};

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

const char* bool_name(bool value) { return value ? "true" : "false"; }

void describe_topic(const ClientOptions& options, const std::string& name) {
  KafkaClient client(options, ClientKind::producer, {{"allow.auto.create.topics", "false"}});
  TopicMetadata topic = client.topic(name);
  std::vector<Watermarks> marks;
  // An offline partition has no leader to answer ListOffsets: its offsets show as -1.
  for (const auto& p : topic.partitions)
    marks.push_back(p.offline() ? Watermarks{} : query_watermarks(client, name, p.id));
  std::vector<ConfigEntry> configs = describe_topic_configs(client, name);

  std::string out;
  if (options.output == OutputFormat::json) {
    out = "{\"topic\":";
    append_json_string(out, name);
    out += ",\"replicationFactor\":" + std::to_string(replication_factor(topic)) + ",\"partitions\":[";
    for (size_t i = 0; i < topic.partitions.size(); ++i) {
      const auto& p = topic.partitions[i];
      out += (i ? ",{" : "{") + std::string("\"partition\":") + std::to_string(p.id) +
             ",\"leader\":" + std::to_string(p.leader) + ",\"replicas\":" + format_ids(p.replicas) +
             ",\"isr\":" + format_ids(p.isr) + ",\"underReplicated\":" + bool_name(p.under_replicated()) +
             ",\"offline\":" + bool_name(p.offline()) +
             ",\"logStartOffset\":" + std::to_string(marks[i].log_start_offset) +
             ",\"logEndOffset\":" + std::to_string(marks[i].high_watermark) + "}";
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
             " replicas: " + format_ids(p.replicas) + " isr: " + format_ids(p.isr) +
             (p.under_replicated() ? " under-replicated: true" : "") + (p.offline() ? " offline: true" : "") +
             " log-start-offset: " + std::to_string(marks[i].log_start_offset) +
             " log-end-offset: " + std::to_string(marks[i].high_watermark) + "\n";
    }
    for (const auto& c : configs)
      out += "  config: " + c.name + "=" + (c.is_null ? "null" : c.value) + " (" + c.source + ")\n";
  }
  std::cout << out << std::flush;
}

// AlterConfigs replaces a topic's whole set of overrides, so the new set is
// the current overrides (DescribeConfigs, source DYNAMIC_TOPIC_CONFIG) with
// --delete keys removed and --set keys added or replaced. librdkafka 2.0.2 has
// no IncrementalAlterConfigs; a change made by someone else between the read
// and the write is overwritten.
void alter_topic_config(const ClientOptions& options, const AlterOptions& alter) {
  if (alter.set.empty() && alter.remove.empty()) throw ToolError("give at least one --set or --delete");
  KafkaClient client(options, ClientKind::producer);
  const std::vector<ConfigEntry> current = describe_topic_configs(client, alter.name);
  std::map<std::string, std::string> overrides;
  std::set<std::string> known;
  for (const auto& c : current) {
    known.insert(c.name);
    if (c.source == "DYNAMIC_TOPIC_CONFIG" && !c.is_null) overrides[c.name] = c.value;
  }
  for (const auto& key : alter.remove) {
    if (!known.contains(key)) throw ToolError("--delete " + key + ": topic " + alter.name + " has no config " + key);
    overrides.erase(key);
  }
  for (const auto& entry : alter.set) {
    auto [key, value] = split_key_value(entry, "--set");
    overrides[key] = value;
  }
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, alter.name.c_str());
  std::unique_ptr<rd_kafka_ConfigResource_t, void (*)(rd_kafka_ConfigResource_t*)> owned(
      resource, rd_kafka_ConfigResource_destroy);
  for (const auto& [key, value] : overrides) rd_kafka_ConfigResource_set_config(resource, key.c_str(), value.c_str());
  EventPtr event = admin_call(client, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, "alter configs",
                              [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                rd_kafka_AlterConfigs(client.get(), &resource, 1, o, q);
                              });
  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    throw ToolError(describe_error("alter configs of " + alter.name, err, rd_kafka_ConfigResource_error_string(resources[i])));
  }
  auto out = make_formatter(options.output, std::cout);
  out->begin_line();
  out->string("altered", alter.name);
  out->end_line();
}

}  // namespace

void add_topic_command(CLI::App& app, std::shared_ptr<ClientOptions> client) {
  CLI::App* topic =
      app.add_subcommand("topic", "Create, list, describe, reconfigure and delete topics, and delete records");
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

  auto alter = std::make_shared<AlterOptions>();
  CLI::App* a = topic->add_subcommand("alter-config", "Set or delete topic config overrides");
  a->add_option("NAME", alter->name, "Topic name")->required();
  a->add_option("--set", alter->set, "Override key=value (repeatable)")->allow_extra_args(false);
  a->add_option("--delete", alter->remove, "Remove the override of key, back to the broker default (repeatable)")
      ->allow_extra_args(false);
  a->footer("Example:\n  runnel topic alter-config orders --set retention.ms=86400000 --delete segment.bytes");
  a->callback([client, alter] { alter_topic_config(*client, *alter); });

  add_delete_records_command(*topic, client);
}

}  // namespace runnel::tools
