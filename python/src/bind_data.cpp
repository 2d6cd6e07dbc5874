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
units::ParsedUnit ParseUnitOf(const std::string& what, const std::string& text) {
  try {
    return units::ParseUnitWithScale(text);
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
    const units::ParsedUnit unit = ParseUnitOf("column '" + names[c] + "'", units[c]);
    data.dimensions.push_back(unit.dimension);
    data.source_units.push_back({units[c], unit.scale});
  }
  data.target_name = target_name;
  const units::ParsedUnit target = ParseUnitOf("target '" + target_name + "'", target_unit);
  data.target_dimension = target.dimension;
  data.target_source_unit = {target_unit, target.scale};
  data.y = CopyVector(y, view.rows(), "y");
  if (target.scale != 1.0) data.y *= target.scale;
  if (weights) {
    data.weights = CopyVector(*weights, view.rows(), "sample_weight");
    if (!data.weights.allFinite() || (data.weights.array() < 0.0).any() ||
        !(data.weights.sum() > 0.0)) {
      throw InputError("sample_weight must be finite and >= 0 with a positive sum");
    }
  }
  data.X = view;  // the one copy: Dataset owns its matrix
  // Values in scaled units ("km", "keV") are converted to coherent SI, as the CSV reader does.
  for (std::size_t c = 0; c < columns; ++c) {
    if (data.source_units[c].converted()) {
      data.X.col(static_cast<Eigen::Index>(c)) *= data.source_units[c].scale;
    }
  }
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
      "Canonical SI text of a unit string ('J' -> 'kg*m^2/s^2', 'km/h' -> 'm/s'); ValueError "
      "if it is not a unit.");
  m.def(
      "unit_scale", [](const std::string& text) { return units::ParseUnitWithScale(text).scale; },
      py::arg("text"),
      "Factor from a unit to coherent SI ('km/h' -> 1/3.6, 'J' -> 1.0); ValueError if it is not "
      "a unit.");
  m.def(
      "unit_symbols", [] { return units::KnownUnitSymbols(); },
      "The unit symbols parse_unit knows without prefixes (SI base and named derived units, "
      "then common units outside the SI such as g, eV, L, min).");

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
                             [](const Dataset& d) { return d.target_dimension.ToUnitString(); })
      .def_property_readonly(
          "scales",
          [](const Dataset& d) {
            std::vector<double> out;
            for (const SourceUnit& u : d.source_units) out.push_back(u.scale);
            out.resize(d.dimensions.size(), 1.0);
            return out;
          },
          "Per column, the factor that converted its values to coherent SI.")
      .def_property_readonly(
          "target_scale", [](const Dataset& d) { return d.target_source_unit.scale; },
          "The factor that converted the target's values to coherent SI.");

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
