// Parsing of the command-line values that carry units: `--const NAME[UNIT]=VALUE`,
// `--free-const NAME[UNIT]` and `--units NAME=UNIT,...`; the data flags `physr eval` and
// `physr fit` share (--ignore, --delimiter) and the loading of their data. Every failure throws
// InputError quoting the flag and its value, so the user sees which argument is wrong.
// Not here: the other flags (CLI11, in the *_command.cpp files).
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "physr/data/csv.hpp"
#include "physr/expr/library.hpp"

namespace physr::cli {

// Reads a whole cell as a double: std::from_chars syntax plus an optional leading '+', spaces
// around allowed. Returns false for anything else (empty text, trailing characters, out of
// range). Accepts "nan" and "inf"; callers that need a finite value check it.
bool ParseDouble(std::string_view text, double& value);

// "c[m/s]=2.998e8" -> {c, 2.998e8, L T^-1}; "k=2" and "k[]=2" are dimensionless. `flag` is
// the flag name used in messages ("--const"). A value in a scaled unit is converted to coherent
// SI: "c[km/s]=3e5" -> {c, 3e8, L T^-1}. Throws InputError for a bad name, a missing
// '=' or value, a value that is not a finite number, or a bad unit (the message includes the
// unit parser's position).
FixedConstantSpec ParseFixedConstant(std::string_view text, std::string_view flag = "--const");

// "k[kg]" or "k" (dimensionless), optionally "=START" for the start value of the fit
// (default 1), converted to coherent SI as ParseFixedConstant does. Throws InputError as
// ParseFixedConstant does.
FreeConstantSpec ParseFreeConstant(std::string_view text, std::string_view flag = "--free-const");

// "v=m/s,E=kg*m^2/s^2" -> {v: "m/s", E: "kg*m^2/s^2"}, for CsvOptions::units. Unit texts
// are checked here (bad unit, empty name, missing '=', a name given twice all throw
// InputError); whether each name is a column is checked by the CSV reader.
std::map<std::string, std::string> ParseUnitOverrides(std::string_view text,
                                                      std::string_view flag = "--units");

// "," ";" "tab" (or "\t"), "space" or "whitespace", "auto" -> the delimiter. Throws
// InputError for anything else.
CsvDelimiter ParseDelimiter(std::string_view text, std::string_view flag = "--delimiter");

// How `physr eval` and `physr fit` read their data: the values of their data flags.
struct DataFlags {
  std::string units;                // --units NAME=UNIT,...
  std::string delimiter;            // --delimiter; empty: auto
  std::vector<std::string> ignore;  // --ignore COL (repeatable, or comma-separated)
  bool drop_nonfinite = false;      // --drop-nonfinite
};

// Adds --ignore, --delimiter, --units and --drop-nonfinite to a command.
void AddDataFlags(CLI::App* cmd, DataFlags& flags);

// The reader's options from the data flags. Throws InputError for a bad --units or
// --delimiter, or a column that `dataset` (target, sigma, weights) uses and --ignore drops.
CsvOptions MakeCsvOptions(const DataFlags& flags, const DatasetOptions& dataset);

// Throws InputError when --json `json_path` cannot be written (CheckWritable: a missing or
// read-only directory), or names the JSON sidecar of the data at
// `data_path` (an existing file with "columns"), which the result would overwrite.
void CheckJsonPath(const std::string& json_path, const std::string& data_path);

// Writes a command's JSON result where --json `json_path` says: to `out` when it is "-"
// (before any report, so a failure leaves stdout empty), else to the file (WriteJsonFile);
// nothing when it is empty. Returns the stream the command's report goes to: std::cerr when
// the JSON took stdout, else `out`.
std::ostream& WriteJsonResult(const std::string& json_path, const std::string& json,
                              std::ostream& out);

// The report's last line, "json        PATH", when the JSON went to a file.
void PrintJsonPath(std::ostream& report, const std::string& json_path);

struct LoadedData {
  CsvTable table;
  Dataset data;
};

// The data path that reads standard input, and the name it has in reports and JSON.
inline constexpr std::string_view kStdinPath = "-";
inline constexpr std::string_view kStdinName = "<stdin>";
// The --json path that writes to standard output.
inline constexpr std::string_view kStdoutPath = "-";

// Reads the CSV at `path` ("-": standard input, named "<stdin>"); for a file, units the
// header lacks come from its JSON sidecar (SidecarPath) when there is one, after --units.
// Prints the reader's warnings on stderr, and a note when --drop-nonfinite dropped rows, unless
// `quiet` (the ranks of an MPI job but the first). Throws InputError for bad files.
CsvTable ReadTable(const std::string& path, const CsvOptions& csv_options, bool quiet = false);

// Reads the CSV at `path` ("-": standard input, named "<stdin>") and splits it into inputs and
// target, as `physr eval` and `physr fit` both do. For a file, units the header lacks come
// from its JSON sidecar (SidecarPath) when there is one, after --units (CsvOptions::units).
// Prints what ReadTable prints (nothing when `quiet`). Throws InputError (from the reader, the
// sidecar or MakeDataset) for bad files.
LoadedData LoadData(const std::string& path, const CsvOptions& csv_options,
                    const DatasetOptions& dataset_options, bool quiet = false);

// Prints one "note        converted v from km/h to m/s (× 0.277777777777778)" line per
// column whose values were converted to coherent SI on input, then a line saying that
// formulas and constants are in SI units; prints nothing when no column was converted.
void PrintConversions(std::ostream& out, const Dataset& data);

}  // namespace physr::cli
