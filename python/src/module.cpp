// The extension module physr._core: bindings of the engine for the pure-Python package
// physr. Errors: physr::InputError and unit parse errors (std::invalid_argument) become
// ValueError through pybind11's standard translation; nothing here aborts on user input.
#include <pybind11/pybind11.h>

#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() =
      "Private bindings of the physr engine; use the physr package (physr.fit, "
      "physr.PhysicalRegressor) instead.";
  physr::python::BindData(m);
  physr::python::BindSearch(m);
  physr::python::BindEval(m);
  physr::python::BindSaved(m);
  physr::python::BindClass(m);
}
