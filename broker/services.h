#pragma once
// BrokerServices: what request handlers reach, owned by the Broker.

#include <asio/thread_pool.hpp>
#include <chrono>
#include <string>

#include "broker/config.h"
#include "broker/coordination/cluster_membership.h"
#include "broker/controller.h"
#include "broker/group/group_coordinator.h"
#include "broker/metadata_store.h"
#include "broker/producer_id_manager.h"
#include "broker/replica_manager.h"
#include "storage/log_manager.h"

namespace runnel::broker {

struct BrokerServices {
  const BrokerConfig& config;
  storage::LogManager& logs;
  MetadataStore& metadata;
  ReplicaManager& replicas;
  Controller& controller;
  group::GroupCoordinator& groups;
  ProducerIdManager& producer_ids;
  asio::thread_pool& disk_pool;
  // Where metadata store writes run (topic create/delete/config changes, producer id blocks,
  // transactional ids): each waits for a ZooKeeper round trip or a RocksDB sync, and creating or
  // deleting a topic opens or removes its logs; an I/O thread never waits for them
  // (run_blocking). Reads of the store's in-memory copy stay on the I/O thread.
  asio::thread_pool& metadata_pool;
  std::string cluster_id;
  // The advertised address of this broker (the first advertised listener,
  // with port 0 replaced by the bound port).
  std::string advertised_host;
  int32_t advertised_port = 0;
  // ZooKeeper mode: the registered brokers and the controller; null in the single-node mode.
  const ClusterMembership* membership = nullptr;

  static int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace runnel::broker
