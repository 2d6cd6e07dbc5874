// CSV input with units in the header: "v[m/s],m[kg],E[kg*m^2/s^2]". '#' comment lines before
// the header and anywhere after it; quoted fields ("a,b" with "" as an escaped quote); LF or
// CRLF line ends; an optional UTF-8 byte-order mark. Not a general CSV library.
#pragma once

#include <istream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "physr/data/dataset.hpp"

namespace physr {

struct CsvTable {
  std::string source;                          // file name used in messages
  std::vector<std::string> names;              // header names without the [unit] part
  std::vector<std::optional<Dimension>> units;  // nullopt where the header had no [unit]
  std::vector<std::vector<double>> columns;     // columns[c][r]
  std::size_t dropped_rows = 0;                 // rows dropped by drop_nonfinite
};

struct CsvOptions {
  // Drop rows holding NaN or ±inf (and count them in dropped_rows) instead of rejecting them.
  bool drop_nonfinite = false;
  // Units for columns whose header has none, or overriding the header: name -> unit text.
  std::map<std::string, std::string> units;
};

// Reads a table. Throws InputError naming source:line:column for: an empty file or no header,
// an empty or duplicate column name, a bad unit string, a ragged row, a cell that is not a
// number, NaN/inf (unless drop_nonfinite), or zero data rows. A missing unit annotation is
// not an error here; MakeDataset reports it.
CsvTable ReadCsv(std::istream& in, const std::string& source, const CsvOptions& options = {});
// Opens `path` and reads it (throws InputError if it cannot be opened).
CsvTable ReadCsvFile(const std::string& path, const CsvOptions& options = {});

struct DatasetOptions {
  std::string target;   // empty: the last column that is not sigma/weights
  std::string sigma;    // column of per-row standard errors σ (weights 1/σ²); must be > 0
  std::string weights;  // column of per-row weights; must be ≥ 0 with a positive sum
  // Columns to leave out of the inputs (besides target/sigma/weights).
  std::vector<std::string> ignore;
};

// Splits a table into inputs and target. Throws InputError if a named column does not exist,
// if both sigma and weights are given, if any used column lacks a unit ("column 'v' has no
// unit: write v[m/s] in the header or pass --units v=m/s"), or if there is no input column.
Dataset MakeDataset(const CsvTable& table, const DatasetOptions& options = {});

}  // namespace physr
