#include "physr/search/evaluate_formula.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <sstream>
#include <utility>

#include "physr/core/error.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/fit/metrics.hpp"
#include "search_internal.hpp"

namespace physr {
namespace {

std::string Digits17(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

[[noreturn]] void ReportNonFinite(const std::string& text, const Dataset& data,
                                  std::span<const double> prediction,
                                  const FormulaEvaluationOptions& options) {
  std::size_t count = 0;
  std::size_t first = prediction.size();
  for (std::size_t i = 0; i < prediction.size(); ++i) {
    if (!std::isfinite(prediction[i])) {
      ++count;
      if (first == prediction.size()) first = i;
    }
  }
  std::ostringstream msg;
  msg << "formula '" << text << "' gives non-finite values on " << count << " of "
      << prediction.size() << " rows (first at "
      << (options.row_place ? options.row_place(first) : "row " + std::to_string(first + 1)) << ":";
  const auto row = static_cast<Eigen::Index>(first);
  const int shown = std::min(data.num_variables(), 8);
  for (int j = 0; j < shown; ++j) {
    msg << ' ' << data.names[static_cast<std::size_t>(j)] << '=' << Digits17(data.X(row, j));
  }
  if (shown < data.num_variables()) msg << " ...";
  msg << ")";
  throw InputError(msg.str());
}

Library BuildLibrary(const Dataset& data, const FormulaEvaluationOptions& options) {
  LibrarySpec spec;
  for (int j = 0; j < data.num_variables(); ++j) {
    const auto k = static_cast<std::size_t>(j);
    spec.variables.push_back({data.names[k], data.dimensions[k]});
  }
  spec.fixed_constants = options.fixed_constants;
  spec.free_constants = options.free_constants;
  spec.definitions = options.definitions;
  return Library::Build(spec);
}

Program ParseChecked(const Dataset& data, const std::string& text, Library& library) {
  Program program = ParseFormula(text, library);
  const UnitCheckResult check = CheckUnits(program, library, data.target_dimension);
  if (!check.ok) {
    // Name the target when the whole formula has the wrong dimension.
    const bool about_result = check.error.rfind("result", 0) == 0;
    throw InputError(
        "formula '" + text + "': " + check.error +
        (about_result ? " (the target is " + data.TargetLabel() + ")" : std::string()));
  }
  return program;
}

FitResult FitFreeConstants(const Program& program, const Library& library, const Dataset& data,
                           const FormulaEvaluationOptions& options) {
  FitOptions fit_options;
  fit_options.restarts = options.restarts;
  fit_options.covariance_scaling = options.weights_are_inverse_variances
                                       ? CovarianceScaling::kNone
                                       : CovarianceScaling::kResidualVariance;
  return FitConstants(program, library, data, fit_options);
}

}  // namespace

FormulaEvaluation EvaluateFormula(const Dataset& data, const std::string& text,
                                  const FormulaEvaluationOptions& options) {
  FormulaEvaluation out;
  out.library = BuildLibrary(data, options);
  Program program = ParseChecked(data, text, out.library);  // adds the operators it uses
  out.library.SetComplexity(options.complexity);            // also of the operators added
  const Library& library = out.library;
  out.uses_free_constants = UsesFreeConstants(program.tokens, library);
  if (program.constants.empty()) program.constants = library.FreeConstantDefaults();
  if (out.uses_free_constants && !options.fit) {
    throw InputError("formula '" + text + "' uses free constants: " + options.free_constant_advice);
  }
  if (options.fit && out.uses_free_constants) {
    out.fit = FitFreeConstants(program, library, data, options);
    program.constants = out.fit->constants;
    out.standard_errors = out.fit->standard_errors;
  }

  const CompiledProgram compiled = Compile(program, library);
  out.prediction.resize(static_cast<std::size_t>(data.rows()));
  Evaluator evaluator;
  if (!evaluator.Evaluate(compiled, data.X, program.constants, out.prediction)) {
    ReportNonFinite(text, data, out.prediction, options);
  }
  const FitMetrics metrics = ComputeMetrics(
      std::span<const double>(data.y.data(), static_cast<std::size_t>(data.y.size())),
      out.prediction,
      std::span<const double>(data.weights.data(), static_cast<std::size_t>(data.weights.size())));
  // The figures of the formula as evaluated here, with the fit's constants and errors.
  FitResult summary;
  summary.constants = program.constants;
  summary.standard_errors = out.standard_errors;
  summary.rmse = metrics.rmse;
  summary.nrmse = metrics.nrmse;
  summary.r2 = metrics.r2;
  out.formula = MakeFormula(program, library, summary);
  return out;
}

std::vector<std::string> FitWarnings(const FitResult& fit) {
  std::vector<std::string> warnings;
  if (!fit.finite) {
    warnings.push_back("no start gave finite predictions (" + std::string(ToString(fit.status)) +
                       ")");
  } else if (!fit.converged) {
    warnings.push_back("the fit did not converge (" + std::string(ToString(fit.status)) +
                       " after " + std::to_string(fit.iterations) + " iterations, " +
                       std::to_string(fit.starts) + " starts)");
  }
  if (fit.covariance_singular) {
    warnings.push_back(
        "the constants are not all determined by the data (singular normal matrix); no "
        "standard errors for them");
  }
  return warnings;
}

}  // namespace physr
