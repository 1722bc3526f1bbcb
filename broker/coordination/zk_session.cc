#include "broker/coordination/zk_session.h"

#include <zookeeper/zookeeper.h>

#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace runnel::broker {
namespace {

// What a C client completion carries, whatever the operation.
struct Reply {
  int rc = ZOK;
  std::string value;  // created path or node data
  std::optional<ZkStat> stat;
  std::vector<std::string> children;
};

ZkStat to_stat(const Stat& s) {
  return {s.czxid, s.mzxid, s.version, s.cversion, s.ephemeralOwner, s.numChildren};
}

int to_mode(ZkCreateMode mode) {
  switch (mode) {
    case ZkCreateMode::persistent: return ZOO_PERSISTENT;
    case ZkCreateMode::ephemeral: return ZOO_EPHEMERAL;
    case ZkCreateMode::persistent_sequential: return ZOO_PERSISTENT_SEQUENTIAL;
    case ZkCreateMode::ephemeral_sequential: return ZOO_EPHEMERAL_SEQUENTIAL;
  }
  return ZOO_PERSISTENT;
}

std::once_flag log_level_once;
std::function<void(ZkClientLogLevel, std::string_view)> client_log_sink;  // set before any session

// The C client formats "<time>:<pid>(<thread>):ZOO_<LEVEL>@<function>@<line>: <message>\n".
void forward_client_log(const char* line) {
  std::string_view text(line);
  if (!client_log_sink) {
    std::fwrite(text.data(), 1, text.size(), stderr);
    return;
  }
  ZkClientLogLevel level = ZkClientLogLevel::info;
  if (text.find(":ZOO_ERROR@") != std::string_view::npos) level = ZkClientLogLevel::error;
  else if (text.find(":ZOO_WARN@") != std::string_view::npos) level = ZkClientLogLevel::warn;
  if (auto at = text.find(":ZOO_"); at != std::string_view::npos) {
    if (auto body = text.find(": ", at + 1); body != std::string_view::npos) text.remove_prefix(body + 2);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  client_log_sink(level, text);
}

// Set while an awaitable form starts its operation (await_result): that operation completes
// straight from the C client's thread into the awaiting coroutine's executor, without a hop
// through the session's executor, so the awaitable forms work while that executor is not running
// (a broker starting up, a store's own thread). Its `done` only posts, so no user code runs on
// the C client's thread.
thread_local bool t_starting_awaitable = false;

// Adapts `done` to the C client's reply: its error, or `value(reply)` (ignored for void).
template <class T, class Value>
std::function<void(Reply&)> deliver(std::function<void(Result<T>)> done, Value value) {
  return [done = std::move(done), value](Reply& reply) {
    if (reply.rc != ZOK) return done(fail(zk_error(reply.rc)));
    if constexpr (std::is_void_v<T>) {
      done({});
    } else {
      done(value(reply));
    }
  };
}

// Runs `start(done)` and resumes the awaiting coroutine on its own executor with the result.
// GCC 12 destroys temporaries inside a co_await expression twice (see broker/partition.cc,
// wait_durable): the initiation holds only a pointer to `start`, a named local of the caller that
// outlives the co_await, and callers' `start` lambdas capture references only.
template <class T, class Start>
asio::awaitable<Result<T>> await_result(const Start& start) {
  const Start* start_ptr = &start;
  auto initiation = [start_ptr](auto handler) {
    auto executor = asio::get_associated_executor(handler);
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    t_starting_awaitable = true;
    (*start_ptr)([shared, executor](Result<T> result) {
      asio::post(executor, [shared, result = std::move(result)]() mutable { (*shared)(std::move(result)); });
    });
    t_starting_awaitable = false;
  };
  auto result = co_await asio::async_initiate<decltype(asio::use_awaitable), void(Result<T>)>(initiation,
                                                                                             asio::use_awaitable);
  co_return result;
}

}  // namespace

// The state the C client's threads see. It outlives the zhandle: ~ZkSession closes the handle
// (which joins the C client's threads) before releasing it.
struct ZkSession::Core : std::enable_shared_from_this<ZkSession::Core> {
  struct Watch {
    Watcher fn;
  };
  struct Op {
    Core* core;
    std::function<void(Reply&)> done;
    Watch* watch = nullptr;         // a watch registered with this operation, if any
    bool watch_on_no_node = false;  // exists: the watch is set even when the node is missing
    bool direct = false;            // started by an awaitable form: `done` runs on the C client's thread
  };

