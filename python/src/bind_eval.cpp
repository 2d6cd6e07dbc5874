// Bindings for checking a given formula against data (physr.evaluate; `physr eval` on the
// command line): EvaluateFormula of physr/search/evaluate_formula.hpp. The evaluated formula
// comes back as a one-formula SearchResult, so Python wraps it with the same Formula type
// that a search's formulas have (printers, constants, predict).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.hpp"
#include "physr/search/config.hpp"
#include "physr/search/evaluate_formula.hpp"
#include "physr/search/search.hpp"

namespace physr::python {
namespace {

// (result, prediction, warnings): the formula as `best` (and only Pareto entry) of a
// SearchResult, its values on the rows of `data` in coherent SI, and the fit's warnings.
std::tuple<std::shared_ptr<SearchResult>, py::array_t<double>, std::vector<std::string>> Evaluate(
    const Dataset& data, const std::string& formula, const SearchConfig& constants, bool fit,
    bool inverse_variance_weights) {
  FormulaEvaluationOptions options;
  options.fixed_constants = constants.library.fixed_constants;
  options.free_constants = constants.library.free_constants;
  options.definitions = constants.library.definitions;
  options.complexity = constants.library.complexity;
  options.fit = fit;
  options.weights_are_inverse_variances = inverse_variance_weights;
  options.free_constant_advice = "pass fit=True to fit them, or give their values in fixed_consts";
  FormulaEvaluation evaluation;
  {
    py::gil_scoped_release release;
    evaluation = EvaluateFormula(data, formula, options);
  }
  std::vector<std::string> warnings;
  if (evaluation.fit) warnings = FitWarnings(*evaluation.fit);
  py::array_t<double> values(static_cast<py::ssize_t>(evaluation.prediction.size()));
  std::copy(evaluation.prediction.begin(), evaluation.prediction.end(), values.mutable_data());
  auto result = std::make_shared<SearchResult>();
  result->library = std::move(evaluation.library);
  result->pareto.push_back(evaluation.formula);
  result->best = std::move(evaluation.formula);
  return {result, values, warnings};
}

}  // namespace

void BindEval(py::module_& m) {
  m.def("evaluate_formula", &Evaluate, py::arg("data"), py::arg("formula"), py::arg("constants"),
        py::arg("fit") = false, py::arg("inverse_variance_weights") = false,
        "Checks a formula against data as `physr eval` does: parse over the columns and the "
        "constants of `constants` (a SearchConfig), unit check against the target, fit of the "
        "free constants with `fit`, evaluation. Returns (result, values, warnings): the "
        "formula as the best of a SearchResult, its values in coherent SI, and the fit's "
        "warnings. ValueError for a bad or dimensionally wrong formula, free constants without "
        "fit, or non-finite values.");
}

}  // namespace physr::python
