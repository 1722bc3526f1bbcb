#!/usr/bin/python3
"""Generates the C++ request/response structs from protocol/schema/*.json.

Usage:
  generate_messages.py --schemas DIR --list             # output names, ';'-separated
  generate_messages.py --schemas DIR --out DIR          # <snake>.h/.cc + messages.h

Schema format (one file per API, see protocol/schema/README.md):
  {"api_key": 3, "name": "Metadata", "versions": "0-8", "flexible_versions": "9+",
   "about": "...", "request": {"fields": [...]}, "response": {"fields": [...]}}
Field: {"name": PascalCase, "type": int8|int16|int32|int64|uint16|bool|float64|uuid|
  string|bytes|records|[]Type|StructName, "versions": "a+"|"a-b"|"a", "fields": [...]
  (struct types), "nullable_versions", "default", "ignorable", "tag",
  "tagged_versions", "about"}.
Versions of nested fields are message versions. Nullable fields default to
null unless "default" says otherwise. Files are rewritten only when changed.
"""
import argparse
import json
import os
import re
import sys

INF = 1 << 15
PRIMS = {  # type: (C++ type, fixed size, Reader/Writer suffix)
    "int8": ("int8_t", 1, "int8"), "int16": ("int16_t", 2, "int16"),
    "int32": ("int32_t", 4, "int32"), "int64": ("int64_t", 8, "int64"),
    "uint16": ("uint16_t", 2, "uint16"), "bool": ("bool", 1, "bool"),
    "float64": ("double", 8, "float64"), "uuid": ("Uuid", 16, "uuid"),
}
VARIABLE = {"string", "bytes", "records"}
FIELD_KEYS = {"name", "type", "versions", "fields", "nullable_versions", "default",
              "ignorable", "tag", "tagged_versions", "about"}
API_KEYS = {"api_key", "name", "versions", "flexible_versions", "about", "request", "response"}
CPP_KEYWORDS = {"default", "delete", "new", "class", "struct", "operator", "template",
                "register", "union", "namespace", "private", "public", "this", "auto"}


class SchemaError(Exception):
    pass


def parse_range(text, where):
    if text == "none":
        return None
    m = re.fullmatch(r"(\d+)(\+|-(\d+))?", str(text))
    if not m:
        raise SchemaError(f"{where}: bad version range {text!r}")
    lo = int(m.group(1))
    hi = INF if m.group(2) == "+" else int(m.group(3)) if m.group(3) else lo
    if hi < lo:
        raise SchemaError(f"{where}: empty version range {text!r}")
    return (lo, hi)


def intersect(a, b):
    if a is None or b is None:
        return None
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


def snake(name):
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    s = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", s).lower()
    return s + "_" if s in CPP_KEYWORDS else s