  asio::any_io_executor executor;
  StateCallback on_state;
  Options options;
  std::atomic<int64_t> session_id{0};

  std::mutex handle_mutex;  // guards zh: calls hold it, close() takes the handle away under it
  zhandle_t* zh = nullptr;
  std::thread closer;
  std::vector<std::thread> retirers;  // closing handles replaced by renew(); guarded by handle_mutex

  std::mutex mutex;  // guards ops, watches and retired, which own what the C client points at
  std::unordered_map<Op*, std::unique_ptr<Op>> ops;
  std::unordered_map<Watch*, std::unique_ptr<Watch>> watches;
  std::unordered_set<zhandle_t*> retired;  // replaced by renew(), not yet closed: states ignored

  // A new handle connecting with `options`; null (errno set) when the C client refuses.
  zhandle_t* open_handle() {
    return zookeeper_init2(options.connect.c_str(), &Core::on_session_event,
                           static_cast<int>(options.session_timeout.count()), nullptr, this, 0, &forward_client_log);
  }

  // Waits for the handles renew() replaced to be closed, so that nothing of theirs is still
  // running when fail_all() runs or the core goes.
  void join_retirers() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(handle_mutex);
      threads.swap(retirers);
    }
    for (auto& t : threads) t.join();
  }

  bool is_retired(zhandle_t* handle) {
    std::lock_guard lock(mutex);
    return retired.count(handle) > 0;
  }

  // Removes `key` from `map` (the caller holds `mutex`) and returns what it owned, or null.
  template <class T>
  static std::unique_ptr<T> take(std::unordered_map<T*, std::unique_ptr<T>>& map, T* key) {
    auto node = map.extract(key);
    return node.empty() ? nullptr : std::move(node.mapped());
  }

  Watch* add_watch(Watcher fn) {
    if (!fn) return nullptr;
    auto watch = std::make_unique<Watch>(Watch{std::move(fn)});
    Watch* raw = watch.get();
    std::lock_guard lock(mutex);
    watches.emplace(raw, std::move(watch));
    return raw;
  }

  // Queues one C client call: `call(op)` returns the C client's code; a failure there completes
  // the operation at once.
  template <class Call>
  void start(std::function<void(Reply&)> done, Watch* watch, bool watch_on_no_node, Call call) {
    auto op = std::make_unique<Op>(Op{this, std::move(done), watch, watch_on_no_node, t_starting_awaitable});
    Op* raw = op.get();
    {
      std::lock_guard lock(mutex);
      ops.emplace(raw, std::move(op));
    }
    int rc = ZCLOSING;
    {
      std::lock_guard lock(handle_mutex);
      if (zh != nullptr) rc = call(zh, raw);
    }
    if (rc != ZOK) finish(raw, Reply{rc});
  }

  // Completes `op` on the executor (from the C client's completion thread, or a failed call).
  void finish(Op* op, Reply reply) {
    std::unique_ptr<Op> owned;
    {
      std::lock_guard lock(mutex);
      owned = take(ops, op);
      if (!owned) return;  // already failed by close
      const bool watch_set = reply.rc == ZOK || (reply.rc == ZNONODE && owned->watch_on_no_node);
      if (owned->watch != nullptr && !watch_set) watches.erase(owned->watch);
    }
    complete(std::move(owned), std::move(reply));
  }

  // Runs `op`'s `done` with `reply`: directly for an awaitable form's, else on the executor.
  void complete(std::unique_ptr<Op> op, Reply reply) {
    if (op->direct) return op->done(reply);
    asio::post(executor, [done = std::move(op->done), reply = std::move(reply)]() mutable { done(reply); });
  }

  // Fires `watch` once with `event` and forgets it.
  void fire(Watch* watch, ZkWatchEvent event) {
    std::unique_ptr<Watch> owned;
    {
      std::lock_guard lock(mutex);
      owned = take(watches, watch);
    }
    if (!owned) return;
    asio::post(executor, [fn = std::move(owned->fn), event = std::move(event)] { fn(event); });
  }

  // After the handle is gone: every operation fails with `closing`, every watch fires `closed`.
  void fail_all() {
    std::unordered_map<Op*, std::unique_ptr<Op>> left_ops;
    std::unordered_map<Watch*, std::unique_ptr<Watch>> left_watches;
    {
      std::lock_guard lock(mutex);
      left_ops.swap(ops);
      left_watches.swap(watches);
    }
    for (auto& [raw, op] : left_ops) complete(std::move(op), Reply{ZCLOSING});
    for (auto& [raw, watch] : left_watches) {
      asio::post(executor, [fn = std::move(watch->fn)] { fn({ZkWatchEvent::Type::closed, {}}); });
    }
  }

  void report(ZkSessionState state) {
    asio::post(executor, [weak = weak_from_this(), state] {
      if (auto core = weak.lock(); core && core->on_state) core->on_state(state);
    });
  }

  // Takes the handle away (later calls fail with `closing`); null if already taken.
  zhandle_t* take_handle() {
    std::lock_guard lock(handle_mutex);
    return std::exchange(zh, nullptr);
  }

  // C client callbacks (its completion thread).
  static void on_session_event(zhandle_t* zh, int type, int state, const char*, void* context) {
    if (type != ZOO_SESSION_EVENT) return;
    auto* core = static_cast<Core*>(context);
    if (core->is_retired(zh)) return;
    if (state == ZOO_CONNECTED_STATE) {
      if (const clientid_t* id = zoo_client_id(zh)) core->session_id = id->client_id;
      core->report(ZkSessionState::connected);
    } else if (state == ZOO_EXPIRED_SESSION_STATE) {
      core->report(ZkSessionState::expired);
    } else if (state == ZOO_AUTH_FAILED_STATE) {
      core->report(ZkSessionState::auth_failed);
    } else if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE) {
      core->report(ZkSessionState::disconnected);
    }
  }

  // `context` is the Watch, used only as a key: the C client may still call a watch this code has
  // fired and freed (session events after it fired with session_expired).
  static void on_watch(zhandle_t* zh, int type, int state, const char* path, void* context) {
    auto* core = static_cast<Core*>(const_cast<void*>(zoo_get_context(zh)));
    ZkWatchEvent event{ZkWatchEvent::Type::changed, path != nullptr ? path : ""};
    if (type == ZOO_SESSION_EVENT) {
      // A connection loss keeps the watch (the C client sets it again on reconnect).
      if (state != ZOO_EXPIRED_SESSION_STATE && state != ZOO_AUTH_FAILED_STATE) return;
      event.type = ZkWatchEvent::Type::session_expired;
    } else if (type == ZOO_CREATED_EVENT) {
      event.type = ZkWatchEvent::Type::created;
    } else if (type == ZOO_DELETED_EVENT) {
      event.type = ZkWatchEvent::Type::deleted;
    } else if (type == ZOO_CHILD_EVENT) {
      event.type = ZkWatchEvent::Type::children_changed;
    } else if (type == ZOO_NOTWATCHING_EVENT) {
      event.type = ZkWatchEvent::Type::closed;
    }
    core->fire(static_cast<Watch*>(context), std::move(event));
  }

  static void on_string(int rc, const char* value, const void* data) {
    auto* op = static_cast<Op*>(const_cast<void*>(data));
    Reply reply{rc};
    if (rc == ZOK && value != nullptr) reply.value = value;
    op->core->finish(op, std::move(reply));
  }

  static void on_data(int rc, const char* value, int length, const Stat* stat, const void* data) {
    auto* op = static_cast<Op*>(const_cast<void*>(data));
    Reply reply{rc};
    if (rc == ZOK) {
      if (value != nullptr && length > 0) reply.value.assign(value, static_cast<size_t>(length));
      if (stat != nullptr) reply.stat = to_stat(*stat);
    }
    op->core->finish(op, std::move(reply));
  }

  static void on_stat(int rc, const Stat* stat, const void* data) {
    auto* op = static_cast<Op*>(const_cast<void*>(data));
    Reply reply{rc};
    if (rc == ZOK && stat != nullptr) reply.stat = to_stat(*stat);
    op->core->finish(op, std::move(reply));
  }

  static void on_void(int rc, const void* data) {
    auto* op = static_cast<Op*>(const_cast<void*>(data));
    op->core->finish(op, Reply{rc});
  }

  static void on_strings(int rc, const String_vector* strings, const void* data) {
    auto* op = static_cast<Op*>(const_cast<void*>(data));
    Reply reply{rc};
    if (rc == ZOK && strings != nullptr) {
      for (int32_t i = 0; i < strings->count; ++i) reply.children.emplace_back(strings->data[i]);
      std::sort(reply.children.begin(), reply.children.end());
    }
    op->core->finish(op, std::move(reply));
  }
};

