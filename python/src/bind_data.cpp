// Bindings for units and datasets: unit strings to canonical SI text, and the Dataset a
// search runs on, built from numpy arrays. The Dataset owns a copy of its columns (its
// matrix is an Eigen::MatrixXd); evaluation (Formula.predict) reads arrays in place.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "physr/core/error.hpp"
#include "physr/data/dataset.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/units/unit_parser.hpp"

namespace physr::python {
namespace {

// Parses one unit text, naming `what` (a column or constant) in the message.
Dimension ParseUnitOf(const std::string& what, const std::string& text) {
  try {
    return units::ParseUnit(text);
  } catch (const units::UnitParseError& e) {
    throw InputError(what + ": " + e.what());
  }
}

// A 1-D float64 array of `rows` values, copied into an Eigen vector.
Eigen::VectorXd CopyVector(const py::array_t<double, py::array::c_style>& v, Eigen::Index rows,
                           const std::string& what) {
  if (v.ndim() != 1) {
    throw InputError(what + " must be 1-D, got " + std::to_string(v.ndim()) + " dimensions");
  }
  if (v.shape(0) != rows) {
    throw InputError(what + " has " + std::to_string(v.shape(0)) + " values for " +
                     std::to_string(rows) + " rows of X");
  }
  Eigen::VectorXd out(rows);
  if (rows > 0) std::memcpy(out.data(), v.data(), static_cast<std::size_t>(rows) * sizeof(double));
  return out;
}

Dataset MakeDataset(const ColumnMajorArray& X, const py::array_t<double, py::array::c_style>& y,
                    const std::vector<std::string>& names, const std::vector<std::string>& units,
                    const std::string& target_name, const std::string& target_unit,
                    const std::optional<py::array_t<double, py::array::c_style>>& weights) {
  const Eigen::Map<const Eigen::MatrixXd> view = ViewColumns(X);
  const auto columns = static_cast<std::size_t>(view.cols());
  if (names.size() != columns || units.size() != columns) {
    throw InputError("X has " + std::to_string(columns) + " columns but " +
                     std::to_string(names.size()) + " names and " + std::to_string(units.size()) +
                     " units were given");
  }
  Dataset data;
  data.names = names;
  for (std::size_t c = 0; c < columns; ++c) {
    data.dimensions.push_back(ParseUnitOf("column '" + names[c] + "'", units[c]));
  }
  data.target_name = target_name;
  data.target_dimension = ParseUnitOf("target '" + target_name + "'", target_unit);
  data.y = CopyVector(y, view.rows(), "y");
  if (weights) {
    data.weights = CopyVector(*weights, view.rows(), "sample_weight");
    if (!data.weights.allFinite() || (data.weights.array() < 0.0).any() ||
        !(data.weights.sum() > 0.0)) {
      throw InputError("sample_weight must be finite and >= 0 with a positive sum");
    }
  }
  data.X = view;  // the one copy: Dataset owns its matrix
  return data;
}

}  // namespace

Eigen::Map<const Eigen::MatrixXd> ViewColumns(const ColumnMajorArray& X) {
  if (X.ndim() != 2) {
    throw InputError("X must be 2-D (samples x features), got " + std::to_string(X.ndim()) +
                     " dimensions");
  }
  if ((X.flags() & py::array::f_style) == 0) {
    throw InputError("X must be Fortran-ordered (column-major) float64");
  }
  return {X.data(), X.shape(0), X.shape(1)};
}

void BindData(py::module_& m) {
  m.def(
      "parse_unit", [](const std::string& text) { return units::ParseUnit(text).ToUnitString(); },
      py::arg("text"),
      "Canonical SI text of a unit string ('J' -> 'kg*m^2/s^2'); ValueError if it is not a "
      "unit.");
  m.def(
      "unit_symbols", [] { return units::KnownUnitSymbols(); },
      "The unit symbols parse_unit knows (SI base and named derived units).");

  py::class_<Dataset>(m, "Dataset",
                      "Inputs and target with their dimensions (owns a copy of the values).")
      .def_property_readonly("rows", &Dataset::rows)
      .def_readonly("names", &Dataset::names)
      .def_readonly("target_name", &Dataset::target_name)
      .def_property_readonly("units",
                             [](const Dataset& d) {
                               std::vector<std::string> out;
                               for (const Dimension& dim : d.dimensions) {
                                 out.push_back(dim.ToUnitString());
                               }
                               return out;
                             })
      .def_property_readonly("target_unit",
                             [](const Dataset& d) { return d.target_dimension.ToUnitString(); });

  m.def("make_dataset", &MakeDataset, py::arg("X").noconvert(), py::arg("y").noconvert(),
        py::arg("names"), py::arg("units"), py::arg("target_name"), py::arg("target_unit"),
        py::arg("weights").noconvert() = py::none(),
        "Builds a Dataset. X: Fortran-ordered float64 (rows x columns), copied once into the "
        "Dataset; y and weights: contiguous float64 vectors. ValueError for bad units or shapes.");

  m.def(
      "_view_address",
      [](const ColumnMajorArray& X) {
        // The same conversion Formula.predict makes before evaluating.
        const ConstMatrixRef ref(ViewColumns(X));
        return reinterpret_cast<std::uintptr_t>(ref.data());
      },
      py::arg("X").noconvert(),
      "Address of the first value the evaluator reads for X (tests check it is X's own "
      "buffer: no copy).");
}

}  // namespace physr::python
