#pragma once
// Human-readable log lines on stderr: "<UTC time> <LEVEL> [<component>] <message>".
// One line per start, stop, topic change and recovery; nothing per request.

#include <string_view>

namespace runnel::broker {

enum class Level { debug, info, warn, error };

void log_line(Level level, std::string_view component, std::string_view message);
inline void log_info(std::string_view component, std::string_view message) { log_line(Level::info, component, message); }
inline void log_warn(std::string_view component, std::string_view message) { log_line(Level::warn, component, message); }
inline void log_error(std::string_view component, std::string_view message) { log_line(Level::error, component, message); }

}  // namespace runnel::broker
