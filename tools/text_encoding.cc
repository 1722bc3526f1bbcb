#include "tools/text_encoding.h"

#include <cstdint>

namespace runnel::tools {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the valid UTF-8 sequence starting at p[0] (n bytes available), or 0.
size_t utf8_sequence_length(const unsigned char* p, size_t n) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;  // continuation byte or overlong 2-byte form
  if (c < 0xE0) return n >= 2 && is_continuation(p[1]) ? 2 : 0;
  if (c < 0xF0) {
    if (n < 3 || !is_continuation(p[2])) return 0;
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;  // overlong
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // surrogates
    return p[1] >= lo && p[1] <= hi ? 3 : 0;
  }
  if (c < 0xF5) {
    if (n < 4 || !is_continuation(p[2]) || !is_continuation(p[3])) return 0;
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;  // overlong
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // above U+10FFFF
    return p[1] >= lo && p[1] <= hi ? 4 : 0;
  }
  return 0;
}

const unsigned char* as_uchars(std::span<const std::byte> bytes) {
  return reinterpret_cast<const unsigned char*>(bytes.data());
}

bool has_control_character(std::span<const std::byte> bytes) {
  for (std::byte b : bytes) {
    auto c = static_cast<unsigned char>(b);
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

}  // namespace

bool is_utf8(std::span<const std::byte> bytes) {
  const unsigned char* p = as_uchars(bytes);
  for (size_t i = 0; i < bytes.size();) {
    size_t n = utf8_sequence_length(p + i, bytes.size() - i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string to_base64(std::span<const std::byte> bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char* p = as_uchars(bytes);
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = bytes.size() - i < 3 ? bytes.size() - i : 3;
    uint32_t group = uint32_t{p[i]} << 16;
    if (n > 1) group |= uint32_t{p[i + 1]} << 8;
    if (n > 2) group |= p[i + 2];
    out += kAlphabet[(group >> 18) & 0x3F];
    out += kAlphabet[(group >> 12) & 0x3F];
    out += n > 1 ? kAlphabet[(group >> 6) & 0x3F] : '=';
    out += n > 2 ? kAlphabet[group & 0x3F] : '=';
  }
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else if (c >= 0x80) {
      size_t n = utf8_sequence_length(p + i, s.size() - i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
        continue;
      }
      out.append(s.substr(i, n));
      i += n;
      continue;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

void append_text_bytes(std::string& out, std::span<const std::byte> bytes) {
  if (is_utf8(bytes) && !has_control_character(bytes)) {
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  } else {
    out += "base64:";
    out += to_base64(bytes);
  }
}

void append_json_bytes(std::string& out, std::span<const std::byte> bytes) {
  if (is_utf8(bytes)) {
    append_json_string(out, {reinterpret_cast<const char*>(bytes.data()), bytes.size()});
  } else {
    out += "{\"base64\":\"";
    out += to_base64(bytes);
    out += "\"}";
  }
}

}  // namespace runnel::tools
