#include "broker/replication/replica_fetcher.h"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include "broker/logging.h"
#include "broker/replication/replica_fetcher_manager.h"
#include "broker/run_blocking.h"
#include "broker/services.h"
#include "broker/task_failure.h"
#include "protocol/messages/fetch.h"
#include "protocol/messages/offset_for_leader_epoch.h"
#include "storage/errc.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::FetchRequest;
using protocol::messages::FetchResponse;
using protocol::messages::OffsetForLeaderEpochRequest;
using protocol::messages::OffsetForLeaderEpochResponse;

constexpr int16_t kFetchVersion = 11;                 // current_leader_epoch (v9+), rack (v11)
constexpr int16_t kOffsetForLeaderEpochVersion = 3;   // replica_id (v3+)

}  // namespace

ReplicaFetcher::ReplicaFetcher(ReplicaFetcherManager& manager, int32_t leader)
    : manager_(manager),
      leader_(leader),
      client_(manager.strand_, "runnel-replica-fetcher-" + std::to_string(manager.config_.node_id)),
      timer_(manager.strand_) {}

void ReplicaFetcher::add(std::shared_ptr<Partition> partition, int32_t leader_epoch) {
  FetchState state;
  state.partition = std::move(partition);
  state.leader_epoch = leader_epoch;
  state.generation = next_generation_++;
  partitions_[state.partition->topic_partition()] = std::move(state);
  timer_.cancel();  // an idle wait ends
}

void ReplicaFetcher::remove(const storage::TopicPartition& tp) { partitions_.erase(tp); }

void ReplicaFetcher::start() {
  asio::co_spawn(manager_.strand_, [self = shared_from_this()] { return self->run(); },
                 [leader = leader_](std::exception_ptr e) {
                   log_failure(e, "replication", "the fetcher from broker " + std::to_string(leader) + " failed");
                 });
}

void ReplicaFetcher::stop() {
  stopped_ = true;
  client_.close();
  timer_.cancel();
}

asio::awaitable<void> ReplicaFetcher::sleep(std::chrono::milliseconds duration) {
  timer_.expires_after(duration);
  co_await timer_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
}

ReplicaFetcher::FetchState* ReplicaFetcher::current(const storage::TopicPartition& tp, uint64_t generation) {
  auto it = partitions_.find(tp);
  return it == partitions_.end() || it->second.generation != generation ? nullptr : &it->second;
}

void ReplicaFetcher::delay(FetchState& state) {
  state.delayed_until =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(manager_.config_.replica_fetch_backoff_ms);
}

asio::awaitable<void> ReplicaFetcher::run() {
  const auto backoff = std::chrono::milliseconds(manager_.config_.replica_fetch_backoff_ms);
  const auto socket_timeout = std::chrono::milliseconds(manager_.config_.replica_socket_timeout_ms);
  while (!stopped_ && !partitions_.empty()) {
    if (!client_.connected()) {
      auto endpoint = manager_.endpoint_of_(leader_);
      Result<void> connected = fail(std::make_error_code(std::errc::host_unreachable));
      if (endpoint) connected = co_await client_.connect(endpoint->host, endpoint->port, socket_timeout);
      if (!connected) {
        if (was_connected_)
          log_warn("replication", "cannot reach leader broker " + std::to_string(leader_) + ": " +
                                      (endpoint ? connected.error().message() : "not registered") + "; retrying");
        was_connected_ = false;
        co_await sleep(backoff);
        continue;
      }
      was_connected_ = true;
    }
    if (!co_await truncate_pending() || !co_await fetch_once()) {
      client_.close();
      co_await sleep(backoff);
    }
  }
  manager_.on_fetcher_idle(leader_, this);
}

