#include "json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "physr/core/error.hpp"
#include "physr/core/files.hpp"

namespace physr::cli {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (overlong
// forms, surrogates and code points above U+10FFFF are invalid).
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  std::size_t len;
  std::uint32_t cp;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1Fu;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0Fu;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07u;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  static constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// The two-character escape JSON defines for `c`, or null.
const char* ShortEscape(char c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    default:
      return nullptr;
  }
}

}  // namespace

std::string JsonString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (const char* escape = ShortEscape(c)) {
      out += escape;
      ++i;
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(u));
      out += buf;
      ++i;
      continue;
    }
    const std::size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  out += '"';
  return out;
}

std::string JsonNumber(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, x);
  PHYSR_CHECK(result.ec == std::errc(), "to_chars failed for a double");
  return std::string(buf, result.ptr);
}

void JsonWriter::Newline() {
  out_ << '\n';
  for (std::size_t i = 0; i < stack_.size(); ++i) out_ << "  ";
}

void JsonWriter::BeforeValue() {
  PHYSR_CHECK(!done_, "JsonWriter: a second top-level value");
  if (stack_.empty()) return;
  Level& level = stack_.back();
  if (level.is_object) {
    PHYSR_CHECK(after_key_, "JsonWriter: a value inside an object needs a key first");
    after_key_ = false;
    return;
  }
  if (level.count++ > 0) out_ << ',';
  Newline();
}

void JsonWriter::Key(std::string_view key) {
  PHYSR_CHECK(!stack_.empty() && stack_.back().is_object && !after_key_,
              "JsonWriter: a key outside an object or after another key");
  if (stack_.back().count++ > 0) out_ << ',';
  Newline();
  out_ << JsonString(key) << ": ";
  after_key_ = true;
}

void JsonWriter::BeginObject() {
  BeforeValue();
  out_ << '{';
  stack_.push_back({true, 0});
}

void JsonWriter::BeginArray() {
  BeforeValue();
  out_ << '[';
  stack_.push_back({false, 0});
}

void JsonWriter::EndObject() {
  PHYSR_CHECK(!stack_.empty() && stack_.back().is_object && !after_key_,
              "JsonWriter: unbalanced EndObject");
  const bool empty = stack_.back().count == 0;
  stack_.pop_back();
  if (!empty) Newline();
  out_ << '}';
  if (stack_.empty()) {
    out_ << '\n';
    done_ = true;
  }
}

void JsonWriter::EndArray() {
  PHYSR_CHECK(!stack_.empty() && !stack_.back().is_object, "JsonWriter: unbalanced EndArray");
  const bool empty = stack_.back().count == 0;
  stack_.pop_back();
  if (!empty) Newline();
  out_ << ']';
  if (stack_.empty()) {
    out_ << '\n';
    done_ = true;
  }
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  out_ << JsonString(value);
  if (stack_.empty()) done_ = true;
}

void JsonWriter::Number(double value) {
  BeforeValue();
  out_ << JsonNumber(value);
  if (stack_.empty()) done_ = true;
}

void JsonWriter::Integer(std::int64_t value) {
  BeforeValue();
  out_ << value;
  if (stack_.empty()) done_ = true;
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ << (value ? "true" : "false");
  if (stack_.empty()) done_ = true;
}

void JsonWriter::Null() {
  BeforeValue();
  out_ << "null";
  if (stack_.empty()) done_ = true;
}

void WriteJsonFile(const std::string& path, const std::string& text) {
  WriteFileAtomically(path, text, "--json file");
}

}  // namespace physr::cli
