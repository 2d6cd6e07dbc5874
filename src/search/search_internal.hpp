// Helpers of the search engine shared by its source files.
#pragma once

#include "physr/expr/library.hpp"
#include "physr/fit/constant_fitter.hpp"
#include "physr/search/search.hpp"

namespace physr {

// The reported form of a fitted program: its metrics, units, constants and notations.
Formula MakeFormula(const Program& program, const Library& library, const FitResult& fit);

}  // namespace physr
