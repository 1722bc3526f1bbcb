#pragma once
// ProgressBar: one line on a terminal, redrawn in place at most five times a
// second: a bar and percentage of the input read, bytes read of the total,
// records and the rate so far. finish() erases it, so the summary that follows
// stands alone. Only for a terminal; callers check is_terminal() first.

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace runnel::tools {

class ProgressBar {
 public:
  // Draws on `out` (stderr) for an input of `total_bytes`.
  ProgressBar(std::FILE* out, int64_t total_bytes);

  static bool is_terminal(std::FILE* stream);

  void update(int64_t bytes_read, int64_t records);
  void finish();

 private:
  void draw(int64_t bytes_read, int64_t records);

  std::FILE* out_;
  int64_t total_bytes_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace runnel::tools
