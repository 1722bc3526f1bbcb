#include "tools/kafka_client.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace runnel::tools {
namespace {

void drop_log(const rd_kafka_t*, int, const char*, const char*) {}

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

struct TopicHandleDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};

TopicMetadata convert(const rd_kafka_metadata_topic_t& t) {
  TopicMetadata topic{t.topic, {}};
  for (int i = 0; i < t.partition_cnt; ++i) {
    const auto& p = t.partitions[i];
    PartitionMetadata partition;
    partition.id = p.id;
    partition.leader = p.leader;
    partition.replicas.assign(p.replicas, p.replicas + p.replica_cnt);
    partition.isr.assign(p.isrs, p.isrs + p.isr_cnt);
    partition.error = p.err;
    topic.partitions.push_back(std::move(partition));
  }
  std::sort(topic.partitions.begin(), topic.partitions.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  return topic;
}

}  // namespace

std::pair<std::string, std::string> split_key_value(const std::string& text, const char* option) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ToolError(std::string(option) + " " + text + ": expected key=value");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::shared_ptr<ClientOptions> add_client_options(CLI::App& app) {
  auto options = std::make_shared<ClientOptions>();
  app.add_option("--brokers", options->brokers, "Bootstrap brokers HOST:PORT[,...]")
      ->envname("RUNNEL_BROKERS")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->capture_default_str();
  app.add_option("-X", options->properties, "librdkafka property key=value (repeatable)")
      ->allow_extra_args(false);
  app.add_option_function<std::string>(
         "--output",
         [options](const std::string& v) { options->output = v == "json" ? OutputFormat::json : OutputFormat::text; },
         "text or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->default_str("text");
  app.add_option("--timeout", options->timeout_seconds, "Seconds to wait for any broker response")
      ->check(CLI::Range(0.001, 3600.0))
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->capture_default_str();
  return options;
}

KafkaClient::KafkaClient(const ClientOptions& options, ClientKind kind,
                         const std::vector<std::pair<std::string, std::string>>& defaults,
                         DeliveryReport delivery_report)
    : brokers_(options.brokers), timeout_ms_(options.timeout_ms()) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  auto set = [&](const std::string& key, const std::string& value) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw ToolError("-X " + key + "=" + value + ": " + errstr);
    }
  };
  set("bootstrap.servers", options.brokers);
  set("client.id", "runnel");
  set("socket.timeout.ms", std::to_string(std::max(timeout_ms_, 10)));
  set("socket.connection.setup.timeout.ms", std::to_string(std::max(timeout_ms_, 1000)));
  for (const auto& [key, value] : defaults) set(key, value);
  bool debug = false;
  for (const auto& property : options.properties) {
    auto [key, value] = split_key_value(property, "-X");
    debug = debug || key == "debug";
    set(key, value);
  }
  if (!debug) rd_kafka_conf_set_log_cb(conf, drop_log);
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    on_error(rk, err, reason, opaque);
  });
  if (delivery_report != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, delivery_report);
  if (kind == ClientKind::group_consumer) rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
  rd_kafka_conf_set_opaque(conf, this);
  handle_ = rd_kafka_new(kind == ClientKind::producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf, errstr,
                         sizeof errstr);
  if (handle_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw ToolError(std::string("cannot create the client: ") + errstr);
  }
}

KafkaClient::~KafkaClient() {
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

void KafkaClient::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                               void* opaque) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    ++static_cast<KafkaClient*>(opaque)->assignments_received_;
    rd_kafka_assign(rk, partitions);
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

void KafkaClient::on_error(rd_kafka_t*, int, const char* reason, void* opaque) {
  static_cast<KafkaClient*>(opaque)->last_error_ = reason;
}

std::string KafkaClient::unreachable_message(const char* what) const {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", timeout_ms_ / 1000.0);
  std::string message = std::string(what) + ": no answer from brokers " + brokers_ + " within " + seconds + " s";
  if (!last_error_.empty()) message += " (" + last_error_ + ")";
  return message;
}

TopicMetadata KafkaClient::topic(const std::string& name) {
  std::unique_ptr<rd_kafka_topic_t, TopicHandleDeleter> handle(rd_kafka_topic_new(handle_, name.c_str(), nullptr));
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(handle_, 0, handle.get(), &raw, timeout_ms_);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw ToolError(unreachable_message("metadata"));
  MetadataPtr md(raw);
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (name != t.topic) continue;
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) throw ToolError("unknown topic " + name);
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw ToolError("topic " + name + ": " + rd_kafka_err2str(t.err));
    return convert(t);
  }
  throw ToolError("unknown topic " + name);
}

std::vector<TopicMetadata> KafkaClient::topics(std::vector<BrokerMetadata>* brokers) {
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(handle_, 1, nullptr, &raw, timeout_ms_);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw ToolError(unreachable_message("metadata"));
  MetadataPtr md(raw);
  std::vector<TopicMetadata> result;
  for (int i = 0; i < md->topic_cnt; ++i) result.push_back(convert(md->topics[i]));
  std::sort(result.begin(), result.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  if (brokers != nullptr) {
    for (int i = 0; i < md->broker_cnt; ++i)
      brokers->push_back({md->brokers[i].id, md->brokers[i].host, md->brokers[i].port});
  }
  return result;
}

std::vector<int32_t> select_partitions(const TopicMetadata& topic, std::optional<int32_t> only) {
  std::vector<int32_t> ids;
  for (const auto& p : topic.partitions)
    if (!only || p.id == *only) ids.push_back(p.id);
  if (ids.empty())
    throw ToolError("--partition " + std::to_string(only.value_or(0)) + ": topic " + topic.name + " has " +
                    std::to_string(topic.partitions.size()) + " partitions");
  return ids;
}

}  // namespace runnel::tools
