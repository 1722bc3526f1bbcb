#include "broker/coordination/zk_metadata_store.h"

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <future>

#include "broker/coordination/zk_topic_layout.h"
#include "broker/logging.h"
#include "broker/task_failure.h"
#include "protocol/errc.h"

namespace runnel::broker {
namespace {

// The initial state of each partition: the first replica leads, all replicas are in sync.
std::vector<PartitionState> initial_states(const TopicMetadata& topic) {
  std::vector<PartitionState> states;
  for (const auto& replicas : topic.assignment) states.push_back(PartitionState{replicas.at(0), 0, replicas, 0, 0});
  return states;
}

// Creates `path`; a node already there is fine.
asio::awaitable<Result<void>> create_if_missing(ZkSession& session, std::string path, std::string data = {}) {
  auto created = co_await session.create(std::move(path), std::move(data));
  if (!created && created.error() != ZkErrc::node_exists) co_return fail(created.error());
  co_return Result<void>{};
}

// Removes `path`; a node already gone is fine.
asio::awaitable<Result<void>> remove_if_present(ZkSession& session, std::string path) {
  auto removed = co_await session.remove(std::move(path));
  if (!removed && removed.error() != ZkErrc::no_node) co_return fail(removed.error());
  co_return Result<void>{};
}

}  // namespace

ZkMetadataStore::ZkMetadataStore(ZkSession& session, asio::any_io_executor executor, MetadataStore& local,
                                 std::chrono::milliseconds timeout, int32_t node_id)
    : session_(session),
      executor_(executor),
      local_(local),
      timeout_(timeout),
      node_id_(node_id),
      cache_(std::make_shared<ZkTopicCache>(session, executor)) {}

ZkMetadataStore::~ZkMetadataStore() {
  cache()->stop();
  pool_.stop();
  pool_.join();
}

Result<std::unique_ptr<ZkMetadataStore>> ZkMetadataStore::open(ZkSession& session, asio::any_io_executor executor,
                                                               MetadataStore& local,
                                                               std::chrono::milliseconds timeout, int32_t node_id) {
  std::unique_ptr<ZkMetadataStore> store(new ZkMetadataStore(session, std::move(executor), local, timeout, node_id));
  if (auto parents = store->wait(store->create_parents()); !parents) return fail(parents.error());
  if (auto loaded = store->wait(store->cache_->load()); !loaded) return fail(loaded.error());
  return store;
}

template <class T>
Result<T> ZkMetadataStore::wait(asio::awaitable<Result<T>> op) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  asio::co_spawn(pool_, std::move(op), [promise](std::exception_ptr e, Result<T> result) {
    if (e)
      promise->set_exception(e);
    else
      promise->set_value(std::move(result));
  });
  if (future.wait_for(timeout_) != std::future_status::ready) return fail(MetadataErrc::unavailable);
  return future.get();
}

asio::awaitable<Result<void>> ZkMetadataStore::create_parents() {
  for (const char* path : {"/brokers", kTopicsPath, "/config", kTopicConfigsPath})
    if (auto created = co_await create_if_missing(session_, path); !created) co_return created;
  co_return Result<void>{};
}

