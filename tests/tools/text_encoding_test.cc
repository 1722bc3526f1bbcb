#include "tools/text_encoding.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

using runnel::tools::append_json_bytes;
using runnel::tools::append_json_string;
using runnel::tools::append_text_bytes;
using runnel::tools::is_utf8;
using runnel::tools::to_base64;

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

std::vector<std::byte> bytes(std::string_view s) {
  auto b = std::as_bytes(std::span(s));
  return {b.begin(), b.end()};
}

}  // namespace

TEST_CASE("base64 pads to whole groups of four as RFC 4648 shows", "[dump_log]") {
  CHECK(to_base64(bytes("")) == "");
  CHECK(to_base64(bytes("f")) == "Zg==");
  CHECK(to_base64(bytes("fo")) == "Zm8=");
  CHECK(to_base64(bytes("foo")) == "Zm9v");
  CHECK(to_base64(bytes("foobar")) == "Zm9vYmFy");
  CHECK(to_base64(bytes({0x00, 0xff, 0x10})) == "AP8Q");
}

TEST_CASE("UTF-8 validation accepts every plane and refuses overlongs, surrogates and stray bytes", "[dump_log]") {
  CHECK(is_utf8(bytes("plain ascii")));
  CHECK(is_utf8(bytes("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80")));  // é € 😀
  CHECK_FALSE(is_utf8(bytes({0xc0, 0xaf})));                             // overlong '/'
  CHECK_FALSE(is_utf8(bytes({0xe0, 0x80, 0xaf})));                       // overlong 3-byte
  CHECK_FALSE(is_utf8(bytes({0xed, 0xa0, 0x80})));                       // surrogate U+D800
  CHECK_FALSE(is_utf8(bytes({0xf4, 0x90, 0x80, 0x80})));                 // above U+10FFFF
  CHECK_FALSE(is_utf8(bytes({0x80})));                                   // lone continuation
  CHECK_FALSE(is_utf8(bytes({0xe2, 0x82})));                             // cut short
}

TEST_CASE("JSON strings escape quotes, backslashes and control characters and replace invalid bytes",
          "[dump_log]") {
  std::string out;
  append_json_string(out, "a\"b\\c\nd\te\x01 \xc3\xa9 \xff");
  CHECK(out == "\"a\\\"b\\\\c\\nd\\te\\u0001 \xc3\xa9 \\ufffd\"");
}

TEST_CASE("record bytes are text when printable UTF-8 and base64 otherwise", "[dump_log]") {
  std::string text;
  append_text_bytes(text, bytes("v-0"));
  text += ' ';
  append_text_bytes(text, bytes("line\nbreak"));
  text += ' ';
  append_text_bytes(text, bytes({0x00, 0xff, 0x10}));
  CHECK(text == "v-0 base64:bGluZQpicmVhaw== base64:AP8Q");

  std::string json;
  append_json_bytes(json, bytes("line\nbreak"));
  json += ' ';
  append_json_bytes(json, bytes({0x00, 0xff, 0x10}));
  CHECK(json == "\"line\\nbreak\" {\"base64\":\"AP8Q\"}");
}
