// Helpers of the search engine shared by its source files.
#pragma once

#include <optional>

#include "physr/expr/library.hpp"
#include "physr/fit/constant_fitter.hpp"
#include "physr/search/search.hpp"

namespace physr {

// The reported form of a fitted program: its metrics, units, constants and notations.
Formula MakeFormula(const Program& program, const Library& library, const FitResult& fit);

// The search over the data's dimensionless groups (grouped_search.cpp), for config.groups on
// or auto; nullopt when auto finds that the groups do not apply.
std::optional<SearchResult> RunGroupedSearch(const Dataset& data, const SearchConfig& config,
                                             const SearchCallbacks& callbacks);

}  // namespace physr
