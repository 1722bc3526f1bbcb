#pragma once
// The small JSON documents Kafka keeps in ZooKeeper (broker registrations, /controller,
// /cluster/id, topic assignments, configs, partition states): a parser into a JSON tree and
// the quoting the writers need. Writers build their documents as text (each file shows the
// document's shape next to its encoder); readers parse them here and take the fields they know,
// ignoring the others, as Kafka's readers do.
//
// Supported: objects, arrays, strings (with \" \\ \/ \b \f \n \r \t and \uXXXX escapes, UTF-8
// out), integers (int64; a fraction or exponent is refused: Kafka writes none in these
// documents), true, false, null. A duplicate object key keeps the last value.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::broker {

struct Json {
  enum class Kind { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  int64_t number = 0;
  std::string string;
  std::vector<Json> array;
  std::map<std::string, Json> object;

  // The member `key` of an object, or nullptr (not an object, or no such member).
  const Json* find(std::string_view key) const;
  // The member `key` if it is a number / a string, else nullopt.
  std::optional<int64_t> number_at(std::string_view key) const;
  std::optional<std::string> string_at(std::string_view key) const;
};

// The document in `text` (surrounding whitespace allowed), or nullopt when it is not JSON.
std::optional<Json> parse_json(std::string_view text);

// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace runnel::broker
