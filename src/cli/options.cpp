#include "options.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>
#include <system_error>
#include <utility>

#include "json.hpp"
#include "physr/core/error.hpp"
#include "physr/core/files.hpp"
#include "physr/expr/token.hpp"
#include "physr/units/unit_parser.hpp"
#include "sidecar.hpp"

namespace physr::cli {
namespace {

std::string_view Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

[[noreturn]] void Fail(std::string_view flag, std::string_view text, const std::string& why) {
  throw InputError(std::string(flag) + " '" + std::string(text) + "': " + why);
}

struct NameAndUnit {
  std::string name;
  Dimension dimension;
  double scale = 1.0;  // of the unit to coherent SI: values given in it are multiplied by it
};

// Reads "NAME" or "NAME[UNIT]" (the text before any '=').
NameAndUnit ParseNameAndUnit(std::string_view flag, std::string_view whole, std::string_view part,
                             std::string_view example) {
  part = Trim(part);
  NameAndUnit result;
  std::string_view name = part;
  std::optional<std::string_view> unit;
  if (const auto open = part.find('['); open != std::string_view::npos) {
    name = Trim(part.substr(0, open));
    const auto close = part.find(']', open);
    if (close == std::string_view::npos) {
      Fail(flag, whole, "missing ']' after the unit; write " + std::string(example));
    }
    if (!Trim(part.substr(close + 1)).empty()) {
      Fail(flag, whole, "unexpected text after ']'; write " + std::string(example));
    }
    unit = part.substr(open + 1, close - open - 1);
  }
  if (!IsIdentifier(name)) {
    Fail(flag, whole,
         name.empty() ? "missing constant name; write " + std::string(example)
                      : "'" + std::string(name) +
                            "' is not a valid name (letters, digits and '_', not starting "
                            "with a digit)");
  }
  result.name = std::string(name);
  if (unit) {
    try {
      const units::ParsedUnit parsed = units::ParseUnitWithScale(*unit);
      result.dimension = parsed.dimension;
      result.scale = parsed.scale;
    } catch (const units::UnitParseError& e) {
      Fail(flag, whole, e.what());
    }
  }
  return result;
}

}  // namespace

bool ParseDouble(std::string_view text, double& value) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) return false;
  }
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  return result.ec == std::errc() && result.ptr == end;
}

FixedConstantSpec ParseFixedConstant(std::string_view text, std::string_view flag) {
  static constexpr std::string_view kExample = "NAME[UNIT]=VALUE, e.g. c[m/s]=2.998e8";
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    Fail(flag, text, "missing '=VALUE'; write " + std::string(kExample));
  }
  const NameAndUnit head = ParseNameAndUnit(flag, text, text.substr(0, eq), kExample);
  const std::string_view value_text = Trim(text.substr(eq + 1));
  FixedConstantSpec spec;
  spec.name = head.name;
  spec.dimension = head.dimension;
  if (!ParseDouble(value_text, spec.value)) {
    Fail(flag, text,
         value_text.empty() ? "missing value after '='"
                            : "'" + std::string(value_text) + "' is not a number");
  }
  if (!std::isfinite(spec.value)) Fail(flag, text, "the value must be finite");
  spec.value *= head.scale;  // c[km/s]=3e5 is 3e8 m/s
  if (!std::isfinite(spec.value)) Fail(flag, text, "the value in SI units must be finite");
  return spec;
}

FreeConstantSpec ParseFreeConstant(std::string_view text, std::string_view flag) {
  static constexpr std::string_view kExample = "NAME[UNIT] or NAME[UNIT]=START, e.g. k[kg]";
  const auto eq = text.find('=');
  const NameAndUnit head = ParseNameAndUnit(flag, text, text.substr(0, eq), kExample);
  FreeConstantSpec spec;
  spec.name = head.name;
  spec.dimension = head.dimension;
  if (eq != std::string_view::npos) {
    const std::string_view value_text = Trim(text.substr(eq + 1));
    if (!ParseDouble(value_text, spec.initial_value)) {
      Fail(flag, text,
           value_text.empty() ? "missing start value after '='"
                              : "'" + std::string(value_text) + "' is not a number");
    }
    if (!std::isfinite(spec.initial_value)) Fail(flag, text, "the start value must be finite");
    spec.initial_value *= head.scale;
    if (!std::isfinite(spec.initial_value)) {
      Fail(flag, text, "the start value in SI units must be finite");
    }
  }
  return spec;
}

std::map<std::string, std::string> ParseUnitOverrides(std::string_view text,
                                                      std::string_view flag) {
  std::map<std::string, std::string> result;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      Fail(flag, text, "'" + std::string(Trim(item)) + "' needs the form NAME=UNIT, e.g. v=m/s");
    }
    const std::string name(Trim(item.substr(0, eq)));
    const std::string unit(Trim(item.substr(eq + 1)));
    if (name.empty()) Fail(flag, text, "a column name is missing before '='");
    try {
      units::ParseUnit(unit);
    } catch (const units::UnitParseError& e) {
      Fail(flag, text, e.what());
    }
    if (!result.emplace(name, unit).second) {
      Fail(flag, text, "column '" + name + "' is given twice");
    }
  }
  return result;
}

