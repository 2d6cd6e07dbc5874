// CSV input with units in the header: "v[m/s],m[kg],E[kg*m^2/s^2]". '#' comment lines before
// the header and anywhere after it; cells separated by ',', ';', tabs or runs of whitespace
// (detected from the header, or forced); quoted fields ("a,b" with "" as an escaped quote); LF,
// CRLF or CR line ends; an optional UTF-8 byte-order mark. Turns a table into a Dataset.
// Not a general CSV library: one delimiter per file, no quoted line breaks, numbers only in
// rows (except in ignored columns).
#pragma once

#include <cstddef>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "physr/data/dataset.hpp"

namespace physr {

// A parsed table: every column as float64, with the unit its header (or CsvOptions::units)
// gave. All vectors indexed by column have names.size() entries; every columns[c] has the
// same length (the number of kept rows).
// What separates the cells of a line. kAuto detects it from the header line: the first ';' or
// ',' outside quotes and [unit] brackets; else a tab, if the header has one there; else runs of
// spaces and tabs, if they split the header into more than one cell; else ','.
enum class CsvDelimiter { kAuto, kComma, kSemicolon, kTab, kWhitespace };

// "','", "';'", "tab", "whitespace" (or "auto"), for messages.
std::string ToString(CsvDelimiter delimiter);

struct CsvTable {
  std::string source;                            // file name used in messages
  CsvDelimiter delimiter = CsvDelimiter::kAuto;  // the delimiter the cells were split at
  std::vector<std::string> names;                // header names without the [unit] part
  std::vector<std::optional<Dimension>> units;   // nullopt where the header had no [unit]
  // The unit text as written (header or CsvOptions::units; "" where none) and its factor to
  // coherent SI ("km" -> 1000). The columns hold the values as written; MakeDataset converts
  // them. Either may be left empty by code that builds a table itself: then all are SI.
  std::vector<std::string> unit_texts;
  std::vector<double> scales;
  std::vector<std::vector<double>> columns;  // columns[c][r]
  std::size_t dropped_rows = 0;              // rows dropped by drop_nonfinite
  // 1-based source line of each kept row, for messages about a row (MakeDataset names the
  // line of a bad σ or weight). May be left empty by code that builds a table itself; messages
  // then name the 1-based row instead.
  std::vector<std::size_t> row_lines;
  // Warnings about the table that did not stop the reading (a header unit that disagrees with
  // CsvOptions::fallback_units), each "source:line:column: text".
  std::vector<std::string> warnings;