class Field:
    def __init__(self, raw, msg, parent_range, where):
        unknown = set(raw) - FIELD_KEYS
        if unknown:
            raise SchemaError(f"{where}: unknown keys {sorted(unknown)}")
        for key in ("name", "type", "versions"):
            if key not in raw:
                raise SchemaError(f"{where}: missing {key!r}")
        self.name, self.type = raw["name"], raw["type"]
        where = f"{where}.{self.name}"
        if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", self.name):
            raise SchemaError(f"{where}: field names are PascalCase")
        self.snake, self.about = snake(self.name), raw.get("about", "")
        self.versions = intersect(parse_range(raw["versions"], where), msg.served)
        self.versions_text, self.nullable_text = raw["versions"], raw.get("nullable_versions")
        if self.versions is None or intersect(self.versions, parent_range) != self.versions:
            raise SchemaError(f"{where}: versions outside the served or enclosing range")
        self.is_array = self.type.startswith("[]")
        self.elem = self.type[2:] if self.is_array else self.type
        self.struct = None
        if self.elem not in PRIMS and self.elem not in VARIABLE:
            if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", self.elem) or "fields" not in raw:
                raise SchemaError(f"{where}: unknown type {self.type!r} (structs need 'fields')")
            self.struct = Struct(self.elem, raw["fields"], msg, self.versions, where)
        elif "fields" in raw:
            raise SchemaError(f"{where}: 'fields' on a non-struct type")
        nv = raw.get("nullable_versions")
        self.nullable = intersect(parse_range(nv, where), msg.served) if nv else None
        if self.nullable and (intersect(self.nullable, self.versions) != self.nullable
                              or not (self.is_array or self.elem in VARIABLE)):
            raise SchemaError(f"{where}: nullable_versions outside versions or on a non-nullable type")
        self.tag, self.tagged = raw.get("tag"), None
        if ("tag" in raw) != ("tagged_versions" in raw):
            raise SchemaError(f"{where}: 'tag' and 'tagged_versions' go together")
        if "tag" in raw:
            self.tagged = intersect(parse_range(raw["tagged_versions"], where), msg.served)
            if self.tagged != self.versions or intersect(self.tagged, msg.flexible) != self.tagged:
                raise SchemaError(f"{where}: tagged_versions must equal versions, all flexible")
        self.default = self.parse_default(raw.get("default"), where)

    def parse_default(self, value, where):
        if value is None:
            return None
        value = str(value)
        if self.is_array or self.struct or self.elem in ("bytes", "records", "uuid"):
            raise SchemaError(f"{where}: defaults are for scalars and strings only")
        if value == "null":
            if not self.nullable or self.elem != "string":
                raise SchemaError(f"{where}: null default on a non-nullable field")
            return None
        if self.elem == "bool":
            if value not in ("true", "false"):
                raise SchemaError(f"{where}: bad bool default {value!r}")
            return value
        if self.elem == "string":
            return json.dumps(value)
        if self.elem == "float64":
            return repr(float(value))
        number, bits = int(value, 0), int(re.sub(r"\D", "", PRIMS[self.elem][0]))
        signed = not self.elem.startswith("u")
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        if not lo <= number <= hi:
            raise SchemaError(f"{where}: default {value} out of range")
        cpp = PRIMS[self.elem][0]
        return f"std::numeric_limits<{cpp}>::min()" if number == lo and signed else str(number)

    def nullable_type(self):
        return self.nullable is not None

    def cpp_type(self):
        if self.struct:
            base = self.struct.name
        elif self.elem in PRIMS:
            base = PRIMS[self.elem][0]
        else:
            base = {"string": "std::string", "bytes": "std::vector<std::byte>", "records": "RecordsRef"}[self.elem]
        if self.is_array:
            base = f"std::vector<{base}>"
        if self.nullable_type() and self.elem != "records":
            base = f"std::optional<{base}>"
        return base

    def initializer(self):
        if self.default is not None:
            return f" = {self.default}"
        if self.elem in PRIMS and not self.is_array and self.elem != "uuid":
            return " = false" if self.elem == "bool" else " = 0"
        return ""

    def is_default(self, x):
        if self.is_array or self.elem == "bytes":
            return f"!{x}.has_value()" if self.nullable_type() else f"{x}.empty()"
        if self.struct or self.elem in ("uuid", "records"):
            return f"{x} == decltype({x}){{}}"
        if self.elem == "string" and self.nullable_type():
            if self.default is None:
                return f"!{x}.has_value()"
            return f"{x} == std::optional<std::string>({self.default})"
        if self.elem == "string":
            return f"{x}.empty()" if self.default is None else f"{x} == {self.default}"
        fallback = "false" if self.elem == "bool" else "0"
        return f"{x} == {self.default or fallback}"

    def min_size(self, version, flexible):
        if self.is_array or self.elem in VARIABLE:
            return 1 if flexible else (2 if self.elem == "string" else 4)
        if self.struct:
            return self.struct.min_size(version, flexible)
        return PRIMS[self.elem][1]


class Struct:
    def __init__(self, name, raw_fields, msg, versions, where):
        self.name, self.msg, self.versions = name, msg, versions
        self.fields = [Field(f, msg, versions, f"{where}/{name}") for f in raw_fields]
        self.qualified = f"{msg.name}::{name}" if name != msg.name else name
        seen, tags = set(), set()
        for f in self.fields:
            if f.name in seen:
                raise SchemaError(f"{where}/{name}: duplicate field {f.name}")
            if f.tag is not None and f.tag in tags:
                raise SchemaError(f"{where}/{name}: duplicate tag {f.tag}")
            seen.add(f.name)
            tags.add(f.tag)
        msg.register(self, where)

    def tagged_fields(self):
        return sorted((f for f in self.fields if f.tagged), key=lambda f: f.tag)

    def min_size(self, version, flexible):
        total = 1 if flexible else 0
        for f in self.fields:
            if not f.tagged and f.versions[0] <= version <= f.versions[1]:
                total += f.min_size(version, flexible)
        return total

    def min_element_size(self):
        lo, hi = self.msg.served
        return max(1, min(self.min_size(v, intersect((v, v), self.msg.flexible) is not None)
                          for v in range(max(lo, self.versions[0]), min(hi, self.versions[1]) + 1)))


