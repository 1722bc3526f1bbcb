#include "bench/runnel_bench/client_config.h"

namespace runnel::bench {

namespace {

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
    throw BenchError("librdkafka property " + key + "=" + value + ": " + error);
  }
}

// librdkafka wants a group.id before assign(); without subscribe() the
// consumer never joins the group, and nothing is committed.
const Settings kConsumerSettings = {{"group.id", "runnel-bench"},
                                    {"enable.auto.commit", "false"},
                                    {"enable.auto.offset.store", "false"},
                                    {"enable.partition.eof", "true"}};

}  // namespace

KafkaConf make_conf(const std::string& bootstrap, const Settings& settings,
                    const std::vector<std::string>& properties) {
  KafkaConf conf(rd_kafka_conf_new());
  set(conf.get(), "bootstrap.servers", bootstrap);
  for (const auto& [key, value] : settings) set(conf.get(), key, value);
  for (const auto& property : properties) {
    auto eq = property.find('=');
    if (eq == std::string::npos || eq == 0) throw BenchError("-X wants key=value, got '" + property + "'");
    set(conf.get(), property.substr(0, eq), property.substr(eq + 1));
  }
  return conf;
}

KafkaClient make_client(rd_kafka_type_t type, KafkaConf conf) {
  char error[512];
  // rd_kafka_new() takes the configuration only when it succeeds.
  KafkaClient client(rd_kafka_new(type, conf.get(), error, sizeof error));
  if (!client) throw BenchError(std::string("cannot create the librdkafka client: ") + error);
  (void)conf.release();
  return client;
}

KafkaClient make_consumer(const std::string& bootstrap, const std::vector<std::string>& properties) {
  auto client = make_client(RD_KAFKA_CONSUMER, make_conf(bootstrap, kConsumerSettings, properties));
  rd_kafka_poll_set_consumer(client.get());
  return client;
}

void assign_partitions(rd_kafka_t* consumer, const std::string& topic, const std::vector<int64_t>& offsets) {
  KafkaPartitionList assignment(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (size_t p = 0; p < offsets.size(); ++p) {
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), static_cast<int32_t>(p))->offset = offsets[p];
  }
  if (auto err = rd_kafka_assign(consumer, assignment.get())) throw BenchError(std::string("assign: ") + rd_kafka_err2str(err));
}

}  // namespace runnel::bench
