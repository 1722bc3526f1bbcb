#pragma once
// The completion handlers of detached coroutines (asio::co_spawn): the exception a task ended
// with is reported, never lost. Anything not derived from std::exception is a bug and
// propagates out of the handler.

#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "broker/logging.h"

namespace runnel::broker {

// The what() of the exception in `e`; nullopt when the task ended normally (`e` empty).
inline std::optional<std::string> failure_message(std::exception_ptr e) {
  if (!e) return std::nullopt;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return std::string(ex.what());
  }
}

// Logs "<what>: <what()>" as an ERROR of `component` when the task failed; true if it did.
inline bool log_failure(std::exception_ptr e, std::string_view component, std::string_view what) {
  auto message = failure_message(e);
  if (message) log_error(component, std::string(what) + ": " + *message);
  return message.has_value();
}

}  // namespace runnel::broker