void set_zookeeper_client_log(std::function<void(ZkClientLogLevel, std::string_view message)> sink) {
  client_log_sink = std::move(sink);
}

ZkSession::ZkSession(asio::any_io_executor executor, Options options, StateCallback on_state)
    : core_(std::make_shared<Core>()) {
  std::call_once(log_level_once, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_WARN); });
  core_->executor = std::move(executor);
  core_->on_state = std::move(on_state);
  core_->options = std::move(options);
  std::lock_guard lock(core_->handle_mutex);
  core_->zh = core_->open_handle();
  if (core_->zh == nullptr) {
    throw std::system_error(errno, std::generic_category(), "ZooKeeper session to '" + core_->options.connect + "'");
  }
}

ZkSession::~ZkSession() {
  core_->join_retirers();
  if (zhandle_t* zh = core_->take_handle()) {
    zookeeper_close(zh);
    core_->fail_all();
  }
  if (core_->closer.joinable()) core_->closer.join();
}

bool ZkSession::renew() {
  {
    std::lock_guard lock(core_->handle_mutex);
    if (core_->zh == nullptr) return false;  // closed
  }
  core_->session_id = 0;  // before the new handle can report `connected`
  // Opened outside the lock: the C client resolves the host names here.
  zhandle_t* fresh = core_->open_handle();
  if (fresh == nullptr) return false;
  // One section: a close() either comes first (the fresh handle goes unused) or finds the
  // retirer registered and joins it before failing the rest.
  std::lock_guard lock(core_->handle_mutex);
  zhandle_t* old = core_->zh != nullptr ? std::exchange(core_->zh, fresh) : nullptr;
  zhandle_t* retire = old != nullptr ? old : fresh;
  {
    std::lock_guard ops_lock(core_->mutex);
    core_->retired.insert(retire);  // its late states are ignored; its late completions fail with `closing`
  }
  // Closing joins the C client's threads: off the caller's thread.
  core_->retirers.emplace_back([core = core_.get(), retire] {
    zookeeper_close(retire);
    std::lock_guard ops_lock(core->mutex);
    core->retired.erase(retire);
  });
  return old != nullptr;
}