CsvDelimiter ParseDelimiter(std::string_view text, std::string_view flag) {
  const std::string_view t = text == "\t" ? text : Trim(text);
  if (t == "," || t == "comma") return CsvDelimiter::kComma;
  if (t == ";" || t == "semicolon") return CsvDelimiter::kSemicolon;
  if (t == "tab" || t == "\t") return CsvDelimiter::kTab;
  if (t == "space" || t == "whitespace") return CsvDelimiter::kWhitespace;
  if (t == "auto" || t.empty()) return CsvDelimiter::kAuto;
  Fail(flag, text, "expected ',', ';', tab, space (runs of spaces and tabs) or auto");
}

void AddDataFlags(CLI::App* cmd, DataFlags& flags) {
  cmd->add_option("--units", flags.units,
                  "Units for columns whose header has none, or overriding it: v=m/s,E=J "
                  "(before those of the sidecar NAME.json beside NAME.csv)")
      ->type_name("NAME=UNIT,...");
  cmd->add_option("--ignore", flags.ignore,
                  "Columns to leave out, unread (they may hold text); repeatable or "
                  "comma-separated")
      ->type_name("COL[,COL...]")
      ->delimiter(',')
      ->allow_extra_args(false);
  cmd->add_option("--delimiter", flags.delimiter,
                  "Cell separator: ',', ';', tab or space (runs of blanks); default: detected "
                  "from the header (the first ';' or ',' outside quotes and [units], else tab, "
                  "else blanks)")
      ->type_name("SEP");
  cmd->add_flag("--drop-nonfinite", flags.drop_nonfinite,
                "Drop rows holding NaN or inf instead of rejecting the file");
}

CsvOptions MakeCsvOptions(const DataFlags& flags, const DatasetOptions& dataset) {
  CsvOptions options;
  options.drop_nonfinite = flags.drop_nonfinite;
  if (!flags.units.empty()) options.units = ParseUnitOverrides(flags.units);
  options.delimiter = ParseDelimiter(flags.delimiter);
  for (const std::string& text : flags.ignore) {
    const std::string name(Trim(text));
    if (name.empty()) Fail("--ignore", text, "a column name is missing");
    for (const auto& [role, column] :
         {std::pair<const char*, const std::string&>{"target", dataset.target},
          {"sigma", dataset.sigma},
          {"weights", dataset.weights}}) {
      if (name == column) Fail("--ignore", text, "column '" + name + "' is the " + role);
    }
    options.ignore.push_back(name);
  }
  return options;
}

std::ostream& WriteJsonResult(const std::string& json_path, const std::string& json,
                              std::ostream& out) {
  if (json_path == kStdoutPath) {
    out << json << std::flush;
    return std::cerr;
  }
  if (!json_path.empty()) WriteJsonFile(json_path, json);
  return out;
}

void PrintJsonPath(std::ostream& report, const std::string& json_path) {
  if (!json_path.empty() && json_path != kStdoutPath) {
    report << "json        " << json_path << '\n';
  }
}

void CheckJsonPath(const std::string& json_path, const std::string& data_path) {
  if (json_path.empty() || json_path == kStdoutPath) return;
  CheckWritable(json_path, "--json");
  if (data_path == kStdinPath) return;
  const std::string sidecar = SidecarPath(data_path);
  std::error_code ec;
  if (!std::filesystem::equivalent(json_path, sidecar, ec) || ec) return;
  if (ReadSidecarUnits(sidecar)) {
    Fail("--json", json_path,
         "this is the sidecar describing the data's columns; write the result elsewhere");
  }
}

CsvTable ReadTable(const std::string& path, const CsvOptions& csv_options, bool quiet) {
  CsvTable table;
  if (path == kStdinPath) {
    table = ReadCsv(std::cin, std::string(kStdinName), csv_options);
  } else {
    CsvOptions options = csv_options;
    const std::string sidecar = SidecarPath(path);
    std::error_code ec;
    const bool is_file = std::filesystem::is_regular_file(path, ec);
    if (auto units = is_file && sidecar != path ? ReadSidecarUnits(sidecar) : std::nullopt) {
      options.fallback_units = std::move(*units);
      options.fallback_source = sidecar;
    }
    table = ReadCsvFile(path, options);
  }
  if (quiet) return table;
  for (const std::string& warning : table.warnings) {
    std::cerr << "physr: warning: " << warning << '\n';
  }
  if (table.dropped_rows > 0) {
    std::cerr << "physr: note: dropped " << table.dropped_rows
              << " row(s) holding NaN or inf (--drop-nonfinite)\n";
  }
  return table;
}

LoadedData LoadData(const std::string& path, const CsvOptions& csv_options,
                    const DatasetOptions& dataset_options, bool quiet) {
  LoadedData loaded;
  loaded.table = ReadTable(path, csv_options, quiet);
  loaded.data = MakeDataset(loaded.table, dataset_options);
  return loaded;
}

void PrintConversions(std::ostream& out, const Dataset& data) {
  const std::vector<std::string> lines = DescribeConversions(data);
  for (const std::string& line : lines) out << "note        " << line << '\n';
  if (!lines.empty()) {
    out << "note        formulas, constants and errors below are in coherent SI units\n";
  }
}

}  // namespace physr::cli
