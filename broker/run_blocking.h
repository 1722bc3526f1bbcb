#pragma once
// run_blocking: awaits a blocking call (segment deletion, a checkpoint
// write) run on a thread pool, so that an I/O thread never waits for the
// disk. The coroutine resumes on its own executor with the call's result.

#include <asio/async_result.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <memory>
#include <type_traits>
#include <utility>

namespace runnel::broker {

// `fn` runs on `pool` (it must not throw: an exception there is a bug and
// ends the process); its result is handed back on the awaiting coroutine's
// executor, which is kept busy meanwhile so that its run() does not return.
template <typename Fn, typename Result = std::invoke_result_t<Fn&>>
asio::awaitable<Result> run_blocking(asio::thread_pool& pool, Fn fn) {
  // Callers pass a lambda inside the co_await expression, and GCC 12 destroys such temporaries
  // twice: a captured shared_ptr would be released twice. Capture references only.
  static_assert(std::is_trivially_destructible_v<Fn>, "run_blocking: capture references only (GCC 12)");
  // A named initiation and a shared handler: GCC 12 destroys temporaries
  // inside a co_await expression twice (see Partition::wait_durable).
  auto initiation = [&pool, fn = std::move(fn)](auto handler) mutable {
    auto work = asio::make_work_guard(asio::get_associated_executor(handler));
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    asio::post(pool, [fn = std::move(fn), shared, work = std::move(work)]() mutable {
      auto result = std::make_shared<Result>(fn());
      asio::post(work.get_executor(), [shared, result] { (*shared)(std::move(*result)); });
      work.reset();
    });
  };
  constexpr auto token = asio::use_awaitable;
  co_return co_await asio::async_initiate<decltype(token), void(Result)>(initiation, token);
}

}  // namespace runnel::broker
