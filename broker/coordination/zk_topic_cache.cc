#include "broker/coordination/zk_topic_cache.h"

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>

#include "broker/coordination/zk_topic_layout.h"
#include "broker/logging.h"
#include "broker/task_failure.h"

namespace runnel::broker {
namespace {

constexpr auto kRetryDelay = std::chrono::milliseconds(500);

bool final_error(const std::error_code& ec) { return ec == ZkErrc::session_expired || ec == ZkErrc::closing; }

}  // namespace

std::string ZkTopicCache::Node::path() const {
  switch (kind) {
    case Kind::topics: return kTopicsPath;
    case Kind::topic: return topic_path(topic);
    case Kind::config: return topic_config_path(topic);
    case Kind::state: return partition_state_path(topic, partition);
  }
  return {};
}

ZkTopicCache::ZkTopicCache(ZkSession& session, asio::any_io_executor executor)
    : session_(session), executor_(std::move(executor)) {}

asio::awaitable<Result<void>> ZkTopicCache::load() {
  std::vector<Node> pending{Node{Node::Kind::topics, {}}};
  try_arm(pending.front());
  while (!pending.empty()) {
    Node node = std::move(pending.back());
    pending.pop_back();
    auto next = co_await read(node);
    if (!next) co_return fail(next.error());
    for (auto& n : *next)
      if (try_arm(n)) pending.push_back(std::move(n));
  }
  co_return Result<void>{};
}

asio::awaitable<Result<std::vector<ZkTopicCache::Node>>> ZkTopicCache::read(Node node) {
  auto self = shared_from_this();  // alive until the read completes
  const std::string path = node.path();
  const auto closing = make_error_code(ZkErrc::closing);
  if (stopped_) co_return fail(closing);
  uint64_t issued = 0;
  {
    std::lock_guard lock(mutex_);
    issued = local_writes_;
  }
  if (node.kind == Node::Kind::topics) {
    auto children = co_await session_.get_children(path, watcher(node));
    if (!children) co_return fail(children.error());
    std::vector<Node> topics;
    for (auto& name : *children) topics.push_back(Node{Node::Kind::topic, std::move(name)});
    co_return topics;
  }
  auto got = co_await session_.get(path, watcher(node));
  if (stopped_) co_return fail(closing);
  if (got) co_return apply(node, *got);
  if (got.error() != ZkErrc::no_node) co_return fail(got.error());
  if (!forget(node, issued)) {
    disarm(node);
    co_return std::vector<Node>{};
  }
  auto exists = co_await session_.exists(path, watcher(node));
  if (stopped_) co_return fail(closing);
  if (!exists) co_return fail(exists.error());
  if (!*exists) co_return std::vector<Node>{};
  // Created in between: the exists watch is set (it fires on the next change); read the data.
  auto again = co_await session_.get(path);
  if (again) co_return apply(node, *again);
  if (again.error() == ZkErrc::no_node) co_return std::vector<Node>{};  // gone again: the watch fires
  co_return fail(again.error());
}

std::vector<ZkTopicCache::Node> ZkTopicCache::apply(const Node& node, const ZkNode& data) {
  const int64_t mzxid = data.stat.mzxid;
  // Replaces `slot` unless the copy is newer; true if the value changed.
  auto update = [mzxid](auto& slot, auto value) {
    if (slot.mzxid > mzxid) return false;
    slot.mzxid = mzxid;
    if (slot.value == value) return false;
    slot.value = std::move(value);
    return true;
  };
  std::vector<Node> next;
  bool changed_copy = false;
  switch (node.kind) {
    case Node::Kind::topic: {
      auto topic = decode_topic_assignment(node.topic, data.data);
      if (!topic) {
        log_warn("metadata", "ignoring unreadable " + node.path() + ": " + data.data);
        break;
      }
      next.push_back(Node{Node::Kind::config, node.topic});
      for (int32_t p = 0; p < topic->partitions; ++p) next.push_back(Node{Node::Kind::state, node.topic, p});
      std::lock_guard lock(mutex_);
      changed_copy = update(topics_[node.topic], std::move(*topic));
      break;
    }
    case Node::Kind::config: {
      auto configs = decode_topic_configs(data.data);
      if (!configs) {
        log_warn("metadata", "ignoring unreadable " + node.path() + ": " + data.data);
        break;
      }
      std::lock_guard lock(mutex_);
      changed_copy = update(configs_[node.topic], std::move(*configs));
      break;
    }
    case Node::Kind::state: {
      auto state = decode_partition_state(data.data, data.stat.version);
      if (!state) {
        log_warn("metadata", "ignoring unreadable " + node.path() + ": " + data.data);
        break;
      }
      std::lock_guard lock(mutex_);
      changed_copy = update(states_[{node.topic, node.partition}], std::move(*state));
      break;
    }
    case Node::Kind::topics: break;
  }
  if (changed_copy) changed();
  return next;
}

bool ZkTopicCache::forget(const Node& node, uint64_t issued) {
  bool erased = false;
  bool watch_creation = false;
  {
    std::lock_guard lock(mutex_);
    const bool topic_known = topics_.count(node.topic) != 0;
    // Erases `key` from `map` unless this broker put it there after the read was issued.
    auto erase_stale = [issued](auto& map, const auto& key) {
      auto it = map.find(key);
      if (it == map.end() || it->second.local_write > issued) return false;
      map.erase(it);
      return true;
    };
    switch (node.kind) {
      case Node::Kind::topic:
        erased = erase_stale(topics_, node.topic);
        if (erased) std::erase_if(states_, [&](const auto& entry) { return entry.first.first == node.topic; });
        break;
      case Node::Kind::config:
        erased = erase_stale(configs_, node.topic);
        watch_creation = !erased && topic_known;
        break;
      case Node::Kind::state:
        erased = erase_stale(states_, std::pair<std::string, int32_t>{node.topic, node.partition});
        watch_creation = !erased && topic_known;
        break;
      case Node::Kind::topics: break;
    }
  }
  if (erased) changed();
  return watch_creation;
}

bool ZkTopicCache::try_arm(const Node& node) {
  std::lock_guard lock(mutex_);
  return armed_.insert(node.path()).second;
}

void ZkTopicCache::disarm(const Node& node) {
  std::lock_guard lock(mutex_);
  armed_.erase(node.path());
}

ZkSession::Watcher ZkTopicCache::watcher(Node node) {
  return [weak = weak_from_this(), node = std::move(node)](const ZkWatchEvent& event) {
    auto self = weak.lock();
    if (!self) return;
    if (event.type == ZkWatchEvent::Type::session_expired || event.type == ZkWatchEvent::Type::closed) {
      self->stopped_ = true;
      return;
    }
    self->disarm(node);
    if (self->try_arm(node)) self->spawn_read(node);
  };
}

// A coroutine, not a capturing lambda: the frame must own `self` and `node`.
asio::awaitable<void> ZkTopicCache::read_and_follow(std::shared_ptr<ZkTopicCache> self, Node node) {
  auto next = co_await self->read(node);
  if (!next) {
    if (final_error(next.error())) {
      self->stopped_ = true;
      co_return;
    }
    log_warn("metadata", "reading " + node.path() + " failed (" + next.error().message() + "); trying again");
    self->retry_later(node);
    co_return;
  }
  for (auto& n : *next)
    if (self->try_arm(n)) self->spawn_read(n);
}

void ZkTopicCache::spawn_read(Node node) {
  if (stopped_) return;
  asio::co_spawn(executor_, read_and_follow(shared_from_this(), std::move(node)), [](std::exception_ptr e) {
    log_failure(e, "metadata", "reloading topic metadata from ZooKeeper failed");
  });
}

void ZkTopicCache::retry_later(Node node) {
  auto timer = std::make_shared<asio::steady_timer>(executor_, kRetryDelay);
  timer->async_wait([self = shared_from_this(), timer, node = std::move(node)](std::error_code ec) {
    if (!ec) self->spawn_read(node);
  });
}

void ZkTopicCache::changed() {
  if (notify_pending_.exchange(true)) return;
  asio::post(executor_, [self = shared_from_this()] {
    self->notify_pending_ = false;
    std::vector<std::function<void()>> listeners;
    {
      std::lock_guard lock(self->mutex_);
      listeners = self->listeners_;
    }
    for (auto& listener : listeners) listener();
  });
}

void ZkTopicCache::on_change(std::function<void()> listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

std::optional<TopicMetadata> ZkTopicCache::topic(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  TopicMetadata topic = it->second.value;
  if (auto config = configs_.find(name); config != configs_.end()) topic.configs = config->second.value;
  return topic;
}

std::vector<TopicMetadata> ZkTopicCache::topics() const {
  std::vector<std::string> names;
  {
    std::lock_guard lock(mutex_);
    for (const auto& entry : topics_) names.push_back(entry.first);
  }
  std::vector<TopicMetadata> all;
  for (const auto& name : names)
    if (auto topic = this->topic(name)) all.push_back(std::move(*topic));
  return all;
}

std::optional<PartitionState> ZkTopicCache::partition_state(const std::string& topic, int32_t partition) const {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(topic);
  if (it == topics_.end() || partition < 0 || partition >= it->second.value.partitions) return std::nullopt;
  auto state = states_.find({topic, partition});
  if (state == states_.end()) return std::nullopt;
  return state->second.value;
}

void ZkTopicCache::put_topic(const TopicMetadata& topic, const std::vector<PartitionState>& states) {
  {
    std::lock_guard lock(mutex_);
    TopicMetadata assignment = topic;
    assignment.configs.clear();
    const uint64_t stamp = ++local_writes_;
    topics_[topic.name] = {std::move(assignment), 0, stamp};
    configs_[topic.name] = {topic.configs, 0, stamp};
    for (size_t p = 0; p < states.size(); ++p)
      states_[{topic.name, static_cast<int32_t>(p)}] = {states[p], 0, stamp};
  }
  changed();
}

void ZkTopicCache::put_configs(const std::string& topic, const TopicConfigs& configs, int64_t mzxid) {
  {
    std::lock_guard lock(mutex_);
    auto& slot = configs_[topic];
    if (slot.mzxid > mzxid) return;
    slot = {configs, mzxid, ++local_writes_};
  }
  changed();
}

void ZkTopicCache::put_state(const std::string& topic, int32_t partition, const PartitionState& state,
                             int64_t mzxid) {
  {
    std::lock_guard lock(mutex_);
    if (!topics_.count(topic)) return;
    auto& slot = states_[{topic, partition}];
    if (slot.mzxid > mzxid) return;
    slot = {state, mzxid, ++local_writes_};
  }
  changed();
}

void ZkTopicCache::erase_topic(const std::string& topic) {
  {
    std::lock_guard lock(mutex_);
    topics_.erase(topic);
    configs_.erase(topic);
    std::erase_if(states_, [&](const auto& entry) { return entry.first.first == topic; });
  }
  changed();
}

}  // namespace runnel::broker