asio::awaitable<bool> ReplicaFetcher::truncate_pending() {
  OffsetForLeaderEpochRequest request;
  request.replica_id = manager_.config_.node_id;
  std::vector<std::pair<storage::TopicPartition, uint64_t>> asked;
  const auto now = std::chrono::steady_clock::now();
  for (auto& [tp, state] : partitions_) {
    if (!state.truncating || state.delayed_until > now) continue;
    auto latest = state.partition->log().leader_epochs().latest();
    if (!latest) {  // nothing written under any epoch: nothing can diverge
      state.truncating = false;
      state.fetch_offset = state.partition->log().log_end_offset();
      continue;
    }
    if (request.topics.empty() || request.topics.back().topic != tp.topic) request.topics.emplace_back().topic = tp.topic;
    auto& p = request.topics.back().partitions.emplace_back();
    p.partition = tp.partition;
    p.current_leader_epoch = state.leader_epoch;
    p.leader_epoch = latest->epoch;
    asked.emplace_back(tp, state.generation);
  }
  if (asked.empty()) co_return true;
  auto response = co_await client_.send<OffsetForLeaderEpochResponse>(
      request, kOffsetForLeaderEpochVersion, std::chrono::milliseconds(manager_.config_.replica_socket_timeout_ms));
  if (!response) co_return false;
  for (const auto& topic : response->topics) {
    for (const auto& answer : topic.partitions) {
      storage::TopicPartition tp{topic.topic, answer.partition};
      uint64_t generation = 0;
      for (const auto& [a, g] : asked)
        if (a == tp) generation = g;
      FetchState* state = current(tp, generation);
      if (!state) continue;
      if (answer.error_code != 0) {
        delay(*state);
        continue;
      }
      auto partition = state->partition;
      storage::Log& log = partition->log();
      int64_t truncate_to = partition->high_watermark();  // the leader knows no such epoch
      if (answer.leader_epoch >= 0 && answer.end_offset >= 0) {
        truncate_to = std::min(answer.end_offset, log.log_end_offset());
        auto mine = log.leader_epochs().end_offset_for(answer.leader_epoch, log.log_end_offset());
        if (mine && mine->epoch == answer.leader_epoch) truncate_to = std::min(truncate_to, mine->start_offset);
      }
      truncate_to = std::min(truncate_to, log.log_end_offset());
      const int64_t before = log.log_end_offset();
      // The lambda captures references only: GCC 12 destroys a temporary inside a co_await
      // expression twice (broker/run_blocking.h), which would release a captured shared_ptr twice.
      auto truncated = co_await run_blocking(manager_.disk_pool_, [&partition, &truncate_to] {
        return partition->truncate_to(truncate_to);
      });
      state = current(tp, generation);
      if (!state) continue;
      if (!truncated) {
        log_error("replication", "truncating " + tp.dir_name() + " to " + std::to_string(truncate_to) +
                                     " failed: " + truncated.error().message());
        delay(*state);
        continue;
      }
      if (before != log.log_end_offset())
        log_info("replication", tp.dir_name() + ": truncated from " + std::to_string(before) + " to " +
                                    std::to_string(log.log_end_offset()) + " (leader " + std::to_string(leader_) +
                                    ", epoch " + std::to_string(answer.leader_epoch) + ")");
      state->truncating = false;
      state->fetch_offset = log.log_end_offset();
    }
  }
  co_return true;
}

