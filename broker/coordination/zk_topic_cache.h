#pragma once
// ZkTopicCache: the in-memory copy of the topics in ZooKeeper (zk_topic_layout.h): each topic's
// assignment node, its config overrides and its partitions' states, kept current by watches.
//
// Watches (one-shot; at most one outstanding per node, re-armed on each event, which re-reads):
//   /brokers/topics              children: a new topic's node is read and watched.
//   /brokers/topics/<t>          data: read again; gone, the topic (and its states) leave the copy
//                                and nothing is watched (the children watch sees it again).
//   /config/topics/<t>           data, armed once the topic is known; an exists watch while it is
//   .../partitions/<p>/state     missing before it was ever seen (a creation still under way);
//                                gone after being seen (a deletion): dropped, not watched.
// A read older than the copy (by the node's mzxid) is ignored, so a write this broker applied to
// the copy (put_*) is never replaced by an older read that completes after it; nor is it erased
// by a read that found the node missing before this broker created it. A failed read is
// tried again after 500 ms; a watch firing session_expired or closed stops the cache (after an
// expiry the store loads a new one on the renewed session). Listeners (on_change) are posted on the executor after the copy changed,
// coalesced. Reads (topic, topics, partition_state) take a mutex and never touch ZooKeeper.
// Owned through a shared_ptr: watches hold it weakly, reads in flight strongly; the session
// must outlive it.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker/coordination/zk_session.h"
#include "broker/metadata_store.h"
#include "broker/topic_metadata.h"
#include "protocol/result.h"

namespace runnel::broker {

class ZkTopicCache : public std::enable_shared_from_this<ZkTopicCache> {
 public:
  // `executor` runs the reloads after watch events and the listeners.
  ZkTopicCache(ZkSession& session, asio::any_io_executor executor);

  // Reads everything and sets the watches, on the awaiting coroutine's executor; fails with the
  // first ZooKeeper error. /brokers/topics must exist.
  asio::awaitable<Result<void>> load();

  std::optional<TopicMetadata> topic(const std::string& name) const;
  std::vector<TopicMetadata> topics() const;
  std::optional<PartitionState> partition_state(const std::string& topic, int32_t partition) const;
  void on_change(std::function<void()> listener);
  // Reads no more (the owner is going): a read under way ends at its next step.
  void stop() { stopped_ = true; }

  // This broker's own writes, applied at once (the watches confirm them later). `mzxid` is the
  // write's (ZkStat::mzxid), or 0 when unknown (any read then replaces it).
  void put_topic(const TopicMetadata& topic, const std::vector<PartitionState>& states);
  void put_configs(const std::string& topic, const TopicConfigs& configs, int64_t mzxid);
  void put_state(const std::string& topic, int32_t partition, const PartitionState& state, int64_t mzxid);
  void erase_topic(const std::string& topic);

 private:
  // A watched node.
  struct Node {
    enum class Kind { topics, topic, config, state } kind;
    std::string topic;
    int32_t partition = -1;
    std::string path() const;
  };
  template <class T>
  struct Versioned {
    T value;
    int64_t mzxid = 0;
    uint64_t local_write = 0;  // this broker's put_* that wrote it (local_writes_), 0 for reads
  };

  // Reads `node` (setting its watch) into the copy; returns the nodes to watch next.
  asio::awaitable<Result<std::vector<Node>>> read(Node node);
  std::vector<Node> apply(const Node& node, const ZkNode& data);
  // The node was missing when a read issued after `issued` local writes looked: updates the
  // copy, except for what this broker put there since (the read raced with its own creation);
  // true if the node's creation should be watched.
  bool forget(const Node& node, uint64_t issued);
  bool try_arm(const Node& node);
  void disarm(const Node& node);
  ZkSession::Watcher watcher(Node node);
  // Reads `node` on the executor (after a watch event), then the nodes it names.
  void spawn_read(Node node);
  static asio::awaitable<void> read_and_follow(std::shared_ptr<ZkTopicCache> self, Node node);
  void retry_later(Node node);
  void changed();

  ZkSession& session_;
  asio::any_io_executor executor_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> notify_pending_{false};
  mutable std::mutex mutex_;  // guards everything below
  std::map<std::string, Versioned<TopicMetadata>> topics_;  // assignment nodes (configs empty)
  std::map<std::string, Versioned<TopicConfigs>> configs_;
  std::map<std::pair<std::string, int32_t>, Versioned<PartitionState>> states_;
  std::set<std::string> armed_;  // paths with a watch outstanding or a read under way
  uint64_t local_writes_ = 0;     // put_* calls so far
  std::vector<std::function<void()>> listeners_;
};

}  // namespace runnel::broker
