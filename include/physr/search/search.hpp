// The discovery entry point and its result: `RunSearch` trains the LSTM policy by risk-seeking
// policy gradient to write formulas that fit a dataset, sampling under the priors (exact
// dimensional analysis with look-ahead), fitting free constants in parallel, and keeping the
// Pareto front of accuracy against complexity; it returns the front refitted on all rows and
// the selected formula. The engine that runs it is in engine.hpp, its options in config.hpp.
// Not here: reading files or printing (cli/, python/).
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
#include "physr/search/config.hpp"
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
  std::string infix;   // with constant names
  std::string infix_values;  // with fitted values substituted
  std::string sympy;   // sympify-able, values substituted
  std::string latex;   // values substituted
};

struct SearchResult {
  Library library;                 // the tokens the formulas refer to
  std::vector<Formula> pareto;     // by increasing complexity
  std::optional<Formula> best;     // the selected model (ParetoFront::Best)
  double seconds = 0.0;            // the whole run, final pass and resumed runs included
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
  double exact_nrmse = 0.0;  // the threshold the run used (StoppingOptions::perfect_nrmse)
  std::vector<EpochReport> history;  // one report per epoch, resumed runs' included
};

struct SearchCallbacks {
  // Called after every epoch (on the calling thread). Return false to stop the search.
  std::function<bool(const EpochReport&)> on_epoch;
  // Polled between steps; when it becomes true the search finishes the current epoch and
  // returns what it has with stop_reason kInterrupted. Borrowed; may be null.
  const std::atomic<bool>* stop_requested = nullptr;
};

// Runs the search: SearchEngine(data, config, callbacks).Run() (engine.hpp). Throws
// InputError for invalid options, for a library with no way to produce the target's
// dimension within max_length, or for unusable data (no rows, non-finite values, a target
// whose spread Σ(y − ȳ)² overflows or underflows a double; a constant target is allowed).
// Deterministic: the same data, config and seed give the same result whatever `threads` is
// (time limits aside).
SearchResult RunSearch(const Dataset& data, const SearchConfig& config,
                       const SearchCallbacks& callbacks = {});

}  // namespace physr
