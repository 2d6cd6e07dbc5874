// Helpers of the search engine shared by its source files.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "physr/expr/library.hpp"
#include "physr/fit/batch_fitter.hpp"
#include "physr/fit/constant_fitter.hpp"
#include "physr/search/pareto_front.hpp"
#include "physr/search/search.hpp"

namespace physr {

// The fit options of the search's formulas. Without the periodic scan (FitOptions): in every
// race it cost an eighth of the formulas scored and found fewer laws on the Feynman subset
// (docs/benchmarks.md, "The periodic scan"); the enumeration's screening and the final refit
// scan.
BatchFitOptions SearchFitOptions(const SearchConfig& config);

// The options of the final refits (of the search's front, and of a front written back in the
// data's variables): `options` with uncertainties, the periodic scan, and at least 100
// iterations.
FitOptions FinalFitOptions(FitOptions options);

// The reported form of a fitted program: its metrics, units, constants and notations.
Formula MakeFormula(const Program& program, const Library& library, const FitResult& fit);

// The search over the data's dimensionless groups (grouped_search.cpp), for config.groups on
// or auto; nullopt when auto finds that the groups do not apply.
std::optional<SearchResult> RunGroupedSearch(const Dataset& data, const SearchConfig& config,
                                             const SearchCallbacks& callbacks);

// A front written back from a search over transformed data (the groups, the features) in
// the data's variables.
struct WrittenBack {
  ParetoFront front;
  std::vector<std::pair<Program, FitResult>> fits;
};

// The formula of a search over transformed data over the data's library `to`.
using WriteBackFn = std::function<Program(const Formula&, Library& to)>;

// A copy of `library` with its variables named `names` (by variable index): how a search over
// transformed data prints its formulas in the data's variables ("(v/c)" for a group).
Library WithVariableNames(const Library& library, const std::vector<std::string>& names);

// `text` (formula `f` of a search whose library is `from`, written in the data's variables)
// parsed over `library`, its free constants started at f's values (matched by name).
Program WriteBackText(const std::string& text, const Formula& f, const Library& from,
                      Library& library);

// The formulas `pareto` written back over `library` (the data's; ParseFormula may add exact
// numbers to it) by `write`: each checked for units, refitted on the data, kept when
// numerically stable, and in canonical form when the config asks.
WrittenBack WriteBackEntries(const std::vector<Formula>& pareto, const WriteBackFn& write,
                             const Dataset& data, const SearchConfig& config, Library& library,
                             double exact);

// The front `written` and the formulas `given` (of a search over the data as given, over the
// same `library`) merged into `result`: one front, one entry per model (KeepDistinctModels),
// the best chosen by ParetoFront::Best as for any search. Formulas from `written` are marked
// from_groups when `from_groups`.
void MergeFronts(WrittenBack written, const std::vector<Formula>& given, const Library& library,
                 const Dataset& data, double exact, SearchResult& result, bool from_groups);

// The search over the data as given: with SearchConfig::features, over the data with its
// features (features.hpp) as extra columns, the front written back in the data's variables;
// else the engine on `data`.
SearchResult RunGivenSearch(const Dataset& data, const SearchConfig& config,
                            const SearchCallbacks& callbacks);

}  // namespace physr
