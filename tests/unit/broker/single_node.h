#pragma once
// A single node's broker services over a data directory, wired as runneld
// wires them (LogManager, embedded metadata store, ReplicaManager,
// Controller), for broker unit tests. `properties` are extra config lines;
// log.dirs is `data_dir`.

#include <asio/thread_pool.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "broker/controller.h"
#include "broker/metadata_store.h"
#include "broker/replica_manager.h"
#include "broker_config_util.h"
#include "storage/log_manager.h"

namespace runnel::test {

struct SingleNode {
  std::string data_dir;
  broker::BrokerConfig config;
  std::unique_ptr<storage::LogManager> logs;
  std::unique_ptr<broker::EmbeddedMetadataStore> metadata;
  asio::thread_pool disk_pool{1};
  std::unique_ptr<broker::ReplicaManager> replicas;
  std::unique_ptr<broker::Controller> controller;

  explicit SingleNode(std::string dir, const std::string& properties = "") : data_dir(std::move(dir)) {
    config = broker_config_from(properties + "log.dirs=" + data_dir + "\n");
    storage::LogManagerOptions options;
    options.log_dirs = config.log_dirs;
    options.default_config = config.log;
    auto opened = storage::LogManager::open(options);
    REQUIRE(opened);
    logs = std::move(*opened);
    reopen_metadata();
    replicas = std::make_unique<broker::ReplicaManager>(config, *logs, *metadata, disk_pool);
    controller = std::make_unique<broker::Controller>(config, *metadata, *replicas);
  }

  // Reads the metadata store back from disk, as a restart does.
  void reopen_metadata() {
    metadata.reset();
    auto store = broker::EmbeddedMetadataStore::open(data_dir + "/__cluster_metadata", config.node_id);
    REQUIRE(store);
    metadata = std::move(*store);
  }

  // A clean shutdown of the logs (runneld's last step); the node is unusable after.
  void shutdown() {
    disk_pool.join();
    CHECK(logs->shutdown());
  }
};

}  // namespace runnel::test
