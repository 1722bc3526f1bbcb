#include "broker/partition.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include "storage/errc.h"

namespace runnel::broker {

Partition::Partition(storage::TopicPartition tp, std::shared_ptr<storage::Log> log, asio::thread_pool& disk_pool)
    : tp_(std::move(tp)), log_(std::move(log)), disk_pool_(disk_pool) {
  if (auto latest = log_->leader_epochs().latest()) leader_epoch_ = latest->epoch;
}

int64_t Partition::high_watermark() const {
  return log_->config().durable() ? log_->flushed_offset() : log_->log_end_offset();
}

Result<storage::AppendInfo> Partition::append(std::span<std::byte> batch, int64_t now_ms) {
  auto info = log_->append_as_leader(batch, leader_epoch_, now_ms);
  if (info && !log_->config().durable()) {
    notify_waiters();
    if (log_->flush_due(now_ms)) schedule_flush();
  }
  return info;
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
  using protocol::ErrorCode;
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
      if (durable_waiters_.empty()) flush_scheduled_ = false;
    }
    const std::error_code ec = result ? std::error_code{} : result.error();
    for (auto& complete : done) complete(ec);
    if (log_->config().durable()) notify_waiters();
    std::lock_guard lock(mutex_);
    if (!flush_scheduled_) return;  // more waiters arrived during the fsync: go again
  }
}

uint64_t Partition::add_waiter(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  hw_waiters_.emplace(next_waiter_id_, std::move(wake));
  return next_waiter_id_++;
}

void Partition::remove_waiter(uint64_t id) {
  std::lock_guard lock(mutex_);
  hw_waiters_.erase(id);
}

void Partition::notify_waiters() {
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, wake] : hw_waiters_) wakes.push_back(wake);
  }
  for (auto& wake : wakes) wake();
}

}  // namespace runnel::broker
