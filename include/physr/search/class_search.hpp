// Class symbolic regression: one law searched across several datasets (a ClassDataset:
// realizations of one phenomenon). The search samples, trains and breeds as for one dataset;
// specific constants are terminals with units like free constants. Scoring fits each
// candidate over every dataset (fit/class_fitter.hpp: class constants shared, specific ones
// per dataset) and rewards it by the mean of the per-dataset rewards; the front, the final
// refit, the canonical form and the selection are over the class. Not here: reading files or
// printing (cli/).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "physr/data/class_dataset.hpp"
#include "physr/fit/class_fitter.hpp"
#include "physr/search/config.hpp"
#include "physr/search/search.hpp"

namespace physr {

struct ClassSearchConfig {
  // The search's options; its library's free constants (the default C1, C2 and the user's)
  // are class constants.
  SearchConfig search;
  // The specific constants: one value per dataset, units as free constants. Names must not
  // clash with the other terminals.
  std::vector<FreeConstantSpec> specific_constants;
  // The rows the search fits on, in all, split equally between the datasets (0: every row);
  // the final refit uses every row. A class formula costs a fit over every dataset, so the
  // default is a fifth of one dataset's (search.rows.max_rows, unused here): 10 datasets of
  // 1000 rows search on 200 rows each, five times more formulas a second than on all rows.
  Eigen::Index max_rows = kClassSearchRows;
  static constexpr Eigen::Index kClassSearchRows = 2000;
};

// One formula's fit over the class.
struct ClassFormulaFit {
  std::vector<DatasetFit> datasets;  // one per dataset: constants by slot, errors, figures
  double reward = 0.0;               // mean of 1/(1 + NRMSE_k)
  double worst_nrmse = 0.0;          // the largest NRMSE_k
};

struct ClassSearchResult {
  // The run as for one dataset. Each Formula's nrmse is the class loss 1/reward − 1 (the
  // NRMSE whose single-dataset reward is the class reward), rmse the pooled RMSE over every
  // row, r2 the mean R²_k; its constants, and the values its texts substitute, are the first
  // dataset's (the class constants are everyone's); `pareto` and `best` below give them all.
  SearchResult result;
  std::vector<std::string> dataset_names;
  std::vector<ClassFormulaFit> pareto;  // pareto[i] is result.pareto[i]'s fit
  std::optional<ClassFormulaFit> best;  // result.best's
  ClassConstantRoles roles;             // by slot of result.library
  Eigen::Index search_rows = 0;         // the rows searched in all (ClassSearchConfig::max_rows)
};

// The class loss of a fit: 1/reward − 1 (0 for a perfect class, +inf when not finite).
double ClassLoss(const ClassFitResult& fit);

// The final pass's canonical form of one formula over the class, the class analogue of
// CanonicalizeFront's test (search/simplify.hpp): `program` is rewritten (expr/canonical.hpp)
// with each dataset's constants of `fit`, its fit over `data`; the rewrite is kept when it
// has the same tokens for every dataset, computes the same values on each (RewriteAgrees), is
// no more complex and has no more class constants and no more specific constants than
// `program`, each class constant it writes taking one value on every dataset (so a class
// constant merged with a specific one is not written into a class slot), and its refit over
// the class (FitClassConstants with `options`: class constants shared, specific ones per
// dataset) is as good (SimplifyOptions::AcceptLimit of the class loss and of the worst
// dataset's NRMSE) and numerically stable on every dataset. Returns the rewrite, its
// constants the first dataset's, with its refit; nullopt when any test fails.
// Cost: K rewrites, 2K evaluations over each dataset's rows and one class fit.
std::optional<std::pair<Program, ClassFitResult>> CanonicalClassFit(
    const Program& program, const ClassFitResult& fit, const Library& library,
    const ClassConstantRoles& roles, const ClassDataset& data, const ClassFitOptions& options);

// The final pass's simplification of one formula over the class: SimplifyProgram (drop the
// parts the data do not need, write constants as exact numbers) with every candidate refitted
// over `data` (FitClassConstants without uncertainties; accepted on the class loss), then the
// result refitted with `options` and kept when its class loss and worst dataset's NRMSE are
// within SimplifyOptions::AcceptLimit of `fit`'s and it is stable on every dataset. Returns it
// (constants the first dataset's) with that refit; nullopt when nothing changed or it fails.
// Cost: up to (changes + 1) × 3 × length class fits.
std::optional<std::pair<Program, ClassFitResult>> SimplifyClassFit(
    const Program& program, const ClassFitResult& fit, const Library& library,
    const ClassConstantRoles& roles, const ClassDataset& data, const ClassFitOptions& options);

// Runs the search over the class. Rows: each dataset searches on at most
// max(1, config.max_rows / K) of its rows (SearchRows), the final refit uses all.
// Throws InputError as RunSearch does, and for options a class search lacks (dimensionless
// groups, checkpoints) or a specific constant whose name clashes. Deterministic as RunSearch.
// Cost: as RunSearch with every fit over all K datasets; no fit cache.
ClassSearchResult RunClassSearch(const ClassDataset& data, const ClassSearchConfig& config,
                                 const SearchCallbacks& callbacks = {});

}  // namespace physr