asio::awaitable<Result<void>> ZkMetadataStore::create(TopicMetadata topic) {
  // Kafka checks first, so that a duplicate creation leaves the existing topic's configs alone.
  auto existing = co_await session_.exists(topic_path(topic.name));
  if (!existing) co_return fail(existing.error());
  if (*existing) co_return fail(MetadataErrc::topic_already_exists);

  const std::string configs = encode_topic_configs(topic.configs);
  auto config = co_await session_.create(topic_config_path(topic.name), configs);
  if (!config && config.error() == ZkErrc::node_exists) {  // a leftover of an earlier topic
    auto replaced = co_await session_.set(topic_config_path(topic.name), configs);
    if (!replaced) co_return fail(replaced.error());
  } else if (!config) {
    co_return fail(config.error());
  }
  auto created = co_await session_.create(topic_path(topic.name), encode_topic_assignment(topic));
  if (!created)
    co_return fail(created.error() == ZkErrc::node_exists ? make_error_code(MetadataErrc::topic_already_exists)
                                                           : created.error());
  const auto states = initial_states(topic);
  if (auto r = co_await create_if_missing(session_, partitions_path(topic.name)); !r) co_return r;
  for (int32_t p = 0; p < static_cast<int32_t>(states.size()); ++p) {
    if (auto r = co_await create_if_missing(session_, partition_path(topic.name, p)); !r) co_return r;
    auto state = co_await session_.create(partition_state_path(topic.name, p), encode_partition_state(states[p]));
    if (!state) co_return fail(state.error());
  }
  cache()->put_topic(topic, states);
  co_return Result<void>{};
}

asio::awaitable<Result<void>> ZkMetadataStore::put(TopicMetadata topic) {
  auto existing = co_await session_.exists(topic_path(topic.name));
  if (!existing) co_return fail(existing.error());
  if (!*existing) co_return co_await create(std::move(topic));
  const std::string configs = encode_topic_configs(topic.configs);
  auto set = co_await session_.set(topic_config_path(topic.name), configs);
  if (set) {
    cache()->put_configs(topic.name, topic.configs, set->mzxid);
    co_return Result<void>{};
  }
  if (set.error() != ZkErrc::no_node) co_return fail(set.error());
  auto created = co_await session_.create(topic_config_path(topic.name), configs);
  if (!created) co_return fail(created.error());
  cache()->put_configs(topic.name, topic.configs, 0);
  co_return Result<void>{};
}

asio::awaitable<Result<void>> ZkMetadataStore::remove(std::string name) {
  auto partitions = co_await session_.get_children(partitions_path(name));
  if (!partitions && partitions.error() != ZkErrc::no_node) co_return fail(partitions.error());
  if (partitions) {
    for (const auto& p : *partitions) {
      const std::string path = partitions_path(name) + "/" + p;
      if (auto r = co_await remove_if_present(session_, path + "/state"); !r) co_return r;
      if (auto r = co_await remove_if_present(session_, path); !r) co_return r;
    }
  }
  if (auto r = co_await remove_if_present(session_, partitions_path(name)); !r) co_return r;
  if (auto r = co_await remove_if_present(session_, topic_path(name)); !r) co_return r;
  if (auto r = co_await remove_if_present(session_, topic_config_path(name)); !r) co_return r;
  cache()->erase_topic(name);
  co_return Result<void>{};
}

asio::awaitable<Result<int64_t>> ZkMetadataStore::allocate(int64_t count) {
  for (;;) {
    auto node = co_await session_.get(kProducerIdBlockPath);
    if (!node && node.error() != ZkErrc::no_node) co_return fail(node.error());
    if (!node) {
      auto created = co_await session_.create(kProducerIdBlockPath,
                                              encode_producer_id_block(ProducerIdBlock{node_id_, 0, count - 1}));
      if (created) co_return int64_t{0};
      if (created.error() != ZkErrc::node_exists) co_return fail(created.error());
      continue;  // another broker created it first
    }
    auto last = decode_producer_id_block(node->data);
    if (!last) co_return fail(protocol::Errc::invalid_record);
    const ProducerIdBlock next{node_id_, last->last + 1, last->last + count};
    auto set = co_await session_.set(kProducerIdBlockPath, encode_producer_id_block(next), node->stat.version);
    if (set) co_return next.first;
    if (set.error() != ZkErrc::bad_version) co_return fail(set.error());
    // Another broker took the next block meanwhile: read it again.
  }
}

Result<void> ZkMetadataStore::create_topic(const TopicMetadata& topic) { return wait(create(topic)); }
Result<void> ZkMetadataStore::put_topic(const TopicMetadata& topic) { return wait(put(topic)); }
Result<void> ZkMetadataStore::delete_topic(const std::string& name) { return wait(remove(name)); }
Result<int64_t> ZkMetadataStore::allocate_producer_ids(int64_t count) { return wait(allocate(count)); }