  std::size_t num_rows() const { return columns.empty() ? 0 : columns.front().size(); }
  // Index of the column called `name`, or nullopt.
  std::optional<std::size_t> FindColumn(const std::string& name) const;
};

struct CsvOptions {
  // Drop rows holding NaN or ±inf (and count them in dropped_rows) instead of rejecting them.
  bool drop_nonfinite = false;
  // Units for columns whose header has none, or overriding the header: name -> unit text
  // ("" or "1" for dimensionless). Every name must be a column of the table.
  std::map<std::string, std::string> units;
  // Units for columns that get none from the header or `units` (from a dataset's sidecar file):
  // name -> unit text. Names that are not columns are passed over. A header unit of another
  // dimension wins, with a warning in CsvTable::warnings. `fallback_source` names where these
  // units come from, in messages.
  std::map<std::string, std::string> fallback_units;
  std::string fallback_source;
  // Cell separator; kAuto detects it from the header (see CsvDelimiter).
  CsvDelimiter delimiter = CsvDelimiter::kAuto;
  // Columns to leave out entirely: their cells are not read (they may hold text or be empty)
  // and the table does not have them. Every name must be a column of the header.
  std::vector<std::string> ignore;
};

// Reads a table from `in` (consumed to its end; `source` is only used in messages).
//
// Format: the first line that is neither blank nor a comment ('#' as its first non-blank
// character) is the header; its cells are `name[unit]` (unit text as units::ParseUnitWithScale
// reads it; `x[]` is dimensionless) or a bare `name` (no unit). Every later non-blank,
// non-comment line is a row with exactly one cell per header cell. Cells are split at the
// delimiter (CsvDelimiter; with kWhitespace a header cell may have blanks before its `[unit]`,
// "v [m/s]"), and trimmed of spaces and tabs (spaces only when tabs separate cells); a quoted
// cell ("...", with "" for a quote) must close on its own line. An unquoted header cell that
// holds another of ',', ';' or a tab is an error suggesting --delimiter, so a file is never
// read silently with the wrong delimiter. Lines end at LF or CRLF; at CR alone when the input
// has no LF.
// Row cells are numbers as std::from_chars reads them, plus an optional leading '+': the
// whole cell must be the number ("1e3", "-2.5E-7", "+3"; not "1,5", "abc", "", "0x1F").
// "nan", "inf", "-inf", "infinity" (any case) are read as non-finite values. The last line
// needs no line break.
//
// Failure: throws InputError, with a message that starts "source:line:column: " (1-based;
// the column counts UTF-8 characters and points at the start of the offending cell, or at the
// offending character inside a unit or after a closing quote), "source:line: " for a ragged
// row, or "source: " for whole-file problems. Reported: an empty file or no header line, an
// empty or duplicate column name, a malformed `[unit]` or bad unit text, an unterminated
// quote, a header cell holding another delimiter, a ragged row (including a last row cut
// short; the message names the delimiter unless it is ','), a cell that is not a number or is
// outside the range of a double, NaN/inf (unless drop_nonfinite), an options.units name that
// is not a column or whose unit text is bad, an options.ignore name that is not a column, a
// bad options.fallback_units text for a column (naming fallback_source), a read error, and
// zero data rows. A missing unit
// annotation is not an error here; MakeDataset reports it for the columns it uses.
//
// Cost: reads the whole input into memory once (about the file size plus 8 bytes per cell of
// output); linear in the input, no allocation per cell. Thread-safe for distinct streams.
CsvTable ReadCsv(std::istream& in, const std::string& source, const CsvOptions& options = {});

// Opens `path` (binary mode) and reads it with ReadCsv, using `path` as the source name in
// messages. Throws InputError "cannot open 'path': <reason>" if it cannot be opened.
CsvTable ReadCsvFile(const std::string& path, const CsvOptions& options = {});

struct DatasetOptions {
  std::string target;   // empty: the last column that is not sigma, weights or ignored
  std::string sigma;    // column of per-row standard errors σ (weights 1/σ²); must be > 0
  std::string weights;  // column of per-row weights; must be ≥ 0 with a positive sum
  // Columns to leave out of the inputs (besides target/sigma/weights).
  std::vector<std::string> ignore;
};

// Splits a table into inputs (all columns except target, sigma, weights and ignored ones, in
// table order) and target, copying the values converted to coherent SI (times table.scales,
// recorded in Dataset::source_units; a sigma column is converted with its own unit's scale, or
// the target's if it has no unit). Weights are 1/σ² for a sigma column, the
// column itself for a weights column, and empty otherwise.
//
// Throws InputError (messages start with "source: " or, for a bad row, "source:line: ") if:
// a named column does not exist (the message lists the columns); both sigma and weights are
// given; target, sigma and weights are not distinct columns or the target is ignored; any
// input or the target lacks a unit ("column 'v' has no unit: write v[<unit>] in the header
// ..., or pass --units v=<unit>"); the sigma column has a unit that differs from the target's
// (a sigma column without a unit is taken to be in the target's units; a weights column's unit
// is never checked); a σ is not finite and > 0; a weight is not finite and ≥ 0, or all
// weights are 0; or there is no input column.
// Cost: O(rows × columns) copies.
Dataset MakeDataset(const CsvTable& table, const DatasetOptions& options = {});

}  // namespace physr
