// Internal declarations shared by the binding sources of physr._core (one file per area:
// bind_data.cpp, bind_search.cpp, bind_eval.cpp). Not a public header: the Python package
// python/physr is the interface users see; _core is private to it.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <Eigen/Core>

namespace physr::python {

namespace py = pybind11;

// A float64 array in Fortran (column-major) order. Bound with .noconvert(), so pybind11
// rejects anything else instead of copying it silently; the Python package makes any copy
// explicitly (numpy.asfortranarray) before calling in.
using ColumnMajorArray = py::array_t<double, py::array::f_style>;

// A read-only view of a 2-D column-major array: no copy, the array's own buffer. The view
// borrows the buffer: it is valid while `X` is alive and unchanged. Throws InputError when
// `X` is not 2-D or not Fortran-contiguous.
Eigen::Map<const Eigen::MatrixXd> ViewColumns(const ColumnMajorArray& X);

void BindData(py::module_& m);
void BindSearch(py::module_& m);
void BindEval(py::module_& m);
void BindSaved(py::module_& m);
void BindClass(py::module_& m);

}  // namespace physr::python
