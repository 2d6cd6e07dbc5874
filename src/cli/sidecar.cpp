#include "sidecar.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "json_read.hpp"
#include "physr/core/error.hpp"

namespace physr::cli {

std::string SidecarPath(const std::string& csv_path) {
  return std::filesystem::path(csv_path).replace_extension(".json").string();
}

std::optional<std::map<std::string, std::string>> ReadSidecarUnits(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  const nlohmann::json json = ReadJsonDocument(path, "the sidecar of the data");
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
