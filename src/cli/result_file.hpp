// The result file of `physr fit --json` (format "physr-result", docs/result-format.md):
// writing it from a finished search, and reading it back for `physr predict`.
// Not here: the formula object's fields (report.hpp) or the JSON syntax (json.hpp,
// json_read.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "physr/data/csv.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"
#include "physr/search/class_search.hpp"
#include "physr/search/search.hpp"
#include "report.hpp"

namespace physr::cli {

inline constexpr const char* kResultFormat = "physr-result";
inline constexpr int kResultVersion = 1;

// What a run's result file records besides the SearchResult.
struct ResultContext {
  const CsvTable* table = nullptr;  // the data as read (source, units as written)
  const Dataset* data = nullptr;    // the data in SI, as searched
  const SearchConfig* config = nullptr;
  std::string sigma;    // --sigma column, or ""
  std::string weights;  // --weights column, or ""
  // A search over several datasets (class_fit.hpp): written as the `class` object; `data` is
  // then every dataset's rows pooled and `table` the first file's.
  const ClassSearchResult* class_result = nullptr;
};

// The result document as text.
std::string ResultJson(const SearchResult& result, const std::vector<FormulaReport>& reports,
                       const std::optional<FormulaReport>& best, const ResultContext& context);

// One formula of a result file, ready to evaluate.
struct SavedFormula {
  std::string expression;  // formula text with constant names
  Program program;         // over SavedResult::library
  Dimension dimension;
};

// A result file read back: the library its formulas use, the inputs and target, the front.
struct SavedResult {
  std::string path;
  Library library;
  std::vector<VariableSpec> inputs;  // in the order of the library's variables
  std::string target;
  Dimension target_dimension;
  std::vector<SavedFormula> pareto;     // by increasing complexity
  std::optional<std::size_t> selected;  // index into pareto of the selected formula
};

// Reads a result file. Throws InputError naming the file and what is wrong: not JSON (with
// line:column; a truncated file says so), another format, a newer version, a missing or
// mistyped field (named by its JSON path), a formula that does not parse.
SavedResult ReadResultFile(const std::string& path);

}  // namespace physr::cli
