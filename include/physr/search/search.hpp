// The discovery engine: `RunSearch` trains the LSTM policy by risk-seeking policy gradient to
// write formulas that fit a dataset, sampling under the priors (exact dimensional analysis with
// look-ahead), fitting free constants in parallel, and keeping the Pareto front of accuracy
// against complexity. Not here: reading files or printing (cli/, python/).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "physr/data/dataset.hpp"
#include "physr/data/statistics.hpp"
#include "physr/eval/stability.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"

namespace physr {

// The operators used when the user names none (the SRBench/PhySO Feynman setup).
const std::vector<std::string>& DefaultOperators();

struct SearchConfig {
  // Library. Variables are the dataset's input columns. Fixed constants: "1" (dimensionless)
  // is always added unless the user defines a token named "1". Free constants: when
  // `default_free_constants` is true, two dimensionless ones (k0, k1) are added besides the
  // user's.
  std::vector<std::string> operators = DefaultOperators();
  std::vector<FixedConstantSpec> fixed_constants;
  std::vector<FreeConstantSpec> free_constants;
  bool default_free_constants = true;

  // Priors.
  int min_length = 4;
  int max_length = 35;
  double soft_length_loc = 8.0;
  double soft_length_variance = 5.0;
  // Occam look-ahead: log-factor −w per token a choice forces beyond the cheapest one (0: off).
  double completion_length_weight = 0.5;
  bool units_prior = true;  // off: dimensions are ignored while sampling (for comparisons)

  // Policy and training.
  int batch_size = 1000;
  double risk_epsilon = 0.05;
  int hidden_size = 128;
  double learning_rate = 0.0025;
  double entropy_weight = 0.02;  // DESIGN's 0.005 let policies settle on approximations
  double entropy_gamma = 0.7;

  // Evolution beside the policy (evolution.hpp): each epoch breeds this many offspring from
  // the batch's elite and the Pareto front and scores them too, for this many generations
  // (each breeding from the best of the one before). 0 offspring: the policy alone.
  int evolution_offspring = 1000;
  int evolution_generations = 2;

  // Constant fitting.
  int fit_iterations = 30;
  int fit_restarts = 0;
  std::size_t cache_capacity = std::size_t{1} << 17;

  // Stopping: the first criterion met ends the run. 0 means "no limit" for each.
  int max_epochs = 0;
  double time_limit_seconds = 0.0;
  std::int64_t max_evaluations = 0;
  // A formula with NRMSE at most this on the training rows is exact. Unset: ExactThreshold of
  // the data, from the precision the target was written to.
  std::optional<double> perfect_nrmse;
  // After the first exact formula, keep searching this many epochs for simpler exact ones
  // (the front then selects the simplest), then stop with "perfect fit". 0 stops at once.
  int perfect_patience = 10;

  // Rows: with more rows than this, the search runs on a seeded random subset of them and the
  // final front is refitted on all rows. 0 = always all rows.
  Eigen::Index max_search_rows = 10000;

  std::uint64_t seed = 0;
  int threads = 0;  // 0 = all cores

  // Checkpoint and resume (checkpoint.hpp). With checkpoint_dir set, the search saves its
  // state there every checkpoint_every epochs and/or every checkpoint_seconds seconds (0 =
  // not on that schedule), and always when it stops. With resume_dir set, it continues the
  // search saved there (same data, library, seed and shaping options, else InputError);
  // epoch and time limits count the epochs and seconds already run.
  std::string checkpoint_dir;
  int checkpoint_every = 0;
  double checkpoint_seconds = 0.0;
  std::string resume_dir;

  // Throws InputError naming the first invalid option.
  void Validate() const;
};

struct FittedConstant {
  std::string name;
  double value = 0.0;
  double standard_error = std::numeric_limits<double>::quiet_NaN();
  Dimension dimension;
};

// One formula of the result, on the full dataset.
struct Formula {
  Program program;
  double complexity = 0.0;
  double rmse = 0.0;
  double nrmse = 0.0;
  double r2 = 0.0;
  Dimension dimension;
  std::vector<FittedConstant> constants;  // the free constants it uses
  std::string infix;   // with constant names
  std::string infix_values;  // with fitted values substituted
  std::string sympy;   // sympify-able, values substituted
  std::string latex;   // values substituted
};

struct EpochReport {
  int epoch = 0;
  std::int64_t evaluations = 0;       // candidates scored so far (distinct per batch)
  double seconds = 0.0;
  double candidates_per_second = 0.0;
  double valid_share = 1.0;           // share of sampled programs complete and valid
  double best_reward = 0.0;
  double best_nrmse = 0.0;
  std::string best_infix;
};

struct SearchResult {
  Library library;                 // the tokens the formulas refer to
  std::vector<Formula> pareto;     // by increasing complexity
  std::optional<Formula> best;     // the selected model (ParetoFront::Best)
  int epochs = 0;
  std::int64_t evaluations = 0;
  double seconds = 0.0;
  std::string stop_reason;  // "perfect fit", "epochs", "time limit", "evaluations", "interrupted"
  std::uint64_t seed = 0;
  std::int64_t sampled = 0;      // programs sampled
  std::int64_t dead_ends = 0;    // samples that reached a dead end and were resampled
  std::int64_t invalid = 0;      // complete programs failing the unit check (should be 0)
  std::int64_t bred = 0;         // offspring of evolution scored (included in evaluations)
  // When the first formula with NRMSE ≤ perfect_nrmse appeared: its epoch (0: none) and the
  // run's seconds then (NaN when none, or when it was found before a resumed checkpoint).
  int first_exact_epoch = 0;
  double first_exact_seconds = std::numeric_limits<double>::quiet_NaN();
  double exact_nrmse = 0.0;  // the threshold the run used (SearchConfig::perfect_nrmse)
};

struct SearchCallbacks {
  // Called after every epoch (on the calling thread). Return false to stop the search.
  std::function<bool(const EpochReport&)> on_epoch;
  // Polled between steps; when it becomes true the search finishes the current epoch and
  // returns what it has with stop_reason "interrupted". Borrowed; may be null.
  const std::atomic<bool>* stop_requested = nullptr;
};

// Runs the search. Throws InputError for invalid options, for a library with no way to
// produce the target's dimension within max_length, or for unusable data (no rows, non-finite
// values, a target whose spread Σ(y − ȳ)² overflows or underflows a double; a constant
// target is allowed). Deterministic: the same data, config and seed give the
// same result whatever `threads` is (time limits aside).
SearchResult RunSearch(const Dataset& data, const SearchConfig& config,
                       const SearchCallbacks& callbacks = {});

// Builds the token library of a search over `data` (exposed for tools and tests).
Library BuildSearchLibrary(const Dataset& data, const SearchConfig& config);

}  // namespace physr