asio::awaitable<bool> ReplicaFetcher::fetch_once() {
  const BrokerConfig& config = manager_.config_;
  FetchRequest request;
  request.replica_id = config.node_id;
  request.max_wait_ms = config.replica_fetch_wait_max_ms;
  request.min_bytes = 1;
  request.max_bytes = config.replica_fetch_max_bytes;
  std::map<storage::TopicPartition, uint64_t> asked;
  const auto now = std::chrono::steady_clock::now();
  for (auto& [tp, state] : partitions_) {
    if (state.truncating || state.delayed_until > now) continue;
    if (request.topics.empty() || request.topics.back().topic != tp.topic) request.topics.emplace_back().topic = tp.topic;
    auto& p = request.topics.back().partitions.emplace_back();
    p.partition = tp.partition;
    p.current_leader_epoch = state.leader_epoch;
    p.fetch_offset = state.fetch_offset;
    p.log_start_offset = state.partition->log().log_start_offset();
    p.partition_max_bytes = config.replica_fetch_max_bytes;
    asked.emplace(tp, state.generation);
  }
  if (asked.empty()) {  // every partition waits out a backoff, or is being truncated
    co_await sleep(std::chrono::milliseconds(std::max(10, config.replica_fetch_backoff_ms / 10)));
    co_return true;
  }
  const auto timeout = std::chrono::milliseconds(config.replica_socket_timeout_ms);
  auto response = co_await client_.send<FetchResponse>(request, kFetchVersion, timeout);
  if (!response) co_return false;
  for (const auto& topic : response->responses) {
    for (const auto& data : topic.partitions) {
      storage::TopicPartition tp{topic.topic, data.partition_index};
      auto asked_it = asked.find(tp);
      if (asked_it == asked.end()) continue;
      FetchState* state = current(tp, asked_it->second);
      if (!state) continue;
      auto partition = state->partition;
      const auto error = static_cast<ErrorCode>(data.error_code);
      if (error == ErrorCode::offset_out_of_range && data.log_start_offset > state->fetch_offset) {
        // The leader's log start passed this replica's log end while it was away: nothing in
        // between can be fetched, so the log restarts empty there (Kafka does the same).
        const int64_t leader_log_start = data.log_start_offset;
        auto restarted = co_await run_blocking(manager_.disk_pool_, [&partition, &leader_log_start] {
          return partition->restart_at_leader_log_start(leader_log_start);
        });  // references only, as above
        state = current(tp, asked_it->second);
        if (!state) continue;
        if (!restarted) {
          log_error("replication", tp.dir_name() + ": restarting the log at the leader's log start " +
                                       std::to_string(leader_log_start) + " failed: " + restarted.error().message());
          delay(*state);
          continue;
        }
        log_warn("replication", tp.dir_name() + ": log end " + std::to_string(state->fetch_offset) +
                                    " is below leader " + std::to_string(leader_) + "'s log start " +
                                    std::to_string(leader_log_start) + "; the log restarts empty there");
        state->fetch_offset = leader_log_start;
        continue;
      }
      if (error == ErrorCode::offset_out_of_range) {
        log_warn("replication", tp.dir_name() + ": fetch offset " + std::to_string(state->fetch_offset) +
                                    " out of range on leader " + std::to_string(leader_) + " (its log start " +
                                    std::to_string(data.log_start_offset) + "); truncating again");
        state->truncating = true;
        delay(*state);
        continue;
      }
      if (error != ErrorCode::none) {
        delay(*state);  // the store's next state moves the partition
        continue;
      }
      const int64_t leader_high_watermark = data.high_watermark;
      const int64_t leader_log_start = data.log_start_offset;
      const bool empty = !data.records.bytes || data.records.bytes->empty();
      if (empty && leader_log_start <= partition->log().log_start_offset()) {
        partition->set_follower_high_watermark(leader_high_watermark);
        continue;
      }
      const auto records = empty ? std::span<const std::byte>{} : *data.records.bytes;
      // The leader's log start (DeleteRecords, retention) follows the appended batches.
      auto appended = co_await run_blocking(manager_.disk_pool_, [&] {
        Result<storage::AppendInfo> info = storage::AppendInfo{};
        if (!records.empty()) info = partition->append_replicated(records, leader_high_watermark, BrokerServices::now_ms());
        else partition->set_follower_high_watermark(leader_high_watermark);
        if (!info) return info;
        if (auto moved = partition->follow_log_start(leader_log_start); !moved) return Result<storage::AppendInfo>{fail(moved.error())};
        return info;
      });  // references only, as above
      state = current(tp, asked_it->second);
      if (!state) continue;
      if (!appended) {
        log_error("replication", tp.dir_name() + ": appending fetched batches at " +
                                     std::to_string(state->fetch_offset) + " failed: " + appended.error().message() +
                                     "; truncating again");
        state->truncating = true;
        delay(*state);
        continue;
      }
      state->fetch_offset = partition->log().log_end_offset();
    }
  }
  co_return true;
}

}  // namespace runnel::broker
