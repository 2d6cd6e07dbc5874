// physr._core.run_class_search: a search over several datasets (class_search.hpp) for
// physr.fit_class. The search runs with the GIL released on the calling thread, without an
// epoch callback or interrupts.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "physr/data/class_dataset.hpp"
#include "physr/search/class_search.hpp"

namespace physr::python {
namespace {

py::dict FitDict(const ClassFormulaFit& fit, const Formula& formula,
                 const ClassSearchResult& result) {
  const Library& library = result.result.library;
  py::list datasets;
  for (std::size_t k = 0; k < fit.datasets.size(); ++k) {
    const DatasetFit& d = fit.datasets[k];
    py::dict constants;
    for (const FittedConstant& c : formula.constants) {
      const Token& token = library[*library.FindTerminal(c.name)];
      const auto slot = static_cast<std::size_t>(token.index);
      constants[py::str(c.name)] = py::make_tuple(d.constants[slot], d.standard_errors[slot]);
    }
    py::dict entry;
    entry["name"] = result.dataset_names[k];
    entry["rmse"] = d.rmse;
    entry["nrmse"] = d.nrmse;
    entry["r2"] = d.r2;
    entry["constants"] = constants;
    datasets.append(entry);
  }
  py::dict out;
  out["reward"] = fit.reward;
  out["worst_nrmse"] = fit.worst_nrmse;
  out["datasets"] = datasets;
  return out;
}

py::tuple RunClass(const std::vector<Dataset>& datasets, std::vector<std::string> names,
                   const SearchConfig& config, const SearchConfig& specific,
                   std::optional<Eigen::Index> max_rows) {
  ClassDataset data = MakeClassDataset(datasets, std::move(names));
  ClassSearchConfig class_config;
  class_config.search = config;
  class_config.specific_constants = specific.library.free_constants;
  if (max_rows) class_config.max_rows = *max_rows;
  ClassSearchResult result;
  {
    py::gil_scoped_release release;
    result = RunClassSearch(data, class_config);
  }
  py::list specific_names;
  for (const Token& token : result.result.library.tokens()) {
    if (token.kind == TokenKind::kFreeConstant && result.roles.IsSpecific(token.index)) {
      specific_names.append(token.name);
    }
  }
  py::dict info;
  info["datasets"] = result.dataset_names;
  info["specific"] = specific_names;
  info["best"] = result.best && result.result.best
                     ? py::object(FitDict(*result.best, *result.result.best, result))
                     : py::object(py::none());
  py::list pareto;
  for (std::size_t i = 0; i < result.pareto.size(); ++i) {
    pareto.append(FitDict(result.pareto[i], result.result.pareto[i], result));
  }
  info["pareto"] = pareto;
  return py::make_tuple(std::make_shared<SearchResult>(std::move(result.result)), info);
}

}  // namespace

void BindClass(py::module_& m) {
  m.def("run_class_search", &RunClass, py::arg("datasets"), py::arg("names"), py::arg("config"),
        py::arg("specific"), py::arg("max_rows") = py::none(),
        "Runs a search over several datasets with the GIL released. `specific` is a "
        "SearchConfig whose free constants are the specific ones (one value per dataset); "
        "`max_rows` the rows it searches on in all (None: the class default); "
        "returns the SearchResult and a dict of the class fits (datasets, specific, best, "
        "pareto).");
}

}  // namespace physr::python
