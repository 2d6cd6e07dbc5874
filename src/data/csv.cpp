#include "physr/data/csv.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "physr/core/error.hpp"
#include "physr/units/unit_parser.hpp"

namespace physr {
namespace {

// A cell as found on its line. `text` is trimmed; for a quoted cell it is the part between the
// quotes, still holding "" pairs when `escaped` (unescaping is left to the rare places that
// need the real text, so rows cost no allocation).
struct Cell {
  const char* start;  // first non-blank character (the opening quote if quoted)
  std::string_view text;
  bool escaped;
};

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The byte that separates cells, or 0 for runs of whitespace.
char SeparatorOf(CsvDelimiter delimiter) {
  switch (delimiter) {
    case CsvDelimiter::kSemicolon:
      return ';';
    case CsvDelimiter::kTab:
      return '\t';
    case CsvDelimiter::kWhitespace:
      return 0;
    case CsvDelimiter::kAuto:
    case CsvDelimiter::kComma:
      break;
  }
  return ',';
}

// Blanks around a cell: spaces and CRs, and tabs unless tabs separate the cells.
bool IsPad(char c, char separator) {
  return c == ' ' || c == '\r' || (c == '\t' && separator != '\t');
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

std::string Unescape(const Cell& cell) {
  std::string out(cell.text);
  if (cell.escaped) {
    std::size_t w = 0;
    for (std::size_t r = 0; r < out.size(); ++r, ++w) {
      out[w] = out[r];
      if (out[r] == '"') ++r;  // the second quote of a "" pair
    }
    out.resize(w);
  }
  return out;
}

// Cell text for messages: unescaped and cut short if long, so a stray binary line does not
// flood the terminal.
std::string Shown(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  if (text.size() <= kMaxShown) return std::string(text);
  return std::string(text.substr(0, kMaxShown)) + "...";
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// Tracks where we are, to put "source:line:column: " in front of messages.
class Reporter {
 public:
  explicit Reporter(const std::string& source) : source_(source) {}

  void SetLine(std::size_t line, const char* line_start) {
    line_ = line;
    line_start_ = line_start;
  }

  // Error at character `at` of the current line.
  [[noreturn]] void At(const char* at, const std::string& message) const {
    throw InputError(source_ + ":" + std::to_string(line_) + ":" + std::to_string(Column(at)) +
                     ": " + message);
  }
  // Error about the current line as a whole.
  [[noreturn]] void Line(const std::string& message) const {
    throw InputError(source_ + ":" + std::to_string(line_) + ": " + message);
  }
  // Error about the file as a whole.
  [[noreturn]] void File(const std::string& message) const {
    throw InputError(source_ + ": " + message);
  }
  // "source:line:column" of character `at` of the current line.
  std::string Where(const char* at) const {
    return source_ + ":" + std::to_string(line_) + ":" + std::to_string(Column(at));
  }

 private:
  // 1-based column in UTF-8 characters: count the bytes that start a character.
  std::size_t Column(const char* at) const {
    std::size_t column = 1;
    for (const char* p = line_start_; p < at; ++p) {
      if ((static_cast<unsigned char>(*p) & 0xC0) != 0x80) ++column;
    }
    return column;
  }

  std::string source_;
  std::size_t line_ = 0;
  const char* line_start_ = nullptr;
};

// Splits [begin, end) (one line without its line break) into cells separated by `separator`
// (0: runs of whitespace). In a header line split at whitespace, blanks before a '[' and inside
// [...] do not separate cells ("v [m/s]" is one cell).
void SplitCells(const char* begin, const char* end, char separator, bool header,
                const Reporter& report, std::vector<Cell>& cells) {
  cells.clear();
  const auto pad = [separator](char c) { return IsPad(c, separator); };
  const char* p = begin;
  while (true) {
    while (p < end && pad(*p)) ++p;
    if (separator == 0 && p >= end) break;  // blanks at the end of the line open no cell
    Cell cell{p, {}, false};
    if (p < end && *p == '"') {
      const char* q = p + 1;
      while (true) {
        const void* found = std::memchr(q, '"', static_cast<std::size_t>(end - q));
        if (found == nullptr) report.At(p, "unterminated quoted field");
        const char* quote = static_cast<const char*>(found);
        if (quote + 1 < end && quote[1] == '"') {
          cell.escaped = true;
          q = quote + 2;
          continue;
        }
        cell.text = std::string_view(p + 1, static_cast<std::size_t>(quote - (p + 1)));
        p = quote + 1;
        break;
      }
      if (separator == 0) {
        if (p < end && !pad(*p)) {
          report.At(p, "unexpected '" + std::string(1, *p) + "' after the closing quote");
        }
      } else {
        while (p < end && pad(*p)) ++p;
        if (p < end && *p != separator) {
          report.At(p, "unexpected '" + std::string(1, *p) + "' after the closing quote");
        }
      }
    } else if (separator != 0) {
      const void* found = std::memchr(p, separator, static_cast<std::size_t>(end - p));
      const char* stop = found != nullptr ? static_cast<const char*>(found) : end;
      cell.text = Trim(std::string_view(p, static_cast<std::size_t>(stop - p)));
      p = stop;
    } else {
      const char* q = p;
      while (q < end) {
        if (header && *q == '[') {
          const void* close = std::memchr(q, ']', static_cast<std::size_t>(end - q));
          q = close != nullptr ? static_cast<const char*>(close) + 1 : end;
        } else if (!pad(*q)) {
          ++q;
        } else {
          const char* r = q;
          while (r < end && pad(*r)) ++r;
          if (!(header && r < end && *r == '[')) break;
          q = r;
        }
      }
      cell.text = std::string_view(p, static_cast<std::size_t>(q - p));
      p = q;
    }
    cells.push_back(cell);
    if (separator == 0) continue;
    if (p >= end) break;
    ++p;  // the separator; one at the end of the line opens one more (empty) cell
  }
}

// The delimiter of a header line (see CsvDelimiter::kAuto).
CsvDelimiter DetectDelimiter(const char* begin, const char* end, const Reporter& report) {
  bool quoted = false;
  bool bracket = false;
  bool tab = false;
  for (const char* p = begin; p < end; ++p) {
    const char c = *p;
    if (quoted) {
      quoted = c != '"';
    } else if (bracket) {
      bracket = c != ']';
    } else if (c == '"') {
      quoted = true;
    } else if (c == '[') {
      bracket = true;
    } else if (c == ';') {
      return CsvDelimiter::kSemicolon;
    } else if (c == ',') {
      return CsvDelimiter::kComma;
    } else if (c == '\t') {
      tab = true;
    }
  }
  if (tab) return CsvDelimiter::kTab;
  std::vector<Cell> cells;
  SplitCells(begin, end, 0, true, report, cells);
  return cells.size() > 1 ? CsvDelimiter::kWhitespace : CsvDelimiter::kComma;
}

// The --delimiter value that selects the separator `c`.
std::string FlagValue(char c) {
  if (c == '\t') return "tab";
  if (c == ';') return "';'";
  return std::string(1, c);
}

std::string Describe(char c) { return c == '\t' ? "a tab" : "'" + std::string(1, c) + "'"; }

// An unquoted header cell holding another delimiter (outside its [unit]) means the file is
// split at the wrong one: reported rather than read as one odd column.
void CheckHeaderDelimiters(const std::vector<Cell>& cells, CsvDelimiter used, bool detected,
                           const Reporter& report) {
  const char separator = SeparatorOf(used);
  for (const Cell& cell : cells) {
    if (*cell.start == '"') continue;
    bool bracket = false;
    for (const char& c : cell.text) {
      if (bracket) {
        bracket = c != ']';
      } else if (c == '[') {
        bracket = true;
      } else if ((c == ',' || c == ';' || c == '\t') && c != separator) {
        report.At(&c, "header cell '" + Shown(cell.text) + "' holds " + Describe(c) +
                          ", but cells are split at " + ToString(used) +
                          (detected ? " (detected from the header)" : "") + "; pass --delimiter " +
                          FlagValue(c) + " if " + Describe(c) +
                          " separates the columns, or quote the name");
      }
    }
  }
}

enum class NumberStatus { kOk, kEmpty, kBad, kOutOfRange };

NumberStatus ParseNumber(std::string_view text, double& value) {
  if (text.empty()) return NumberStatus::kEmpty;
  const char* b = text.data();
  const char* e = b + text.size();
  // from_chars takes '-' but not '+'; take one '+' before a digit, '.', or a word (inf/nan).
  if (*b == '+') {
    ++b;
    if (b == e || *b == '+' || *b == '-') return NumberStatus::kBad;
  }
  const auto [ptr, ec] = std::from_chars(b, e, value);
  if (ec == std::errc::result_out_of_range && ptr == e) return NumberStatus::kOutOfRange;
  if (ec != std::errc() || ptr != e) return NumberStatus::kBad;
  return NumberStatus::kOk;
}

// Reads the rest of `in` in large blocks (faster than character iterators).
std::string ReadAll(std::istream& in, const Reporter& report) {
  std::string data;
  std::streambuf* buf = in.rdbuf();
  if (buf == nullptr) report.File("cannot read the input");
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  // Where the stream can tell its length (files, string streams), read it in one block of
  // that length plus one byte, so a small input costs no more than its size.
  std::size_t block = kBlock;
  const std::streampos here = buf->pubseekoff(0, std::ios::cur, std::ios::in);
  if (here != std::streampos(-1)) {
    const std::streampos last = buf->pubseekoff(0, std::ios::end, std::ios::in);
    if (last != std::streampos(-1) && last >= here) {
      block = static_cast<std::size_t>(last - here) + 1;
    }
    buf->pubseekpos(here, std::ios::in);
  }
  std::size_t size = 0;
  while (true) {
    data.resize(size + block);
    const std::streamsize got = buf->sgetn(data.data() + size, static_cast<std::streamsize>(block));
    if (got > 0) size += static_cast<std::size_t>(got);
    // sgetn returns fewer characters than asked for only at the end of the stream.
    if (got < static_cast<std::streamsize>(block)) break;
    block = kBlock;
  }
  data.resize(size);
  return data;
}

// Parses a header cell `name[unit]` or `name` into the table.
void ReadHeaderCell(const Cell& cell, const Reporter& report, CsvTable& table) {
  const std::string raw = Unescape(cell);
  // Offsets into `raw` map to line positions only when nothing was unescaped before them;
  // for messages we point into the line for unescaped cells and at the cell start otherwise.
  auto at = [&](std::size_t offset) {
    return cell.escaped ? cell.start : cell.text.data() + offset;
  };

  const std::size_t open = raw.find('[');
  std::string name(Trim(std::string_view(raw).substr(0, open)));
  std::optional<Dimension> unit;
  std::string written_unit;
  double scale = 1.0;
  if (name.empty()) {
    report.At(cell.start, "empty column name (column " + std::to_string(table.names.size() + 1) +
                              " of the header)");
  }
  if (open != std::string::npos) {
    const std::size_t close = raw.find(']', open);
    if (close == std::string::npos) {
      report.At(at(open), "header cell '" + Shown(raw) + "' lacks the ']' closing its unit");
    }
    const std::string_view rest = Trim(std::string_view(raw).substr(close + 1));
    if (!rest.empty()) {
      // ReadHeader names the delimiter of other splits; cells split at ',' name it here, as
      // the text after the unit may be a separator --delimiter does not take (x[m]|y[s]).
      const bool comma = table.delimiter == CsvDelimiter::kComma;
      report.At(
          at(close + 1),
          "header cell '" + Shown(raw) + "' has text after its [unit]" +
              (comma ? " (cells split at ','; --delimiter takes ',', ';', tab or space)" : ""));
    }
    std::string_view unit_text(raw.data() + open + 1, close - open - 1);
    std::size_t lead = 0;
    while (lead < unit_text.size() && IsBlank(unit_text[lead])) ++lead;
    unit_text = Trim(unit_text);
    if (unit_text.empty()) {
      unit = Dimension::Dimensionless();
    } else {
      try {
        const units::ParsedUnit parsed = units::ParseUnitWithScale(unit_text);
        unit = parsed.dimension;
        scale = parsed.scale;
        written_unit = unit_text;
      } catch (const units::UnitParseError& e) {
        const std::size_t offset = open + 1 + lead + std::min(e.position(), unit_text.size());
        report.At(at(offset), "bad unit in column '" + name + "': " + e.what());
      } catch (const std::exception& e) {  // e.g. an exponent overflowing its range
        report.At(at(open + 1 + lead), "bad unit in column '" + name + "': " + e.what());
      }
    }
  }
  for (std::size_t c = 0; c < table.names.size(); ++c) {
    if (table.names[c] == name) {
      report.At(cell.start, "duplicate column name '" + name + "' (columns " +
                                std::to_string(c + 1) + " and " +
                                std::to_string(table.names.size() + 1) + ")");
    }
  }
  table.names.push_back(std::move(name));
  table.units.push_back(unit);
  table.unit_texts.push_back(std::move(written_unit));
  table.scales.push_back(scale);
}

void ApplyUnitOverrides(const CsvOptions& options, const Reporter& report, CsvTable& table) {
  for (const auto& [name, text] : options.units) {
    const auto column = table.FindColumn(name);
    if (!column) {
      report.File("a unit is given for column '" + name +
                  "', which the header does not have (columns: " + JoinNames(table.names) + ")");
    }
    const std::string_view unit_text = Trim(text);
    try {
      const units::ParsedUnit parsed = units::ParseUnitWithScale(unit_text);
      table.units[*column] = parsed.dimension;
      table.unit_texts[*column] = unit_text;
      table.scales[*column] = parsed.scale;
    } catch (const units::UnitParseError& e) {
      report.File("bad unit given for column '" + name + "' (" + name + "=" + text +
                  "): " + e.what());
    } catch (const std::exception& e) {
      report.File("bad unit given for column '" + name + "' (" + name + "=" + text +
                  "): " + e.what());
    }
  }
}

// The end of the line starting at p (before its `eol`, and before "\r\n" when `eol` is
// '\n'); `next` gets the start of the line after it.
const char* LineEnd(const char* p, const char* end, char eol, const char*& next) {
  const void* newline = std::memchr(p, eol, static_cast<std::size_t>(end - p));
  const char* line_end = newline != nullptr ? static_cast<const char*>(newline) : end;
  next = newline != nullptr ? line_end + 1 : end;
  if (line_end > p && line_end[-1] == '\r') --line_end;
  return line_end;
}

// Marks the columns options.ignore names; every name must be a header column.
std::vector<bool> FindIgnored(const CsvOptions& options, const Reporter& report,
                              const CsvTable& table) {
  std::vector<bool> ignored(table.names.size(), false);
  for (const std::string& name : options.ignore) {
    const auto column = table.FindColumn(name);
    if (!column) {
      report.File("no column '" + name + "' for --ignore (columns: " + JoinNames(table.names) +
                  ")");
    }
    ignored[*column] = true;
  }
  if (std::find(ignored.begin(), ignored.end(), false) == ignored.end()) {
    report.File("every column is ignored (columns: " + JoinNames(table.names) + ")");
  }
  return ignored;
}

// Units from options.fallback_units for columns that the header and options.units leave
// without one; a header unit of another dimension is kept, with a warning.
void ApplyFallbackUnits(const CsvOptions& options, const std::vector<Cell>& cells,
                        const std::vector<bool>& ignored, const Reporter& report, CsvTable& table) {
  const std::string from =
      options.fallback_source.empty() ? std::string("the fallback units") : options.fallback_source;
  for (const auto& [name, text] : options.fallback_units) {
    const auto column = table.FindColumn(name);
    if (!column || ignored[*column] || options.units.count(name) != 0) continue;
    const std::string_view unit_text = Trim(text);
    Dimension unit;
    try {
      unit = unit_text.empty() ? Dimension::Dimensionless() : units::ParseUnit(unit_text);
    } catch (const std::exception& e) {
      throw InputError(from + ": bad unit '" + text + "' for column '" + name + "': " + e.what());
    }
    std::optional<Dimension>& header_unit = table.units[*column];
    if (!header_unit) {
      header_unit = unit;
    } else if (*header_unit != unit) {
      table.warnings.push_back(report.Where(cells[*column].start) + ": column '" + name +
                               "' has unit " + header_unit->ToUnitString() + " in the header but " +
                               unit.ToUnitString() + " in " + from + "; the header's unit is used");
    }
  }
}

// Drops the ignored columns' names and units from the table.
void DropIgnored(const std::vector<bool>& ignored, CsvTable& table) {
  std::size_t kept = 0;
  for (std::size_t c = 0; c < ignored.size(); ++c) {
    if (ignored[c]) continue;
    if (kept != c) {
      table.names[kept] = std::move(table.names[c]);
      table.units[kept] = table.units[c];
    }
    ++kept;
  }
  table.names.resize(kept);
  table.units.resize(kept);
}

// Whether the line [p, line_end) is blank or a comment.
bool IsSkipped(const char* p, const char* line_end) {
  const char* first = p;
  while (first < line_end && IsBlank(*first)) ++first;
  return first == line_end || *first == '#';
}

// Rows dropped for holding NaN or inf, and per column how many such cells they had.
struct DroppedRows {
  std::size_t rows = 0;
  std::vector<std::size_t> cells;
};

// Reads the header cells, the fallback units and the unit overrides into `table`, leaving out
// the ignored columns (`ignored` gets one entry per header cell), and sizes its columns for the
// data in [next, end).
void ReadHeader(const std::vector<Cell>& cells, const char* next, const char* end, char eol,
                const CsvOptions& options, const Reporter& report, CsvTable& table,
                std::vector<bool>& ignored) {
  for (const Cell& cell : cells) {
    if (table.delimiter == CsvDelimiter::kComma) {
      ReadHeaderCell(cell, report, table);
      continue;
    }
    try {
      ReadHeaderCell(cell, report, table);
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + " (cells split at " + ToString(table.delimiter) +
                       "; see --delimiter)");
    }
  }
  ignored = FindIgnored(options, report, table);
  ApplyFallbackUnits(options, cells, ignored, report, table);
  ApplyUnitOverrides(options, report, table);
  DropIgnored(ignored, table);
  // Rows are at most the remaining line count, and each needs at least two bytes per
  // cell (a digit and a comma or line break); reserving the smaller bound avoids
  // regrowing big columns without letting a wide header times many blank lines ask for
  // more memory than the file could ever fill.
  const auto lines_left = static_cast<std::size_t>(std::count(next, end, eol)) + 1;
  const std::size_t rows_fit = static_cast<std::size_t>(end - next) / (2 * table.names.size()) + 1;
  const std::size_t rows_bound = std::min(lines_left, rows_fit);
  table.columns.assign(table.names.size(), {});
  for (auto& column : table.columns) column.reserve(rows_bound);
  table.row_lines.reserve(rows_bound);
}

// Parses the cells of a data row into `row`. A row holding NaN or inf is an error unless
// options.drop_nonfinite; then it returns false, counting the row and its non-finite cells in
// `dropped`.
bool ReadRow(const std::vector<Cell>& cells, const CsvTable& table,
             const std::vector<bool>& ignored, const CsvOptions& options, const Reporter& report,
             std::vector<double>& row, DroppedRows& dropped) {
  if (cells.size() != ignored.size()) {
    report.Line("row has " + std::to_string(cells.size()) + " cells, header has " +
                std::to_string(ignored.size()) +
                (table.delimiter == CsvDelimiter::kComma
                     ? std::string()
                     : " (cells split at " + ToString(table.delimiter) + ")"));
  }
  bool finite = true;
  for (std::size_t k = 0, c = 0; k < cells.size(); ++k) {
    if (ignored[k]) continue;
    const Cell& cell = cells[k];
    switch (ParseNumber(Trim(cell.text), row[c])) {  // quotes may hold blanks too
      case NumberStatus::kOk:
        break;
      case NumberStatus::kEmpty:
        report.At(cell.start, "empty cell in column '" + table.names[c] + "'");
      case NumberStatus::kBad:
        report.At(cell.start, "cell '" + Shown(Unescape(cell)) + "' in column '" + table.names[c] +
                                  "' is not a number" +
                                  (table.delimiter != CsvDelimiter::kComma &&
                                           cell.text.find(',') != std::string_view::npos
                                       ? " (write decimals with '.')"
                                       : ""));
      case NumberStatus::kOutOfRange:
        report.At(cell.start, "cell '" + Shown(cell.text) + "' in column '" + table.names[c] +
                                  "' is outside the range of a double");
    }
    if (!std::isfinite(row[c])) {
      if (!options.drop_nonfinite) {
        report.At(cell.start, "column '" + table.names[c] + "' holds " + Shown(cell.text) +
                                  "; pass --drop-nonfinite to drop such rows");
      }
      ++dropped.cells[c];
      finite = false;
    }
    ++c;
  }
  if (!finite) ++dropped.rows;
  return finite;
}

// Reports a table without data rows, naming the columns that caused it when rows were dropped
// (those non-finite in every row: an all-NaN column).
[[noreturn]] void FailNoRows(const CsvTable& table, const DroppedRows& dropped,
                             std::size_t header_line, const Reporter& report) {
  if (dropped.rows > 0) {
    std::vector<std::string> culprits;
    for (std::size_t c = 0; c < dropped.cells.size(); ++c) {
      if (dropped.cells[c] == dropped.rows) culprits.push_back("'" + table.names[c] + "'");
    }
    std::string why;
    if (culprits.size() == 1) {
      why = " (column " + culprits.front() + " holds nan or inf in every row)";
    } else if (!culprits.empty()) {
      why = " (columns " + JoinNames(culprits) + " hold nan or inf in every row)";
    }
    report.File("no data rows left after dropping " + std::to_string(dropped.rows) +
                " rows holding nan or inf" + why);
  }
  report.File("no data rows after the header (line " + std::to_string(header_line) + ")");
}

// Comment lines or dropped rows can leave much unused room; gives it back if so.
void ShrinkUnused(CsvTable& table) {
  if (table.row_lines.capacity() > table.num_rows() + table.num_rows() / 4 + 16) {
    for (auto& column : table.columns) column.shrink_to_fit();
    table.row_lines.shrink_to_fit();
  }
}

}  // namespace

std::string ToString(CsvDelimiter delimiter) {
  switch (delimiter) {
    case CsvDelimiter::kAuto:
      return "auto";
    case CsvDelimiter::kComma:
      return "','";
    case CsvDelimiter::kSemicolon:
      return "';'";
    case CsvDelimiter::kTab:
      return "tabs";
    case CsvDelimiter::kWhitespace:
      return "whitespace";
  }
  return "?";
}

std::optional<std::size_t> CsvTable::FindColumn(const std::string& name) const {
  for (std::size_t c = 0; c < names.size(); ++c) {
    if (names[c] == name) return c;
  }
  return std::nullopt;
}

CsvTable ReadCsv(std::istream& in, const std::string& source, const CsvOptions& options) {
  CsvTable table;
  table.source = source;
  Reporter report(table.source);
  const std::string data = ReadAll(in, report);
  if (in.bad()) report.File("read error");

  const char* p = data.data();
  const char* const end = p + data.size();
  if (data.size() >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
  // Lines end at LF (CRLF included); at CR alone only in input without any LF.
  const auto size = static_cast<std::size_t>(end - p);
  const char eol =
      std::memchr(p, '\n', size) == nullptr && std::memchr(p, '\r', size) != nullptr ? '\r' : '\n';

  std::vector<Cell> cells;
  std::vector<bool> ignored;
  std::vector<double> row;
  std::size_t line = 0;
  bool have_header = false;
  std::size_t header_line = 0;
  DroppedRows dropped;
  for (const char* next = nullptr; p < end; p = next) {
    ++line;
    const char* const line_end = LineEnd(p, end, eol, next);
    if (IsSkipped(p, line_end)) continue;  // blank or comment line

    report.SetLine(line, p);
    if (!have_header) {
      const bool detect = options.delimiter == CsvDelimiter::kAuto;
      table.delimiter = detect ? DetectDelimiter(p, line_end, report) : options.delimiter;
      SplitCells(p, line_end, SeparatorOf(table.delimiter), true, report, cells);
      CheckHeaderDelimiters(cells, table.delimiter, detect, report);
      have_header = true;
      header_line = line;
      ReadHeader(cells, next, end, eol, options, report, table, ignored);
      row.resize(table.names.size());
      dropped.cells.assign(table.names.size(), 0);
      continue;
    }
    SplitCells(p, line_end, SeparatorOf(table.delimiter), false, report, cells);
    if (!ReadRow(cells, table, ignored, options, report, row, dropped)) continue;
    for (std::size_t c = 0; c < row.size(); ++c) table.columns[c].push_back(row[c]);
    table.row_lines.push_back(line);
  }

  if (!have_header) report.File("empty file (no header line)");
  table.dropped_rows = dropped.rows;
  if (table.num_rows() == 0) FailNoRows(table, dropped, header_line, report);
  ShrinkUnused(table);
  return table;
}

CsvTable ReadCsvFile(const std::string& path, const CsvOptions& options) {
  // An ifstream opens a directory without complaint and then fails while sizing its buffer.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError("cannot read '" + path + "': it is a directory, not a CSV file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    throw InputError("cannot open '" + path + "': " +
                     (error != 0 ? std::generic_category().message(error) : "unknown reason"));
  }
  return ReadCsv(in, path, options);
}

}  // namespace physr
