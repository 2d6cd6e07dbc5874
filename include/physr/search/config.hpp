// The options of one search, composed of the option structs of the parts that use them:
// the token library, the priors, the policy's training, evolution, constant fitting,
// stopping, checkpoints and row sampling. Every default is written once, in the struct that
// owns it; the command line and Python take theirs from here. Not here: running a search
// (engine.hpp, search.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "physr/data/dataset.hpp"
#include "physr/expr/library.hpp"
#include "physr/fit/batch_fitter.hpp"
#include "physr/policy/training.hpp"
#include "physr/priors/default_priors.hpp"
#include "physr/search/checkpoint.hpp"
#include "physr/search/enumerate.hpp"
#include "physr/search/evolution.hpp"
#include "physr/search/screening.hpp"

namespace physr {

// The operators used when the user names none (the SRBench/PhySO Feynman setup).
const std::vector<std::string>& DefaultOperators();

// The tokens of a search besides the dataset's input columns (its variables). Fixed
// constants: "1" (dimensionless) is always added unless the user defines a token named "1".
// Free constants: when `default_free_constants` is true, two dimensionless ones (C1, C2) are
// added before the user's.
// Defined operators (`definitions`, "sinc(x)=sin(x)/x") join the operators whether or not
// `operators` names them; `complexity` sets operators' complexities (default 1).
struct LibraryOptions {
  std::vector<std::string> operators = DefaultOperators();
  std::vector<std::string> definitions;
  std::vector<OperatorComplexity> complexity;
  std::vector<FixedConstantSpec> fixed_constants;
  std::vector<FreeConstantSpec> free_constants;
  bool default_free_constants = true;
};

// The epoch limit the command line and Python set when the user gives no limit at all.
inline constexpr int kDefaultEpochs = 200;

// The first criterion met ends the run. 0 means "no limit" for each of the three limits.
struct StoppingOptions {
  int max_epochs = 0;
  double time_limit_seconds = 0.0;
  std::int64_t max_evaluations = 0;
  // A formula with NRMSE at most this on the training rows is exact. Unset: ExactThreshold of
  // the data, from the precision the target was written to.
  std::optional<double> perfect_nrmse;
  // After the epoch of the first exact formula, keep searching for simpler exact ones (the
  // front then selects the simplest) for PatienceAfter(that epoch) epochs, then stop with
  // "perfect fit". Unset (the default): as many epochs as finding it took, at least
  // kAutoPatienceMin and at most kAutoPatienceCap. Set: exactly that many epochs (0 stops at
  // once).
  std::optional<int> perfect_patience;
  static constexpr int kAutoPatienceMin = 3;
  static constexpr int kAutoPatienceCap = 10;

  // The epochs searched after the first exact formula appeared in epoch `first_exact_epoch`
  // (≥ 1): perfect_patience when set, else first_exact_epoch clamped to [kAutoPatienceMin,
  // kAutoPatienceCap]. The default search for a simpler exact formula thus costs no more
  // epochs than finding the first did, except for laws found within the first three epochs,
  // whose simplest forms the bundled datasets showed needing up to three (docs/decisions.md).
  int PatienceAfter(int first_exact_epoch) const {
    if (perfect_patience) return *perfect_patience;
    return std::clamp(first_exact_epoch, kAutoPatienceMin, kAutoPatienceCap);
  }

