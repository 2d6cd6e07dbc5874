// `physr fit DATA.csv ...`: discovers formulas for the target column. Reads the
// CSV, runs the search with a live progress line on a terminal, prints the Pareto front with
// fitted constants ± standard errors and units, and writes the JSON result. Ctrl-C (SIGINT) or
// SIGTERM finish the current epoch and still report the best formulas (and, with
// --checkpoint, save the state first, so --resume can continue the run).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "operator_flags.hpp"
#include "options.hpp"
#include "parallel.hpp"

#include "physr/search/search.hpp"

namespace physr::cli {

struct FitCommandOptions {
  std::string data_path;
  std::string target;
  OperatorFlags operators;                  // --ops, --complexity, --define
  std::vector<std::string> constants;       // --const NAME[UNIT]=VALUE
  std::vector<std::string> free_constants;  // --free-const NAME[UNIT][=START]
  bool no_default_constants = false;
  std::string sigma;
  std::string weights;
  DataFlags input;  // --units, --ignore, --delimiter, --drop-nonfinite
  bool no_units_prior = false;
  bool no_canonical = false;
  std::string json_path;
  bool quiet = false;
  std::string groups = "auto";                                // --groups off|on|auto
  std::string enumerate = EnumerateText(EnumerateOptions{});  // --enumerate off|auto|on|N
  std::string screen = "auto";                                // --screen K|auto|off
  std::string features = "auto";                              // --features off|on|auto
  std::string symmetry = "auto";                              // --symmetry off|on|auto
  // A search over several datasets (class_fit.hpp): more data files after the first, class
  // and specific constants, a column naming each row's dataset.
  std::vector<std::string> more_data;
  std::vector<std::string> class_constants;     // --class-const NAME[UNIT][=START]
  std::vector<std::string> specific_constants;  // --spe-const NAME[UNIT][=START]
  std::string group;                            // --group COL
  double mpi_timeout = kDefaultStallSeconds;    // --mpi-timeout S (parallel.hpp)
  // --search-rows N: the rows the search fits on (unset: the one-dataset default of
  // RowSamplingOptions, or ClassSearchConfig's for several datasets).
  std::optional<std::int64_t> search_rows;
  // The search options the flags set directly, starting from SearchConfig's defaults.
  SearchConfig config;
};

CLI::App* AddFitCommand(CLI::App& app, FitCommandOptions& options);

// Returns the exit status: 0, or 130 / 143 when SIGINT / SIGTERM stopped the run (after
// reporting). Bad input throws InputError (exit status 2 in main).
int RunFit(const FitCommandOptions& options, std::ostream& out);

}  // namespace physr::cli
