// The discovery entry point and its result: `RunSearch` trains the LSTM policy by risk-seeking
// policy gradient to write formulas that fit a dataset, sampling under the priors (exact
// dimensional analysis with look-ahead), fitting free constants in parallel, and keeping the
// Pareto front of accuracy against complexity; it returns the front refitted on all rows and
// the selected formula. The engine that runs it is in engine.hpp, its options in config.hpp.
// Not here: reading files or printing (cli/, python/).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "physr/core/collective.hpp"
#include "physr/data/dataset.hpp"
#include "physr/data/statistics.hpp"
#include "physr/eval/stability.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"
#include "physr/search/config.hpp"
#include "physr/search/groups.hpp"
#include "physr/search/screening.hpp"
#include "physr/search/state.hpp"

namespace physr {

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
  std::string infix;                      // with constant names
  std::string infix_values;               // with fitted values substituted
  std::string sympy;                      // sympify-able, values substituted
  std::string latex;                      // values substituted
  // Written back from a search over the dimensionless groups (SearchConfig::groups), not
  // found over the data as given.
  bool from_groups = false;
};

// Where a run's wall time went, phase by phase: each second is counted once, in the
// innermost phase running (the fits of Breed count as fit, not breed). Measured in this
// process only: a run resumed from a checkpoint profiles its resumed part (`seconds` is that
// part's length, while SearchResult::seconds includes the earlier run's).
struct SearchProfile {
  double sample_priors = 0.0;  // sampling apart from the policy's steps: prior masks and
                               // factors, observations, episode records, the unit check
  double sample_policy = 0.0;  // the policy's (LSTM's) steps while sampling
  double fit = 0.0;            // BatchFitter::FitAll, for sampled and bred programs (racing's
                               // both stages)
  double train = 0.0;          // elite selection, policy gradient, Adam step
  double breed = 0.0;          // evolution apart from fitting and simplifying its offspring
  double enumerate = 0.0;      // the enumeration of short programs and their screening fits
                               // (the best's scoring counts as fit)
  double simplify = 0.0;       // simplifying exact formulas offered to the front
  double finalise = 0.0;       // refit, simplification and selection of the final front
  double other = 0.0;          // the rest: setup, rewards, the front, reports, checkpoints
  double seconds = 0.0;        // the wall seconds profiled: the sum of the phases
  std::int64_t fitted = 0;     // constant fits this process ran (not served by the cache or a
                               // duplicate; across ranks, its share), racing's included
  std::int64_t advanced = 0;   // of those, refits on all search rows of programs that won
                               // their race (RowSamplingOptions)

  // Each phase's name (the field's) and seconds, in the order above, `other` last: the
  // JSON result and Python's SearchResult.profile list them so.
  std::array<std::pair<std::string_view, double>, 9> Phases() const {
    return {{{"sample_priors", sample_priors},
             {"sample_policy", sample_policy},
             {"fit", fit},
             {"train", train},
             {"breed", breed},
             {"enumerate", enumerate},
             {"simplify", simplify},
             {"finalise", finalise},
             {"other", other}}};
  }
};

struct SearchResult {
  Library library;              // the tokens the formulas refer to
  std::vector<Formula> pareto;  // by increasing complexity
  std::optional<Formula> best;  // the selected model (ParetoFront::Best)
  double seconds = 0.0;         // the whole run, final pass and resumed runs included
  StopReason stop_reason = StopReason::kEpochs;
  std::uint64_t seed = 0;
  // The run's counters, as SearchCounters (state.hpp) defines them.
  int epochs = 0;
  std::int64_t evaluations = 0;
  std::int64_t sampled = 0;
  std::int64_t dead_ends = 0;
  std::int64_t invalid = 0;
  std::int64_t bred = 0;
  int first_exact_epoch = 0;
  double first_exact_seconds = std::numeric_limits<double>::quiet_NaN();
  double exact_nrmse = 0.0;          // the threshold the run used (StoppingOptions::perfect_nrmse)
  std::vector<EpochReport> history;  // one report per epoch, resumed runs' included
  SearchProfile profile;             // this process's part of the run
  int ranks = 1;  // the processes that ran the search together (SearchCallbacks::collective)
  // The dimensionless groups the search ran over (SearchConfig::groups), when it used them:
  // the counters, history and profile are that search's, the formulas written back in the
  // data's variables and refitted on the data.
  std::optional<GroupBasis> groups;
  // Groups auto, when they applied: the front merges a search over the groups and one over
  // the data as given (the portfolio; each formula's from_groups says which), the counters,
  // history and profile are both searches', the groups' first.
  bool groups_portfolio = false;
  // The features the search over the data as given had as extra columns
  // (SearchConfig::features), as formulas in the data's variables: "x^2 + y^2". Empty when
  // none were used.
  std::vector<std::string> features;
  // The columns screening kept (SearchConfig::screen), when it dropped some: the search ran
  // over those, and the library holds every column of the data.
  std::optional<Screening> screening;
};

struct SearchCallbacks {
  // Called after every epoch (on the calling thread). Return false to stop the search.
  std::function<bool(const EpochReport&)> on_epoch;
  // Polled between steps; when it becomes true the search finishes the current epoch and
  // returns what it has with stop_reason kInterrupted. Borrowed; may be null.
  const std::atomic<bool>* stop_requested = nullptr;
  // The processes running this one search together (core/collective.hpp), borrowed; null: this
  // process alone. Every process must call RunSearch with the same data and config (else
  // InputError on every process) and its own collective; each fits a share of the constant
  // fits, and all return the same result, the same as one process would. A stop (a callback,
  // the flag, a time limit) on any process stops all after the same epoch; only rank 0 writes
  // checkpoints.
  Collective* collective = nullptr;
};

// Runs the search: SearchEngine(data, config, callbacks).Run() (engine.hpp); first, when
// config.screen drops columns (screening.hpp), over the kept columns only, the result's
// library then widened back to every column of the data (formulas and texts unchanged); with
// config.groups on (or auto, when the groups apply), over the dimensionless groups of the
// data (groups.hpp), each formula of the front then written back in the data's variables,
// checked for units and refitted on the data, the front and the best formula chosen again
// there; each epoch report's best_infix is in the data's variables. With groups auto, that
// search gets half the budget and a search over the data as given the rest, and the best is
// chosen on their merged front (SearchResult::groups_portfolio). With groups on, also throws
// InputError when they do not apply (a free constant with units, no monomial with the
// target's units, a group or the monomial not finite). Throws
// InputError for invalid options, for a library with no way to produce the target's
// dimension within max_length, or for unusable data (no rows, non-finite values, a target
// whose spread Σ(y − ȳ)² overflows or underflows a double; a constant target is allowed).
// Deterministic: the same data, config and seed give the same result whatever `threads` is
// (time limits aside).
SearchResult RunSearch(const Dataset& data, const SearchConfig& config,
                       const SearchCallbacks& callbacks = {});

// The input the unit rules shut out of `best`: when `units_rules` held, `best` uses none of
// the inputs of `library` and one of them has units, the first with units (an input enters a
// formula only where other inputs or constants cancel its units; dimensionless inputs can
// enter any). nullopt otherwise.
std::optional<Token> ShutOutInput(const Formula& best, const Library& library, bool units_rules);
// The advice for such a result, in the front end's words: `declare`, how to declare a
// constant of the input's units (--free-const 'C[s]'); `without_units`, how to search
// without the unit rules.
std::string NoInputAdvice(const Token& input, std::string_view declare,
                          std::string_view without_units);

}  // namespace physr