int64_t ZkSession::session_id() const { return core_->session_id; }

void ZkSession::close(std::function<void()> done) {
  zhandle_t* zh = core_->take_handle();
  if (zh == nullptr) {
    asio::post(core_->executor, std::move(done));
    return;
  }
  // zookeeper_close waits for the server's answer and joins the C client's threads: off the
  // executor's threads. ~ZkSession joins this thread.
  core_->closer = std::thread([core = core_.get(), zh, done = std::move(done)]() mutable {
    zookeeper_close(zh);
    core->join_retirers();
    core->fail_all();
    asio::post(core->executor, std::move(done));
  });
}

asio::awaitable<void> ZkSession::close() {
  auto start = [this](auto done) { close([done] { done({}); }); };
  auto result = co_await await_result<void>(start);
  (void)result;
}

void ZkSession::create(const std::string& path, std::string_view data, ZkCreateMode mode,
                       std::function<void(Result<std::string>)> done) {
  core_->start(
      deliver(std::move(done), [](Reply& reply) { return std::move(reply.value); }),
      nullptr, false,
      [&](zhandle_t* zh, Core::Op* op) {
        return zoo_acreate(zh, path.c_str(), data.data(), static_cast<int>(data.size()), &ZOO_OPEN_ACL_UNSAFE,
                           to_mode(mode), &Core::on_string, op);
      });
}

