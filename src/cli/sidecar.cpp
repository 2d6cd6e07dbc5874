#include "sidecar.hpp"

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <system_error>

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

std::string SidecarPath(const std::string& csv_path) {
  return std::filesystem::path(csv_path).replace_extension(".json").string();
}

std::optional<std::map<std::string, std::string>> ReadSidecarUnits(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in && !in.eof()) throw InputError("cannot read '" + path + "' (the sidecar of the data)");

  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(Place(path, text, e.byte) + ": not valid JSON: " + Reason(e.what()));
  }
  const std::string where = path + ": ";
  if (!json.is_object()) throw InputError(where + "the top level must be a JSON object");
  const auto columns = json.find("columns");
  if (columns == json.end()) return std::nullopt;
  if (!columns->is_object()) {
    throw InputError(where + "\"columns\" must be an object of column name -> {\"unit\": ...}");
  }
  std::map<std::string, std::string> units;
  for (const auto& [name, entry] : columns->items()) {
    if (!entry.is_object()) {
      throw InputError(where + "columns.\"" + name +
                       "\" must be an object, like {\"unit\": \"m\"}");
    }
    const auto unit = entry.find("unit");
    if (unit == entry.end()) continue;
    if (!unit->is_string()) {
      throw InputError(where + "columns.\"" + name + "\".unit must be a string, like \"m/s\"");
    }
    units.emplace(name, unit->get<std::string>());
  }
  return units;
}

}  // namespace physr::cli
