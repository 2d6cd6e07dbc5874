// `physr eval DATA.csv --formula TEXT ...`: checks a formula against data. Reads the CSV,
// builds a token library from its columns and the given constants, parses the formula,
// checks its units against the target's, optionally fits its free constants, evaluates it,
// and reports RMSE, NRMSE, R² (text, and with --json the JSON formula object of report.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "operator_flags.hpp"
#include "options.hpp"

namespace physr::cli {

struct EvalOptions {
  std::string data_path;
  std::string formula;
  std::string target;
  std::vector<std::string> constants;       // --const NAME[UNIT]=VALUE
  std::vector<std::string> free_constants;  // --free-const NAME[UNIT][=START]
  OperatorFlags operators;                  // --complexity, --define (no --ops)
  bool fit = false;
  DataFlags input;  // --units, --ignore, --delimiter, --drop-nonfinite
  std::string sigma;
  std::string weights;
  std::string json_path;
};

// Registers the subcommand on `app`; `options` must outlive the parse.
CLI::App* AddEvalCommand(CLI::App& app, EvalOptions& options);

// Runs it, writing the report to `out`; returns the exit status (0). Bad input — files,
// units, formula, a dimensionally wrong formula, free constants without --fit, predictions
// that are not finite — throws InputError (exit status 2 in main).
int RunEval(const EvalOptions& options, std::ostream& out);

}  // namespace physr::cli
