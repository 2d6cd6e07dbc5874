// What the command-line tool reports about one formula on one dataset: accuracy metrics
// (FitMetrics, fit/metrics.hpp), the formula in three notations, its units and constants, as
// text for people and as the JSON formula object (WriteFormulaFields; shared by `physr eval`
// and `physr fit`).
// Not here: evaluating or fitting (eval/, fit/); this only summarises their results.
#pragma once

#include <Eigen/Core>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "json.hpp"
#include "physr/expr/program.hpp"
#include "physr/fit/metrics.hpp"

namespace physr::cli {

struct ConstantReport {
  std::string name;
  double value = 0.0;
  std::optional<double> standard_error;  // fitted free constants, when estimable
  std::string unit;                      // as Dimension::ToUnitString
  bool fixed = false;                    // given by the user (--const), not fitted
};

struct FormulaReport {
  std::string infix;         // with constant names, for the text report
  std::string infix_values;  // free constants replaced by their values
  std::string sympy;         // free constants replaced by their values
  std::string latex;         // free constants replaced by their values
  Dimension dimension;
  // Empty for a dimensionally valid formula; otherwise the unit checker's message (formulas
  // found with --no-units-prior may be invalid), and `dimension` is meaningless.
  std::string unit_error;
  double complexity = 0.0;
  FitMetrics metrics;
  // Named constants the formula uses (numeric literals excluded), in order of first use.
  std::vector<ConstantReport> constants;
};

// Summarises a complete program (its dimension comes from CheckUnits; see unit_error).
// `standard_errors` holds one entry per free-constant slot
// (Token::index) when the constants were fitted (NaN where not estimable), and is empty
// otherwise.
FormulaReport MakeFormulaReport(const Program& program, const Library& library,
                                const FitMetrics& metrics,
                                std::span<const double> standard_errors = {});

// Human-readable report, one "label  value" pair per line; `target_unit` is printed after
// the RMSE.
void PrintFormulaReport(std::ostream& out, const FormulaReport& report,
                        const std::string& target_unit);

// The fields of the JSON formula object, written into an object the caller has opened (so
// it can add its own): infix, sympy, latex (free constants as numbers), units, complexity,
// rmse, nrmse, r2 (null when not finite), constants {name: {value, stderr, unit}} with stderr
// null unless fitted, and "fixed": true for constants the user gave.
void WriteFormulaFields(JsonWriter& writer, const FormulaReport& report);

// "%.*g" with `digits` significant digits; "nan", "inf", "-inf" for non-finite values.
std::string FormatNumber(double x, int digits = 6);

}  // namespace physr::cli
