#include "broker/coordination/zk_json.h"

#include <charconv>

namespace runnel::broker {
namespace {

// A recursive-descent parser with a sticky failure: each step returns false once the text is
// not JSON, and the caller stops.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::optional<Json> document() {
    Json value;
    if (!parse_value(value, 0)) return std::nullopt;
    skip_space();
    if (pos_ != text_.size()) return std::nullopt;
    return value;
  }

 private:
  static constexpr int kMaxDepth = 64;

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r'))
      ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool parse_value(Json& out, int depth) {
    if (depth > kMaxDepth) return false;
    skip_space();
    if (pos_ >= text_.size()) return false;
    switch (text_[pos_]) {
      case '{': return parse_object(out, depth);
      case '[': return parse_array(out, depth);
      case '"': out.kind = Json::Kind::string; return parse_string(out.string);
      case 't': out.kind = Json::Kind::boolean; out.boolean = true; return literal("true");
      case 'f': out.kind = Json::Kind::boolean; out.boolean = false; return literal("false");
      case 'n': out.kind = Json::Kind::null; return literal("null");
      default: out.kind = Json::Kind::number; return parse_number(out.number);
    }
  }

  bool parse_object(Json& out, int depth) {
    out.kind = Json::Kind::object;
    ++pos_;  // '{'
    if (consume('}')) return true;
    do {
      std::string key;
      skip_space();
      if (!parse_string(key) || !consume(':')) return false;
      Json value;
      if (!parse_value(value, depth + 1)) return false;
      out.object[std::move(key)] = std::move(value);
    } while (consume(','));
    return consume('}');
  }

  bool parse_array(Json& out, int depth) {
    out.kind = Json::Kind::array;
    ++pos_;  // '['
    if (consume(']')) return true;
    do {
      out.array.emplace_back();
      if (!parse_value(out.array.back(), depth + 1)) return false;
    } while (consume(','));
    return consume(']');
  }

  bool parse_number(int64_t& out) {
    const char* begin = text_.data() + pos_;
    const char* end = text_.data() + text_.size();
    auto [ptr, ec] = std::from_chars(begin, end, out);
    if (ec != std::errc{} || (ptr < end && (*ptr == '.' || *ptr == 'e' || *ptr == 'E'))) return false;
    pos_ += static_cast<size_t>(ptr - begin);
    return true;
  }

  bool parse_hex4(uint32_t& out) {
    if (pos_ + 4 > text_.size()) return false;
    auto [ptr, ec] = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, out, 16);
    if (ec != std::errc{} || ptr != text_.data() + pos_ + 4) return false;
    pos_ += 4;
    return true;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  bool parse_escape(std::string& out) {
    if (pos_ >= text_.size()) return false;
    const char c = text_[pos_++];
    switch (c) {
      case '"': case '\\': case '/': out += c; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': break;
      default: return false;
    }
    uint32_t cp = 0;
    if (!parse_hex4(cp)) return false;
    if (cp >= 0xd800 && cp < 0xdc00) {  // a surrogate pair
      uint32_t low = 0;
      if (!literal("\\u") || !parse_hex4(low) || low < 0xdc00 || low >= 0xe000) return false;
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    append_utf8(out, cp);
    return true;
  }

  bool parse_string(std::string& out) {
    if (pos_ >= text_.size() || text_[pos_] != '"') return false;
    ++pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (!parse_escape(out)) return false;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        return false;
      } else {
        out += c;
      }
    }
    return false;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

const Json* Json::find(std::string_view key) const {
  if (kind != Kind::object) return nullptr;
  auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &it->second;
}

std::optional<int64_t> Json::number_at(std::string_view key) const {
  const Json* v = find(key);
  if (v == nullptr || v->kind != Kind::number) return std::nullopt;
  return v->number;
}

std::optional<std::string> Json::string_at(std::string_view key) const {
  const Json* v = find(key);
  if (v == nullptr || v->kind != Kind::string) return std::nullopt;
  return v->string;
}

std::optional<Json> parse_json(std::string_view text) { return Parser(text).document(); }

std::string json_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace runnel::broker
