// `physr predict RESULT.json DATA.csv [--formula K] [-o OUT.csv]`: applies a formula of a
// result file (result_file.hpp) to new rows. The columns the formula uses must be in the
// data with units of the same dimension as when it was found (scaled units are converted to
// SI first; a dimensionless input may have no unit). Writes a CSV: the data's columns as
// read, then the prediction `<target>_predicted[<unit>]` in coherent SI.
// Rows on which the formula gives NaN or inf get an empty cell and are reported on stderr
// by their line; the exit status is then kExitSomeRowsFailed.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "options.hpp"

namespace physr::cli {

// The exit status when the output was written but some rows could not be predicted.
inline constexpr int kExitSomeRowsFailed = 3;

struct PredictOptions {
  std::string result_path;
  std::string data_path;
  std::optional<int> formula;  // index into the result's pareto; default: the selected one
  std::string output_path;     // "" or "-": standard output
  DataFlags input;             // --units, --ignore, --delimiter, --drop-nonfinite
};

CLI::App* AddPredictCommand(CLI::App& app, PredictOptions& options);

// Returns 0, or kExitSomeRowsFailed. Bad input throws InputError (exit status 2 in main).
int RunPredict(const PredictOptions& options, std::ostream& out);

}  // namespace physr::cli
