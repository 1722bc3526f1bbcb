#include "tools/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <string>

namespace runnel::tools {

ProgressBar::ProgressBar(std::FILE* out, int64_t total_bytes) : out_(out), total_bytes_(total_bytes) {}

bool ProgressBar::is_terminal(std::FILE* stream) { return ::isatty(::fileno(stream)) == 1; }

void ProgressBar::update(int64_t bytes_read, int64_t records) {
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  draw(bytes_read, records);
}

namespace {

std::string human_bytes(int64_t bytes) {
  static const char* const units[] = {"B", "KB", "MB", "GB", "TB"};
  auto value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1000 && unit + 1 < std::size(units)) {
    value /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

}  // namespace

void ProgressBar::draw(int64_t bytes_read, int64_t records) {
  constexpr int kWidth = 30;
  const double fraction =
      total_bytes_ > 0 ? std::clamp(static_cast<double>(bytes_read) / static_cast<double>(total_bytes_), 0.0, 1.0)
                       : 1.0;
  const int filled = static_cast<int>(fraction * kWidth);
  const std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(kWidth - filled, ' ');
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(out_, "\r\033[K[%s] %3.0f%% %s / %s, %lld records, %.0f records/s", bar.c_str(), fraction * 100,
               human_bytes(bytes_read).c_str(), human_bytes(total_bytes_).c_str(), static_cast<long long>(records),
               seconds > 0 ? static_cast<double>(records) / seconds : 0.0);
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace runnel::tools