std::shared_ptr<ZkTopicCache> ZkMetadataStore::cache() const {
  std::lock_guard lock(cache_mutex_);
  return cache_;
}

std::optional<TopicMetadata> ZkMetadataStore::topic(const std::string& name) const { return cache()->topic(name); }
std::vector<TopicMetadata> ZkMetadataStore::topics() const { return cache()->topics(); }
std::optional<PartitionState> ZkMetadataStore::partition_state(const std::string& topic, int32_t partition) const {
  return cache()->partition_state(topic, partition);
}

void ZkMetadataStore::on_change(std::function<void()> listener) {
  std::lock_guard lock(cache_mutex_);
  listeners_.push_back(listener);
  cache_->on_change(std::move(listener));
}

void ZkMetadataStore::reload(std::function<void()> loaded) {
  asio::co_spawn(pool_, load_new_copy(std::move(loaded)), [](std::exception_ptr e) {
    log_failure(e, "metadata", "reloading the metadata from ZooKeeper failed");
  });
}

asio::awaitable<void> ZkMetadataStore::load_new_copy(std::function<void()> done) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    auto fresh = std::make_shared<ZkTopicCache>(session_, executor_);
    auto loaded = co_await fresh->load();
    if (loaded) {
      std::shared_ptr<ZkTopicCache> old;
      std::vector<std::function<void()>> listeners;
      {
        std::lock_guard lock(cache_mutex_);
        for (const auto& listener : listeners_) fresh->on_change(listener);
        listeners = listeners_;
        old = std::exchange(cache_, fresh);
      }
      old->stop();
      log_info("metadata", "reloaded " + std::to_string(fresh->topics().size()) + " topic(s) from ZooKeeper");
      for (auto& listener : listeners) asio::post(executor_, listener);
      if (done) done();
      co_return;
    }
    fresh->stop();
    if (loaded.error() == ZkErrc::closing || loaded.error() == ZkErrc::session_expired) co_return;
    log_warn("metadata", "reloading the metadata from ZooKeeper failed (" + loaded.error().message() +
                             "); trying again");
    timer.expires_after(std::chrono::milliseconds(500));
    co_await timer.async_wait(asio::use_awaitable);
  }
}

void ZkMetadataStore::update_partition_state(const std::string& topic, int32_t partition,
                                             const PartitionState& state,
                                             std::function<void(Result<PartitionState>)> done) {
  session_.set(partition_state_path(topic, partition), encode_partition_state(state), state.version,
               [cache = cache(), executor = executor_, topic, partition, state,
                done = std::move(done)](Result<ZkStat> stat) mutable {
                 Result<PartitionState> result = fail(MetadataErrc::stale_version);
                 if (stat) {
                   PartitionState stored = state;
                   stored.version = stat->version;
                   cache->put_state(topic, partition, stored, stat->mzxid);
                   result = stored;
                 } else if (stat.error() != ZkErrc::bad_version) {
                   result = fail(stat.error());
                 }
                 asio::post(executor, [done = std::move(done), result = std::move(result)]() mutable {
                   done(std::move(result));
                 });
               });
}

std::optional<TransactionalProducer> ZkMetadataStore::transactional_producer(
    const std::string& transactional_id) const {
  return local_.transactional_producer(transactional_id);
}

Result<void> ZkMetadataStore::put_transactional_producer(const std::string& transactional_id,
                                                         const TransactionalProducer& producer) {
  return local_.put_transactional_producer(transactional_id, producer);
}

Result<size_t> ZkMetadataStore::expire_transactional_ids(int64_t now_ms, int64_t expiration_ms) {
  return local_.expire_transactional_ids(now_ms, expiration_ms);
}

}  // namespace runnel::broker
