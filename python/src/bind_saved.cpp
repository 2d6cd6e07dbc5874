// Bindings for saved results (physr.load, SearchResult.save, pickling): a SearchResult
// rebuilt from the parts of a result file (docs/result-format.md), the library spec a file
// records, and the data fingerprint. The JSON itself is read and written in Python.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.hpp"
#include "physr/core/error.hpp"
#include "physr/search/saved_result.hpp"
#include "physr/search/search.hpp"
#include "physr/units/unit_parser.hpp"

namespace physr::python {
namespace {

using NamedUnit = std::pair<std::string, std::string>;            // name, unit
using NamedValue = std::tuple<std::string, std::string, double>;  // name, unit, value
using Metrics = std::tuple<double, double, double>;               // rmse, nrmse, r2
using SavedFormulaParts =
    std::tuple<std::string, std::map<std::string, double>, std::map<std::string, double>, Metrics>;

Dimension UnitOf(const std::string& name, const std::string& unit) {
  try {
    return units::ParseUnit(unit);
  } catch (const std::exception& e) {
    throw InputError("'" + name + "': unit '" + unit + "': " + e.what());
  }
}

LibrarySpec MakeSpec(const std::vector<NamedUnit>& inputs,
                     const std::vector<std::string>& operators,
                     const std::vector<NamedValue>& fixed, const std::vector<NamedValue>& free,
                     const std::vector<std::string>& definitions,
                     const std::map<std::string, double>& complexity) {
  LibrarySpec spec;
  spec.operators = operators;
  spec.definitions = definitions;
  for (const auto& [name, value] : complexity) spec.complexity.push_back({name, value});
  for (const auto& [name, unit] : inputs) spec.variables.push_back({name, UnitOf(name, unit)});
  for (const auto& [name, unit, value] : fixed) {
    spec.fixed_constants.push_back({name, value, UnitOf(name, unit)});
  }
  for (const auto& [name, unit, start] : free) {
    spec.free_constants.push_back({name, UnitOf(name, unit), start});
  }
  return spec;
}

Formula RestoreFormulaOf(Library& library, const SavedFormulaParts& parts) {
  const auto& [expression, values, stderrs, metrics] = parts;
  const auto& [rmse, nrmse, r2] = metrics;
  return RestoreFormula(library, expression, {values.begin(), values.end()},
                        {stderrs.begin(), stderrs.end()}, SavedMetrics{rmse, nrmse, r2});
}

StopReason StopReasonOf(const std::string& text) {
  for (const StopReason r : {StopReason::kPerfectFit, StopReason::kEpochs, StopReason::kTimeLimit,
                             StopReason::kEvaluations, StopReason::kInterrupted}) {
    if (ToString(r) == text) return r;
  }
  throw InputError("unknown stop_reason '" + text + "'");
}

std::shared_ptr<SearchResult> RestoreResult(
    const std::vector<NamedUnit>& inputs, const std::vector<std::string>& operators,
    const std::vector<NamedValue>& fixed, const std::vector<NamedValue>& free,
    const std::vector<SavedFormulaParts>& formulas, int selected, const py::dict& counters,
    const std::vector<std::string>& definitions, const std::map<std::string, double>& complexity) {
  auto result = std::make_shared<SearchResult>();
  result->library =
      Library::Build(MakeSpec(inputs, operators, fixed, free, definitions, complexity));
  for (const SavedFormulaParts& parts : formulas) {
    result->pareto.push_back(RestoreFormulaOf(result->library, parts));
  }
  if (selected >= 0) {
    if (static_cast<std::size_t>(selected) >= result->pareto.size()) {
      throw InputError("selected: " + std::to_string(selected) + " is not a formula of pareto");
    }
    result->best = result->pareto[static_cast<std::size_t>(selected)];
  }
  result->seed = counters["seed"].cast<std::uint64_t>();
  result->epochs = counters["epochs"].cast<int>();
  result->evaluations = counters["evaluations"].cast<std::int64_t>();
  result->sampled = counters["sampled"].cast<std::int64_t>();
  result->dead_ends = counters["dead_ends"].cast<std::int64_t>();
  result->invalid = counters["invalid"].cast<std::int64_t>();
  result->bred = counters["bred"].cast<std::int64_t>();
  result->seconds = counters["seconds"].cast<double>();
  result->exact_nrmse = counters["exact_nrmse"].cast<double>();
  result->stop_reason = StopReasonOf(counters["stop_reason"].cast<std::string>());
  return result;
}

// (operators, fixed constants (name, unit, value), free constants (name, unit, start),
// definitions, {operator: complexity} where not 1).
std::tuple<std::vector<std::string>, std::vector<NamedValue>, std::vector<NamedValue>,
           std::vector<std::string>, std::map<std::string, double>>
SpecOf(const SearchResult& result) {
  const LibrarySpec spec = SpecOfLibrary(result.library);
  std::vector<NamedValue> fixed;
  for (const FixedConstantSpec& c : spec.fixed_constants) {
    fixed.emplace_back(c.name, c.dimension.ToUnitString(), c.value);
  }
  std::vector<NamedValue> free;
  for (const FreeConstantSpec& c : spec.free_constants) {
    free.emplace_back(c.name, c.dimension.ToUnitString(), c.initial_value);
  }
  std::map<std::string, double> complexity;
  for (const OperatorComplexity& c : spec.complexity) complexity[c.name] = c.complexity;
  return {spec.operators, fixed, free, spec.definitions, complexity};
}

}  // namespace

void BindSaved(py::module_& m) {
  m.def("restore_result", &RestoreResult, py::arg("inputs"), py::arg("operators"), py::arg("fixed"),
        py::arg("free"), py::arg("formulas"), py::arg("selected"), py::arg("counters"),
        py::arg("definitions") = std::vector<std::string>{},
        py::arg("complexity") = std::map<std::string, double>{},
        "A SearchResult rebuilt from the parts of a result file: inputs (name, SI unit), "
        "operator names, fixed (name, unit, value) and free (name, unit, start) constants, "
        "formulas (expression, {name: value}, {name: stderr}, (rmse, nrmse, r2)), "
        "the selected index (-1: none), the counters, the defined operators and the "
        "operators' complexities.");
  m.def("library_spec", &SpecOf, py::arg("result"),
        "(operators, fixed constants (name, unit, value), free constants (name, unit, start), "
        "definitions, {operator: complexity}) of a result's library.");
  m.def(
      "data_fingerprint",
      [](const Dataset& data) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "%016llx",
                      static_cast<unsigned long long>(DataFingerprint(data)));
        return std::string(buf);
      },
      py::arg("data"), "The data's fingerprint as 16 hex digits (as the result file has it).");
}

}  // namespace physr::python