  // Whether any of the three limits is set (not 0; a negative one fails Validate).
  bool HasLimit() const {
    return max_epochs != 0 || time_limit_seconds != 0.0 || max_evaluations != 0;
  }
  // Sets max_epochs to kDefaultEpochs when no limit is set, so that a run always ends.
  void ApplyDefaultLimit() {
    if (!HasLimit()) max_epochs = kDefaultEpochs;
  }
};

// Rows: with more rows than max_rows, the search runs on a seeded random subset of them
// (SearchRows) and the final front is refitted on all rows. 0 = always all rows.
//
// Racing (docs/algorithms.md, "Racing"): with at least kRaceMinFactor · race_rows search rows,
// each sampled or bred program is fitted first on a seeded subset of race_rows of them; only
// those that could be among the batch's best race_advance share, or enter the Pareto front, are
// refitted on all the search rows (from the subset's constants). The others keep the subset's
// figures: their rewards train and breed, they never reach the front. 0 = no racing.
// race_iterations bounds Levenberg–Marquardt on the race rows (the race only ranks; a program
// that advances is refitted on all rows from the race's constants with the fit's own budget);
// 0 = the fit's own budget (BatchFitOptions).
struct RowSamplingOptions {
  static constexpr Eigen::Index kRaceMinFactor = 4;
  Eigen::Index max_rows = 10000;
  Eigen::Index race_rows = 256;
  double race_advance = 0.1;
  int race_iterations = 0;
};

// Dimensionless groups (groups.hpp, docs/algorithms.md): kOff searches the data as given;
// kOn searches the dimensionless relation between the groups of the inputs (target divided
// by a monomial of the inputs) and writes each formula back in the data's variables. kAuto,
// when the groups apply (no free constant with units, a monomial for the target, finite
// groups) and are fewer than the inputs, runs a portfolio: the search over the groups with
// half of each limit (epochs, evaluations, time; the default epochs when none is set), then
// the search over the data as given with what it left (at least a tenth of each limit; after
// a perfect fit over the groups, no more epochs and formulas than that search spent); both
// fronts are merged and the usual selection picks the best. Otherwise kAuto searches the data
// as given.
enum class GroupsMode { kOff, kOn, kAuto };  // in this order: config.cpp names them by index

// "off", "on", "auto".
std::string_view ToString(GroupsMode mode);
// The mode named `text`; throws InputError for another text.
GroupsMode ParseGroupsMode(std::string_view text);

// Features (features.hpp) for the search over the data as given: kOn and kAuto give it the
// features of its data when there are any; a class search takes kAuto as off and refuses kOn.
enum class FeaturesMode { kOff, kOn, kAuto };  // in this order, as GroupsMode

// "off", "on", "auto".
std::string_view ToString(FeaturesMode mode);
// The mode named `text`; throws InputError for another text.
FeaturesMode ParseFeaturesMode(std::string_view text);

// Symmetric inputs (symmetry.hpp) for the search over the groups: before the groups are
// formed, a pair of columns through whose difference, product or quotient alone the target
// depends is replaced by that one column. kAuto tests data of at most kMergeAutoColumns
// columns, kOn of any width the groups take; the search over the data as given keeps every
// column.
enum class SymmetryMode { kOff, kOn, kAuto };  // in this order, as GroupsMode

// "off", "on", "auto".
std::string_view ToString(SymmetryMode mode);
// The mode named `text`; throws InputError for another text.
SymmetryMode ParseSymmetryMode(std::string_view text);

struct SearchConfig {
  LibraryOptions library;
  // Priors: lengths, the units prior (`priors.units`; off, dimensions are ignored while
  // sampling, for comparisons) and its Occam look-ahead.
  PriorOptions priors;
  TrainingOptions training;  // batch size, risk quantile, policy size, Adam, entropy bonus
  EvolutionOptions evolution;
  // Constant fitting during the search: iterations (`fit.solver.max_iterations`), restarts
  // and the cache. The search sets `fit.seed` from `seed` and computes uncertainties only in
  // the final refit.
  BatchFitOptions fitting;
  StoppingOptions stopping;
  CheckpointOptions checkpoint;
  RowSamplingOptions rows;
  GroupsMode groups = GroupsMode::kAuto;
  // Symmetric pairs of inputs merged before the groups are formed (symmetry.hpp); only
  // with groups on or auto.
  SymmetryMode symmetry = SymmetryMode::kAuto;
  // Exhaustive enumeration of short programs at the start (enumerate.hpp): its best
  // programs are scored, offered to the front and seeded into evolution.
  EnumerateOptions enumerate;
  // Screening of the inputs (screening.hpp): kScreenAuto (-1) keeps the kScreenAutoKeep
  // columns that explain most of the target when there are more than kScreenAutoAbove,
  // kScreenOff (0) searches every column, K > 0 keeps the K best. The dropped columns stay in
  // the result's library, unused.
  int screen = kScreenAuto;
  // Features (features.hpp): the search over the data as given also gets, as extra columns,
  // the sums and differences of squares of inputs that share a unit; its formulas are written
  // back in the data's variables.
  FeaturesMode features = FeaturesMode::kAuto;
  // Report formulas in their canonical form (expr/canonical.hpp: m*c^2/sqrt(1 - v^2/c^2)
  // rather than the search's sqrt(1/((c/v)^2 - 1) + 1)*m*c^2), constants refitted; false
  // reports them as the search wrote them. Only the final report depends on it.
  bool canonical = true;
  // Check during the search, not only in the final pass, that a formula is numerically
  // stable (eval/stability.hpp) before it enters the front, the memory, the elite the policy
  // trains on or the parents that breed, or counts as the best so far: a formula that fits
  // only through floating-point rounding is then treated as unscored there.
  bool search_stability = false;
  std::uint64_t seed = 0;
  int threads = 0;  // 0 = all cores

  // Throws InputError naming the first invalid option. RunSearch calls it.
  void Validate() const;
};

// The token library of a search over `data`: the operators, the data's columns as
// variables, the fixed constants with "1", then the free constants (C1, C2 first when asked
// for). Throws InputError for an unknown operator or a duplicate name.
Library BuildSearchLibrary(const Dataset& data, const LibraryOptions& options);

// A fingerprint of everything that decides a search's course: the data (names, units, every
// value bit), the token library, the seed and the options that shape sampling, training and
// fitting. Stopping limits (epochs, time, evaluations), checkpoint schedules and the thread
// count are left out, so a resumed run may extend the limits. Cost: one pass over the data.
std::uint64_t SearchFingerprint(const Dataset& data, const Library& library,
                                const SearchConfig& config);

}  // namespace physr