class Message:
    def __init__(self, api, kind, raw):
        self.api, self.kind = api, kind
        self.name = api["name"] + kind
        self.served = parse_range(api["versions"], self.name)
        self.flexible = parse_range(api["flexible_versions"], self.name)
        self.first_flexible = self.flexible[0] if self.flexible else INF - 1
        self.structs = []  # nested structs, inner first; the message itself last
        self.top = Struct(self.name, raw.get("fields", []), self, self.served, api["name"])

    def register(self, struct, where):
        if any(s.name == struct.name for s in self.structs):
            raise SchemaError(f"{where}: struct {struct.name} defined twice")
        self.structs.append(struct)

    def cond(self, rng, ctx=None):
        """C++ test of `version` in rng, knowing it is within ctx (default: served)."""
        lo, hi = ctx or self.served
        if rng is None:
            return "false"
        if rng[0] == rng[1] and lo < rng[0] < hi:
            return f"version == {rng[0]}"
        parts = []
        if rng[0] > lo:
            parts.append(f"version >= {rng[0]}")
        if rng[1] < hi:
            parts.append(f"version <= {rng[1]}")
        return " && ".join(parts) or "true"


def guarded(cond, body, indent):
    pad = " " * indent
    if cond == "true":
        return [pad + line for line in body]
    if len(body) == 1:
        return [f"{pad}if ({cond}) {body[0]}"]
    return [f"{pad}if ({cond}) {{"] + [pad + "  " + line for line in body] + [pad + "}"]


def read_expr(f, r, nullable):
    e = f.elem
    if e in PRIMS:
        return f"{r}.read_{PRIMS[e][2]}()"
    if e == "records":
        return f"{r}.read_records(flexible, {nullable})"
    null = "nullable_" if nullable == "true" else ""
    return f"(flexible ? {r}.read_compact_{null}{e}() : {r}.read_{null}{e}())"


def decode_field(f, msg, x, r):
    ncond = msg.cond(f.nullable, f.versions)
    if f.struct and not f.is_array:
        return [f"{x}.decode({r}, version);"]
    if not f.is_array:
        if f.elem in ("string", "bytes") and ncond not in ("true", "false"):
            return [f"if ({ncond}) {x} = {read_expr(f, r, 'true')};", f"else {x} = {read_expr(f, r, 'false')};"]
        return [f"{x} = {read_expr(f, r, ncond)};"]
    if f.struct:
        compact_min = classic_min = f.struct.min_element_size()
    elif f.elem in PRIMS:
        compact_min = classic_min = PRIMS[f.elem][1]
    else:
        compact_min, classic_min = 1, 2 if f.elem == "string" else 4
    on_null = f"{r}.fail(Errc::unexpected_null);"
    if f.nullable_type():
        on_null = f"{x}.reset();" if ncond == "true" else f"if ({ncond}) {x}.reset(); else {on_null}"
    elem = (f"items.emplace_back().decode({r}, version);" if f.struct
            else f"items.push_back({read_expr(f, r, 'false')});")
    return [
        f"if (const int32_t n = flexible ? {r}.read_compact_array_length({compact_min}) "
        f": {r}.read_array_length({classic_min}); n < 0) {{",
        f"  {on_null}",
        "} else {",
        f"  auto& items = {x + '.emplace()' if f.nullable_type() else x};",
        "  items.clear();",
        "  items.reserve(static_cast<size_t>(n));",
        f"  for (int32_t i = 0; i < n && {r}.ok(); ++i) {elem}",
        "}",
    ]


def write_scalar(f, w, x, nullable):
    e = f.elem
    if e in PRIMS:
        return [f"{w}.write_{PRIMS[e][2]}({x});"]
    if e == "records":
        return [f"{w}.write_records({x}, flexible);"]
    if nullable:
        return [f"if (flexible) {w}.write_compact_nullable_{e}({x});", f"else {w}.write_nullable_{e}({x});"]
    if f.nullable_type() and not f.is_array:
        empty = "std::string_view()" if e == "string" else "std::span<const std::byte>()"
        x = f"{x} ? {'std::string_view' if e == 'string' else 'std::span<const std::byte>'}(*{x}) : {empty}"
    return [f"if (flexible) {w}.write_compact_{e}({x});", f"else {w}.write_{e}({x});"]


