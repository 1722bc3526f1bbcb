#include "tools/timestamp.h"

#include <charconv>
#include <string_view>

namespace runnel::tools {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Reader {
  std::string_view s;
  bool ok = true;
  int64_t digits(size_t n) {
    int64_t v = 0;
    if (s.size() < n) ok = false;
    for (size_t i = 0; ok && i < n; ++i) {
      if (s[i] < '0' || s[i] > '9') ok = false;
      else v = v * 10 + (s[i] - '0');
    }
    if (ok) s.remove_prefix(n);
    return v;
  }
  bool eat(char c) {
    if (!s.empty() && s.front() == c) {
      s.remove_prefix(1);
      return true;
    }
    return false;
  }
  void expect(char c) { ok = ok && eat(c); }
};

}  // namespace

std::optional<int64_t> parse_timestamp(const std::string& text) {
  int64_t ms = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec == std::errc{} && end == text.data() + text.size()) return ms;

  Reader r{text};
  const int64_t year = r.digits(4);
  r.expect('-');
  const int64_t month = r.digits(2);
  r.expect('-');
  const int64_t day = r.digits(2);
  if (!r.eat('T')) r.expect(' ');
  const int64_t hour = r.digits(2);
  r.expect(':');
  const int64_t minute = r.digits(2);
  int64_t second = 0, millis = 0;
  if (r.eat(':')) {
    second = r.digits(2);
    if (r.eat('.')) {
      int64_t scale = 100;
      size_t n = 0;
      while (!r.s.empty() && r.s.front() >= '0' && r.s.front() <= '9') {
        millis += (r.s.front() - '0') * scale;
        scale /= 10;
        r.s.remove_prefix(1);
        ++n;
      }
      if (n == 0) return std::nullopt;
    }
  }
  int64_t offset_minutes = 0;
  if (!r.eat('Z') && !r.s.empty()) {
    const int sign = r.eat('+') ? 1 : (r.eat('-') ? -1 : 0);
    if (sign == 0) return std::nullopt;
    const int64_t oh = r.digits(2);
    r.eat(':');
    const int64_t om = r.digits(2);
    offset_minutes = sign * (oh * 60 + om);
  }
  if (!r.ok || !r.s.empty() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60)
    return std::nullopt;
  const int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return ((days * 24 + hour) * 60 + minute - offset_minutes) * 60000 + second * 1000 + millis;
}

}  // namespace runnel::tools
