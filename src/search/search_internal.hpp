// Helpers of the search engine shared by its source files.
#pragma once

#include <cstdint>

#include "physr/data/dataset.hpp"
#include "physr/expr/library.hpp"
#include "physr/fit/constant_fitter.hpp"
#include "physr/search/search.hpp"

namespace physr {

// Rows the search trains on: all of them, or a seeded subset of max_rows in file order.
Dataset SearchRows(const Dataset& data, Eigen::Index max_rows, std::uint64_t seed);
// Throws InputError when the target's spread Σ(y − ȳ)² overflows or underflows a double.
void CheckTargetScale(const Dataset& data);
// (Σw)²/Σw²: the row count when all weights are equal.
double EffectiveRows(const Dataset& data);
// The reported form of a fitted program.
Formula MakeFormula(const Program& program, const Library& library, const FitResult& fit);

}  // namespace physr