def encode_field(f, msg, x, w):
    ncond = msg.cond(f.nullable, f.versions)
    if f.struct and not f.is_array:
        return [f"{x}.encode({w}, version);"]
    if not f.is_array:
        if f.elem in ("string", "bytes") and f.nullable_type() and ncond != "true":
            return ([f"if ({ncond}) {{"] + ["  " + s for s in write_scalar(f, w, x, True)] + ["} else {"]
                    + ["  " + s for s in write_scalar(f, w, x, False)] + ["}"])
        return write_scalar(f, w, x, f.nullable_type())
    items = f"(*{x})" if f.nullable_type() else x
    elem = [f"item.encode({w}, version);"] if f.struct else write_scalar(f, w, "item", False)
    body = [f"if (flexible) {w}.write_compact_array_length({items}.size());",
            f"else {w}.write_array_length({items}.size());",
            f"for (const auto& item : {items}) {{"] + ["  " + s for s in elem] + ["}"]
    if not f.nullable_type():
        return body
    null = [f"if (flexible) {w}.write_compact_null_array_length();", f"else {w}.write_null_array_length();"]
    if ncond != "true":  # not nullable at every version: write an empty array there
        null = [f"if (!({ncond})) {{", f"  if (flexible) {w}.write_compact_array_length(0);",
                f"  else {w}.write_array_length(0);", "} else {"] + ["  " + s for s in null] + ["}"]
    return [f"if (!{x}) {{"] + ["  " + s for s in null] + ["} else {"] + ["  " + s for s in body] + ["}"]


def gen_struct_decl(s, indent):
    pad = " " * indent
    out = [f"{pad}struct {s.name} {{"] if s.name != s.msg.name else []
    inner = pad + ("  " if s.name != s.msg.name else "")
    for f in s.fields:
        note = f"versions {f.versions_text}"
        if f.nullable:
            note += f", nullable {f.nullable_text}"
        if f.tagged:
            note += f", tag {f.tag}"
        about = f" {f.about}" if f.about else ""
        out.append(f"{inner}{f.cpp_type()} {f.snake}{f.initializer()};  // {note}.{about}")
    out += ["", f"{inner}void decode(Reader& r, int16_t version);",
            f"{inner}void encode(Writer& w, int16_t version) const;",
            f"{inner}friend bool operator==(const {s.name}&, const {s.name}&) = default;"]
    if s.name != s.msg.name:
        out.append(f"{pad}}};")
    return out


def gen_struct_defs(s):
    msg, q = s.msg, s.qualified
    head = f"const bool flexible = version >= {msg.name}::kFirstFlexibleVersion;"
    dec, enc = [f"void {q}::decode(Reader& r, int16_t version) {{", "  " + head], \
               [f"void {q}::encode(Writer& w, int16_t version) const {{", "  " + head]
    for f in s.fields:
        if not f.tagged:
            dec += guarded(msg.cond(f.versions, s.versions), decode_field(f, msg, f.snake, "r"), 2)
            enc += guarded(msg.cond(f.versions, s.versions), encode_field(f, msg, f.snake, "w"), 2)
    tagged = s.tagged_fields()
    if not tagged:
        dec.append("  if (flexible) r.skip_tagged_fields();")
        enc.append("  if (flexible) w.write_empty_tagged_fields();")
    else:
        dec += ["  if (flexible) {", "    r.read_tagged_fields([&](uint32_t tag, Reader& field) {",
                "      switch (tag) {"]
        enc += ["  if (flexible) {", "    uint32_t tagged = 0;"]
        present = {}
        for f in tagged:
            c = msg.cond(f.tagged, s.versions)
            present[f.name] = f"!({f.is_default(f.snake)})" + ("" if c == "true" else f" && {c}")
            enc.append(f"    if ({present[f.name]}) ++tagged;")
            dec += [f"        case {f.tag}:"] + guarded(c, decode_field(f, msg, f.snake, "field"), 10) + ["          break;"]
        dec += ["        default:", "          break;", "      }", "    });", "  }"]
        enc.append("    w.write_uvarint(tagged);")
        for f in tagged:
            enc += [f"    if ({present[f.name]}) {{", "      Writer field;"]
            enc += ["      " + line for line in encode_field(f, msg, f.snake, "field")]
            enc += [f"      w.write_tagged_field({f.tag}, field);", "    }"]
        enc.append("  }")
    return dec + ["}", ""] + enc + ["}", ""]


