// A small streaming JSON writer for the command-line tool's result files (their fields are
// listed in docs/architecture.md, "Interfaces that others depend on").
// Writes one document with 2-space indentation; strings are escaped (invalid UTF-8 becomes
// U+FFFD), numbers use the shortest text that reads back as the same double, and non-finite
// numbers are written as null. Not a parser and not a general-purpose JSON library.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace physr::cli {

// `s` as a JSON string literal, quotes included.
std::string JsonString(std::string_view s);
// `x` as a JSON number: shortest round-trip decimal ("0.1", "2.998e+08", "3"); "null" if
// `x` is NaN or ±inf (JSON has no non-finite numbers).
std::string JsonNumber(double x);

// Usage: w.BeginObject(); w.Key("r2"); w.Number(0.99); w.EndObject();
// Misuse (a value where a key is due, unbalanced End*) fails a PHYSR_CHECK. The writer does
// not own the stream; not thread-safe.
class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  void Key(std::string_view key);
  void String(std::string_view value);
  void Number(double value);
  void Integer(std::int64_t value);
  void Bool(bool value);
  void Null();

  // Key followed by a value, for the common case.
  void Field(std::string_view key, std::string_view value) { Key(key), String(value); }
  void Field(std::string_view key, const char* value) { Key(key), String(value); }
  void Field(std::string_view key, double value) { Key(key), Number(value); }
  void IntegerField(std::string_view key, std::int64_t value) { Key(key), Integer(value); }

  // True once the top-level value is complete.
  bool done() const { return done_; }

 private:
  struct Level {
    bool is_object;
    int count;
  };
  void BeforeValue();
  void Newline();

  std::ostream& out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
  bool done_ = false;
};

// Writes `text` to `path` atomically (WriteFileAtomically, core/files.hpp), so a reader never
// sees a half-written result. Throws InputError naming the --json file and the path when the
// file cannot be written.
void WriteJsonFile(const std::string& path, const std::string& text);

}  // namespace physr::cli
