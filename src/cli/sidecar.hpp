// A dataset's JSON sidecar: NAME.json beside NAME.csv, describing its columns as
// {"columns": {"v": {"unit": "m/s", ...}, ...}, ...} (the files of datasets/ have one). The CLI
// takes units from it for header cells without a [unit]. Not here: what the units mean (the
// CSV reader parses them as CsvOptions::fallback_units).
#pragma once

#include <map>
#include <optional>
#include <string>

namespace physr::cli {

// The sidecar path of a CSV file: its extension replaced by ".json" ("d/x.csv" -> "d/x.json",
// "d/x" -> "d/x.json").
std::string SidecarPath(const std::string& csv_path);

// The column units of the sidecar file at `path`: name -> unit text, for every column entry
// that has a "unit". nullopt when there is no such regular file, or when it is a JSON object
// without "columns" (another kind of JSON file, such as a result written with --json).
// Throws InputError naming the file: "path:line:column: not valid JSON: ..." for a syntax error,
// "path: ..." when the top level is not an object, "columns" is not an object, a column entry
// is not an object, or a "unit" is not a string; "cannot read 'path'" when it cannot be read.
std::optional<std::map<std::string, std::string>> ReadSidecarUnits(const std::string& path);

}  // namespace physr::cli