def gen_header(api, msgs, source):
    out = [f"// Generated by protocol/generate_messages.py from {source}. Do not edit.", "#pragma once", ""]
    if api.get("about"):
        about = api["about"] if isinstance(api["about"], list) else [api["about"]]
        out += [f"// {line}" for line in about] + [""]
    out += ["#include <array>", "#include <cstddef>", "#include <cstdint>", "#include <limits>",
            "#include <optional>", "#include <string>", "#include <vector>", "",
            '#include "protocol/codec.h"', '#include "protocol/records_ref.h"', "",
            "namespace runnel::protocol::messages {", ""]
    for m in msgs:
        out += [f"struct {m.name} {{", f"  static constexpr int16_t kApiKey = {api['api_key']};",
                f"  static constexpr int16_t kMinVersion = {m.served[0]};",
                f"  static constexpr int16_t kMaxVersion = {m.served[1]};",
                f"  static constexpr int16_t kFirstFlexibleVersion = {m.first_flexible};", ""]
        for s in m.structs[:-1]:
            out += gen_struct_decl(s, 2) + [""]
        out += gen_struct_decl(m.top, 2) + ["};", ""]
    return out + ["}  // namespace runnel::protocol::messages", ""]


def gen_source(snake_name, msgs):
    out = ["// Generated by protocol/generate_messages.py. Do not edit.",
           f'#include "protocol/messages/{snake_name}.h"', "", "namespace runnel::protocol::messages {", ""]
    for m in msgs:
        for s in m.structs:
            out += gen_struct_defs(s)
    return out + ["}  // namespace runnel::protocol::messages", ""]


def gen_aggregate(apis):
    out = ["// Generated by protocol/generate_messages.py. Do not edit.", "// Every message, and the table of APIs with their served versions.",
           "#pragma once", "", "#include <array>", "#include <cstdint>", "#include <string_view>", ""]
    out += [f'#include "protocol/messages/{snake(a["name"])}.h"' for a in apis]
    out += ["", "namespace runnel::protocol::messages {", "", "struct ApiInfo {", "  int16_t api_key;",
            "  std::string_view name;", "  int16_t min_version;", "  int16_t max_version;",
            "  int16_t first_flexible_version;", "};", "",
            f"inline constexpr std::array<ApiInfo, {len(apis)}> kApis{{{{"]
    for a in apis:
        r = f"{a['name']}Request"
        out.append(f'    {{{r}::kApiKey, "{a["name"]}", {r}::kMinVersion, {r}::kMaxVersion, {r}::kFirstFlexibleVersion}},')
    out += ["}};", "", "// The entry for api_key, or nullptr when it is not served.",
            "constexpr const ApiInfo* find_api(int16_t api_key) {",
            "  for (const auto& api : kApis)", "    if (api.api_key == api_key) return &api;",
            "  return nullptr;", "}", "", "}  // namespace runnel::protocol::messages", ""]
    return out


def load(schema_dir):
    apis = []
    for name in sorted(os.listdir(schema_dir)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(schema_dir, name)) as fh:
            api = json.load(fh)
        unknown = set(api) - API_KEYS
        if unknown or api.get("name") + ".json" != name:
            raise SchemaError(f"{name}: unknown keys {sorted(unknown)} or name not matching the file")
        api["_msgs"] = [Message(api, "Request", api["request"]), Message(api, "Response", api["response"])]
        api["_file"] = f"protocol/schema/{name}"
        apis.append(api)
    if len({a["api_key"] for a in apis}) != len(apis):
        raise SchemaError("duplicate api_key")
    return sorted(apis, key=lambda a: a["api_key"])


def write_if_changed(path, lines):
    text = "\n".join(lines)
    if os.path.exists(path):
        with open(path) as fh:
            if fh.read() == text:
                return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as fh:
        fh.write(text)
    os.replace(path + ".tmp", path)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--schemas", required=True)
    p.add_argument("--out")
    p.add_argument("--list", action="store_true")
    args = p.parse_args()
    try:
        apis = load(args.schemas)
    except (SchemaError, KeyError, ValueError) as e:
        sys.exit(f"generate_messages.py: {e}")
    names = [snake(a["name"]) for a in apis]
    if args.list:
        print(";".join([f"{n}.h;{n}.cc" for n in names] + ["messages.h"]))
    if args.out:
        for api, n in zip(apis, names):
            write_if_changed(os.path.join(args.out, f"{n}.h"), gen_header(api, api["_msgs"], api["_file"]))
            write_if_changed(os.path.join(args.out, f"{n}.cc"), gen_source(n, api["_msgs"]))
        write_if_changed(os.path.join(args.out, "messages.h"), gen_aggregate(apis))


if __name__ == "__main__":
    main()
