// Checking one given formula against a dataset, the work of `physr eval` and
// physr.evaluate: the formula text is parsed over the dataset's columns and the given
// constants, its units are checked against the target's, its free constants are fitted when
// asked (Levenberg–Marquardt with seeded restarts, with standard errors), and it is evaluated
// on every row with RMSE, NRMSE and R². Not here: reading the data (data/), printing reports
// (cli/, python/).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "physr/data/dataset.hpp"
#include "physr/expr/library.hpp"
#include "physr/fit/constant_fitter.hpp"
#include "physr/search/search.hpp"

namespace physr {

struct FormulaEvaluationOptions {
  std::vector<FixedConstantSpec> fixed_constants;  // values in coherent SI
  std::vector<FreeConstantSpec> free_constants;    // start values in coherent SI
  std::vector<std::string> definitions;            // defined operators, "name(x)=body"
  std::vector<OperatorComplexity> complexity;      // per-operator complexity overrides
  bool fit = false;                                // fit the free constants
  int restarts = 8;                                // seeded, so repeated runs agree
  // The weights are 1/sigma² of known standard errors: the constants' standard errors are
  // not rescaled by the residual variance.
  bool weights_are_inverse_variances = false;
  // The advice of the error raised when the formula uses free constants and `fit` is false.
  std::string free_constant_advice = "fit them, or give their values as fixed constants";
  // Names data row i in error messages ("data.csv:17"); "row i+1" when empty.
  std::function<std::string(std::size_t)> row_place;
};

struct FormulaEvaluation {
  Library library;  // the dataset's columns, the given constants, the operators used
  // The formula with its constants (fitted ones at their fitted values, with standard errors
  // when estimable), metrics, unit and notations.
  Formula formula;
  bool uses_free_constants = false;
  std::optional<FitResult> fit;         // when the free constants were fitted
  std::vector<double> standard_errors;  // per free-constant slot when fitted (NaN: not
                                        // estimable), else empty
  std::vector<double> prediction;       // one value per row, in coherent SI, all finite
};

// Evaluates `text` on `data` as described at the top. Throws InputError for a formula that
// does not parse, whose units differ from the target's (naming the target), that uses free
// constants without `fit`, or that gives non-finite values on some rows (naming the first,
// with its inputs); for constants whose names clash. Cost: one evaluation per row, and with
// `fit` a fit of 1 + restarts starts.
FormulaEvaluation EvaluateFormula(const Dataset& data, const std::string& text,
                                  const FormulaEvaluationOptions& options);

// What is worth a warning about a fit, one message a line without a prefix: no finite
// start, no convergence, constants not determined by the data. Empty when all went well.
std::vector<std::string> FitWarnings(const FitResult& fit);

}  // namespace physr