asio::awaitable<Result<std::string>> ZkSession::create(std::string path, std::string data, ZkCreateMode mode) {
  auto start = [&](auto done) { create(path, data, mode, done); };
  auto result = co_await await_result<std::string>(start);
  co_return result;
}

void ZkSession::get(const std::string& path, Watcher watcher, std::function<void(Result<ZkNode>)> done) {
  Core::Watch* watch = core_->add_watch(std::move(watcher));
  core_->start(
      deliver(std::move(done),
              [](Reply& reply) { return ZkNode{std::move(reply.value), reply.stat.value_or(ZkStat{})}; }),
      watch, false,
      [&](zhandle_t* zh, Core::Op* op) {
        return zoo_awget(zh, path.c_str(), watch != nullptr ? &Core::on_watch : nullptr, watch, &Core::on_data, op);
      });
}

asio::awaitable<Result<ZkNode>> ZkSession::get(std::string path, Watcher watcher) {
  auto start = [&](auto done) { get(path, watcher, done); };
  auto result = co_await await_result<ZkNode>(start);
  co_return result;
}

void ZkSession::set(const std::string& path, std::string_view data, int32_t version,
                    std::function<void(Result<ZkStat>)> done) {
  core_->start(
      deliver(std::move(done), [](Reply& reply) { return reply.stat.value_or(ZkStat{}); }),
      nullptr, false,
      [&](zhandle_t* zh, Core::Op* op) {
        return zoo_aset(zh, path.c_str(), data.data(), static_cast<int>(data.size()), version, &Core::on_stat, op);
      });
}

asio::awaitable<Result<ZkStat>> ZkSession::set(std::string path, std::string data, int32_t version) {
  auto start = [&](auto done) { set(path, data, version, done); };
  auto result = co_await await_result<ZkStat>(start);
  co_return result;
}

void ZkSession::remove(const std::string& path, int32_t version, std::function<void(Result<void>)> done) {
  core_->start(
      deliver(std::move(done), [](Reply&) {}),
      nullptr, false,
      [&](zhandle_t* zh, Core::Op* op) { return zoo_adelete(zh, path.c_str(), version, &Core::on_void, op); });
}

asio::awaitable<Result<void>> ZkSession::remove(std::string path, int32_t version) {
  auto start = [&](auto done) { remove(path, version, done); };
  auto result = co_await await_result<void>(start);
  co_return result;
}

void ZkSession::exists(const std::string& path, Watcher watcher,
                       std::function<void(Result<std::optional<ZkStat>>)> done) {
  Core::Watch* watch = core_->add_watch(std::move(watcher));
  core_->start(
      [done = std::move(done)](Reply& reply) {
        if (reply.rc == ZNONODE) return done(std::optional<ZkStat>{});
        if (reply.rc != ZOK) return done(fail(zk_error(reply.rc)));
        done(reply.stat);
      },
      watch, true,
      [&](zhandle_t* zh, Core::Op* op) {
        return zoo_awexists(zh, path.c_str(), watch != nullptr ? &Core::on_watch : nullptr, watch, &Core::on_stat,
                            op);
      });
}

asio::awaitable<Result<std::optional<ZkStat>>> ZkSession::exists(std::string path, Watcher watcher) {
  auto start = [&](auto done) { exists(path, watcher, done); };
  auto result = co_await await_result<std::optional<ZkStat>>(start);
  co_return result;
}

void ZkSession::get_children(const std::string& path, Watcher watcher,
                             std::function<void(Result<std::vector<std::string>>)> done) {
  Core::Watch* watch = core_->add_watch(std::move(watcher));
  core_->start(
      deliver(std::move(done), [](Reply& reply) { return std::move(reply.children); }),
      watch, false,
      [&](zhandle_t* zh, Core::Op* op) {
        return zoo_awget_children(zh, path.c_str(), watch != nullptr ? &Core::on_watch : nullptr, watch,
                                  &Core::on_strings, op);
      });
}

asio::awaitable<Result<std::vector<std::string>>> ZkSession::get_children(std::string path, Watcher watcher) {
  auto start = [&](auto done) { get_children(path, watcher, done); };
  auto result = co_await await_result<std::vector<std::string>>(start);
  co_return result;
}

}  // namespace runnel::broker
