#include "broker/partition.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "storage/errc.h"

namespace runnel::broker {

using protocol::ErrorCode;

Partition::Partition(storage::TopicPartition tp, std::shared_ptr<storage::Log> log, asio::thread_pool& disk_pool,
                     int32_t self, IsrWriter isr_writer, std::chrono::microseconds flush_linger)
    : tp_(std::move(tp)),
      log_(std::move(log)),
      disk_pool_(disk_pool),
      self_(self),
      flush_linger_(flush_linger),
      isr_writer_(std::move(isr_writer)) {
  if (auto latest = log_->leader_epochs().latest()) leader_epoch_ = latest->epoch;
  high_watermark_ = log_->high_watermark();  // from replication-offset-checkpoint
}

size_t Partition::isr_size() const {
  std::lock_guard lock(mutex_);
  return tracker_.isr().size();
}

int64_t Partition::local_offset() const {
  return log_->config().durable() ? log_->flushed_offset() : log_->log_end_offset();
}

Partition::Transition Partition::apply_state(const PartitionState& state, const std::vector<int32_t>& replicas,
                                             int64_t now_ms) {
  Transition transition = Transition::none;
  bool lost_leadership = false;
  {
    std::lock_guard lock(mutex_);
    if (state_applied_ && (state.leader_epoch < state_.leader_epoch ||
                           (state.leader_epoch == state_.leader_epoch && state.version < state_.version)))
      return Transition::none;
    const bool new_leadership =
        !state_applied_ || leader_.load() != state.leader || leader_epoch_.load() != state.leader_epoch;
    lost_leadership = leader_.load() == self_ && state.leader != self_;
    if (state.leader == self_ && new_leadership) {
      // A new leader epoch starts at the log end (KIP-101); the cache ignores an epoch it has
      // (a restarted single-node leader).
      if (auto r = log_->leader_epochs().assign(state.leader_epoch, log_->log_end_offset()); !r)
        return Transition::none;  // the cache could not be written: stay as we were
      epoch_start_offset_ = log_->log_end_offset();
      tracker_.reset(self_, replicas, state.isr, now_ms);
      isr_change_pending_ = false;
      transition = Transition::became_leader;
    } else if (new_leadership) {
      transition = Transition::became_follower;
    } else if (!(state == state_)) {
      if (state.leader == self_) tracker_.set_isr(state.isr);
      transition = Transition::changed;
    }
    leader_epoch_ = state.leader_epoch;
    leader_ = state.leader;
    state_ = state;
    state_applied_ = true;
    sole_in_sync_ = state.leader == self_ && state.isr == std::vector<int32_t>{self_};
  }
  if (lost_leadership) fail_high_watermark_waiters(ErrorCode::not_leader_or_follower);
  advance_high_watermark();
  return transition;
}

Result<storage::AppendInfo> Partition::append(std::span<std::byte> batch, int64_t now_ms) {
  auto info = log_->append_as_leader(batch, leader_epoch_.load(), now_ms);
  if (!info) return info;
  notify_waiters(true);
  if (!log_->config().durable()) {
    advance_high_watermark();
    if (log_->flush_due(now_ms)) schedule_flush();
  }
  return info;
}

void Partition::advance_high_watermark() {
  std::vector<std::function<void(ErrorCode)>> reached;
  {
    std::lock_guard lock(mutex_);
    if (leader_.load() != self_) return;
    const int64_t candidate = tracker_.high_watermark_candidate(local_offset());
    if (candidate <= high_watermark_.load()) return;
    high_watermark_ = candidate;
    auto end = high_watermark_waiters_.upper_bound(candidate);
    for (auto it = high_watermark_waiters_.begin(); it != end; ++it) reached.push_back(std::move(it->second.complete));
    high_watermark_waiters_.erase(high_watermark_waiters_.begin(), end);
  }
  for (auto& complete : reached) complete(ErrorCode::none);
  notify_waiters();
}

void Partition::fail_high_watermark_waiters(ErrorCode error) {
  std::multimap<int64_t, HighWatermarkWaiter> waiters;
  {
    std::lock_guard lock(mutex_);
    waiters.swap(high_watermark_waiters_);
  }
  for (auto& [offset, waiter] : waiters) waiter.complete(error);
}

asio::awaitable<ErrorCode> Partition::wait_high_watermark(int64_t offset, int64_t timeout_ms) {
  if (high_watermark_.load() >= offset) co_return ErrorCode::none;
  // A named initiation, as in wait_durable. The timer's wait starts before the waiter is
  // registered, so a completion (which cancels it, from any thread) never races its start;
  // `once` lets only the first of completion and timeout through.
  auto initiation = [self = shared_from_this(), offset, timeout_ms](auto handler) {
    auto executor = asio::get_associated_executor(handler);
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    auto timer = std::make_shared<asio::steady_timer>(executor, std::chrono::milliseconds(std::max<int64_t>(0, timeout_ms)));
    auto once = std::make_shared<std::atomic<bool>>(false);
    std::function<void(ErrorCode)> complete = [shared, timer, once, executor](ErrorCode error) {
      if (once->exchange(true)) return;
      asio::post(executor, [shared, timer, error]() mutable {
        timer->cancel();
        (*shared)(error);
      });
    };
    auto id = std::make_shared<uint64_t>(0);
    timer->async_wait([weak = std::weak_ptr<Partition>(self), id, complete](std::error_code ec) {
      if (ec) return;  // cancelled: completed
      if (auto partition = weak.lock()) {
        std::lock_guard lock(partition->mutex_);
        for (auto it = partition->high_watermark_waiters_.begin(); it != partition->high_watermark_waiters_.end(); ++it)
          if (it->second.id == *id) {
            partition->high_watermark_waiters_.erase(it);
            break;
          }
      }
      complete(ErrorCode::request_timed_out);
    });
    ErrorCode immediate = ErrorCode::none;
    bool registered = false;
    {
      std::lock_guard lock(self->mutex_);
      if (self->leader_.load() != self->self_) {
        immediate = ErrorCode::not_leader_or_follower;
      } else if (self->high_watermark_.load() < offset) {
        *id = self->next_waiter_id_++;
        self->high_watermark_waiters_.emplace(offset, HighWatermarkWaiter{*id, complete});
        registered = true;
      }
    }
    if (!registered) complete(immediate);
  };
  constexpr auto token = asio::use_awaitable;
  co_return co_await asio::async_initiate<decltype(token), void(ErrorCode)>(initiation, token);
}

void Partition::record_follower_fetch(int32_t replica, int64_t fetch_offset, int64_t now_ms) {
  std::optional<PartitionState> proposal;
  {
    std::lock_guard lock(mutex_);
    if (leader_.load() != self_) return;
    tracker_.on_follower_fetch(replica, fetch_offset, log_->log_end_offset(), now_ms);
    if (!tracker_.in_isr(replica) && !isr_change_pending_) {
      auto isr = tracker_.expanded_isr(high_watermark_.load(), epoch_start_offset_);
      if (isr != tracker_.isr()) {
        proposal = state_;
        proposal->isr = std::move(isr);
        isr_change_pending_ = true;
      }
    }
  }
  advance_high_watermark();
  if (proposal) propose_isr(*proposal);
}

void Partition::shrink_isr(int64_t now_ms, int64_t lag_ms) {
  std::optional<PartitionState> proposal;
  {
    std::lock_guard lock(mutex_);
    if (leader_.load() != self_ || isr_change_pending_) return;
    auto isr = tracker_.shrunk_isr(now_ms, lag_ms);
    if (isr == tracker_.isr()) return;
    proposal = state_;
    proposal->isr = std::move(isr);
    isr_change_pending_ = true;
  }
  propose_isr(*proposal);
}

void Partition::restart_follower_lag_clocks(int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (leader_.load() == self_) tracker_.restart_lag_clocks(now_ms);
}

void Partition::propose_isr(PartitionState proposal) {
  if (!isr_writer_) {
    std::lock_guard lock(mutex_);
    isr_change_pending_ = false;
    return;
  }
  isr_writer_(proposal, [weak = weak_from_this()](Result<PartitionState> stored) {
    auto self = weak.lock();
    if (!self) return;
    std::vector<int32_t> replicas;
    {
      std::lock_guard lock(self->mutex_);
      self->isr_change_pending_ = false;
      replicas = self->tracker_.replicas();
    }
    // On a lost compare-and-set the store's newer state arrives through the reconciliation.
    if (stored) self->apply_state(*stored, replicas, 0);
  });
}

Result<storage::AppendInfo> Partition::append_replicated(std::span<const std::byte> batches,
                                                          int64_t leader_high_watermark, int64_t now_ms) {
  auto info = log_->append_with_offsets(batches, now_ms);
  if (!info) return info;
  if (log_->config().durable())
    if (auto flushed = log_->flush(); !flushed) return fail(flushed.error());
  set_follower_high_watermark(leader_high_watermark);
  return info;
}

Result<void> Partition::follow_log_start(int64_t leader_log_start_offset) {
  const int64_t target = std::min(leader_log_start_offset, log_->log_end_offset());
  if (target <= log_->log_start_offset()) return {};
  return log_->advance_log_start_offset(target);
}

Result<void> Partition::truncate_to(int64_t offset) {
  if (auto r = log_->truncate_to(offset); !r) return r;
  int64_t hw = high_watermark_.load();
  while (hw > log_->log_end_offset() && !high_watermark_.compare_exchange_weak(hw, log_->log_end_offset())) {
  }
  return {};
}

Result<void> Partition::restart_at_leader_log_start(int64_t leader_log_start_offset) {
  if (auto r = log_->truncate_fully_and_start_at(leader_log_start_offset); !r) return r;
  high_watermark_ = leader_log_start_offset;
  return {};
}

void Partition::set_follower_high_watermark(int64_t leader_high_watermark) {
  if (leader_.load() == self_) return;
  const int64_t hw = std::min(leader_high_watermark, log_->log_end_offset());
  int64_t current = high_watermark_.load();
  while (hw > current && !high_watermark_.compare_exchange_weak(current, hw)) {
  }
}

asio::awaitable<Result<void>> Partition::wait_durable(int64_t offset) {
  if (log_->flushed_offset() >= offset) co_return Result<void>{};
  // A named initiation: GCC 12 destroys temporaries inside a co_await
  // expression twice, which would release `self` once too often.
  auto initiation = [self = shared_from_this(), offset](auto handler) {
    auto executor = asio::get_associated_executor(handler);
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    std::function<void(std::error_code)> complete = [shared, executor](std::error_code ec) {
      asio::post(executor, [shared, ec]() mutable { (*shared)(ec); });
    };
    {
      std::lock_guard lock(self->mutex_);
      if (self->log_->flushed_offset() < offset) {
        self->durable_waiters_.emplace(offset, std::move(complete));
        complete = nullptr;
      }
    }
    if (complete) complete({});
    else self->schedule_flush();
  };
  constexpr auto token = asio::experimental::as_tuple(asio::use_awaitable);
  auto [ec] = co_await asio::async_initiate<decltype(token), void(std::error_code)>(initiation, token);
  if (ec) co_return fail(ec);
  co_return Result<void>{};
}

Partition::DeleteRecordsResult Partition::delete_records_before(int64_t offset) {
  if (!log_->config().cleanup_delete) return {ErrorCode::policy_violation};
  const int64_t high_watermark = this->high_watermark();
  if (offset == kDeleteToHighWatermark) offset = high_watermark;
  if (offset < 0 || offset > high_watermark) return {ErrorCode::offset_out_of_range};
  if (auto moved = log_->advance_log_start_offset(offset); !moved) return {storage::to_kafka_error(moved.error())};
  return {ErrorCode::none, log_->log_start_offset()};
}

void Partition::schedule_flush() {
  {
    std::lock_guard lock(mutex_);
    if (flush_scheduled_) return;
    flush_scheduled_ = true;
  }
  asio::post(disk_pool_, [self = shared_from_this()] { self->run_flush(); });
}

void Partition::flush_in_background() { schedule_flush(); }

void Partition::set_config(const storage::LogConfig& config) {
  const bool to_durable = config.durable() && !log_->config().durable();
  // If this fsync fails, the high watermark waits at the flushed offset for
  // the background flush below, which also covers appends racing with this.
  if (to_durable) (void)log_->flush();
  log_->set_config(config);
  if (to_durable) schedule_flush();
  advance_high_watermark();
  notify_waiters();
}

void Partition::run_flush() {
  for (;;) {
    auto result = log_->flush();
    std::vector<std::function<void(std::error_code)>> done;
    {
      std::lock_guard lock(mutex_);
      const int64_t flushed = log_->flushed_offset();
      auto end = result ? durable_waiters_.upper_bound(flushed) : durable_waiters_.end();
      for (auto it = durable_waiters_.begin(); it != end; ++it) done.push_back(std::move(it->second));
      durable_waiters_.erase(durable_waiters_.begin(), end);
      // Durable mode: an append that found this flush running left the flush
      // of its bytes to this loop (schedule_flush() saw flush_scheduled_), so
      // go again while any are unflushed. An append after this check finds
      // flush_scheduled_ false and schedules its own flush.
      const bool unflushed = result && log_->config().durable() && flushed < log_->log_end_offset();
      if (durable_waiters_.empty() && !unflushed) flush_scheduled_ = false;
    }
    const std::error_code ec = result ? std::error_code{} : result.error();
    for (auto& complete : done) complete(ec);
    if (log_->config().durable()) advance_high_watermark();
    {
      std::lock_guard lock(mutex_);
      if (!flush_scheduled_) return;
    }
    // More waiters or appends arrived during the fsync: go again, after the
    // linger. Until then flush_scheduled_ stays set, so new appends join this one.
    // The timer lives in its own handler: a member timer would outlive the
    // disk pool's timer service when the broker is destroyed.
    if (flush_linger_.count() > 0) {
      auto timer = std::make_shared<asio::steady_timer>(disk_pool_.get_executor(), flush_linger_);
      timer->async_wait([self = shared_from_this(), timer](std::error_code) { self->run_flush(); });
      return;
    }
  }
}

uint64_t Partition::add_waiter(std::function<void()> wake, bool on_append) {
  std::lock_guard lock(mutex_);
  fetch_waiters_.emplace(next_waiter_id_, FetchWaiter{std::move(wake), on_append});
  return next_waiter_id_++;
}

void Partition::remove_waiter(uint64_t id) {
  std::lock_guard lock(mutex_);
  fetch_waiters_.erase(id);
}

void Partition::notify_waiters(bool appended_only) {
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, waiter] : fetch_waiters_)
      if (!appended_only || waiter.on_append) wakes.push_back(waiter.wake);
  }
  for (auto& wake : wakes) wake();
}

}  // namespace runnel::broker
