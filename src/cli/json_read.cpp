#include "json_read.hpp"

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <iterator>

#include "physr/core/error.hpp"

namespace physr::cli {
namespace {

// "path:line:column" of the 1-based byte `byte` of `text` (column in UTF-8 characters).
std::string Place(const std::string& path, const std::string& text, std::size_t byte) {
  const std::size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return path + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// nlohmann's message without its "[json.exception...] " tag and its own position.
std::string Reason(const std::string& what) {
  std::string reason = what;
  if (const auto tag = reason.find("] ");
      reason.rfind("[json.", 0) == 0 && tag != std::string::npos) {
    reason.erase(0, tag + 2);
  }
  if (const auto column = reason.find("column "); column != std::string::npos) {
    if (const auto colon = reason.find(": ", column); colon != std::string::npos) {
      reason.erase(0, colon + 2);
    }
  }
  return reason;
}

}  // namespace

nlohmann::json ReadJsonDocument(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read '" + path + "' (" + std::string(what) + ")");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in && !in.eof()) throw InputError("cannot read '" + path + "' (" + std::string(what) + ")");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const bool truncated = e.byte >= text.size();
    throw InputError(Place(path, text, e.byte) + ": not valid JSON" +
                     (truncated ? " (the file ends early: truncated?)" : "") + ": " +
                     Reason(e.what()));
  }
}

}  // namespace physr::cli
