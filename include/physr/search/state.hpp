// The state a search carries from one epoch to the next: the policy and its optimiser, the
// sampling random stream, the Pareto front, the memory of the best programs, the counters and the
// per-epoch history. The search engine (engine.hpp) owns one; a checkpoint (checkpoint.hpp) saves
// and restores it whole, so a resumed run continues exactly where the saved one stopped. Not here:
// the parts that are rebuilt from the options at every start (library, priors, sampler, fitter with
// its cache) or the rules of an epoch (engine.hpp).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "physr/core/rng.hpp"
#include "physr/policy/adam.hpp"
#include "physr/policy/lstm_policy.hpp"
#include "physr/search/memory.hpp"
#include "physr/search/pareto_front.hpp"

namespace physr {

// Why a search ended.
enum class StopReason {
  kPerfectFit,   // an exact formula, and StoppingOptions::PatienceAfter epochs after it
  kEpochs,       // max_epochs
  kTimeLimit,    // time_limit_seconds
  kEvaluations,  // max_evaluations
  kInterrupted,  // the stop flag, or on_epoch returned false
};
// "perfect fit", "epochs", "time limit", "evaluations", "interrupted": the text of the JSON
// result and of Python's stop_reason.
std::string_view ToString(StopReason reason);

// Progress after one epoch.
struct EpochReport {
  int epoch = 0;
  std::int64_t evaluations = 0;  // programs scored so far, as SearchCounters counts them
  double seconds = 0.0;          // the run's seconds so far, resumed runs included
  double candidates_per_second = 0.0;
  double valid_share = 1.0;  // share of sampled programs complete and valid
  double best_reward = 0.0;
  double best_nrmse = 0.0;
  std::string best_infix;
};

struct SearchCounters {
  int epochs = 0;  // completed
  // Programs scored: every sampled program that passed the unit check and every offspring,
  // each counted once per batch it is in (the fitter serves repeats without refitting).
  std::int64_t evaluations = 0;
  std::int64_t sampled = 0;    // rows the sampler started, resampled ones included
  std::int64_t dead_ends = 0;  // rows that reached a dead end (resampled, or dropped at last)
  std::int64_t invalid = 0;    // complete programs failing the unit check (should be 0)
  std::int64_t bred = 0;       // offspring of evolution scored
  double best_nrmse = std::numeric_limits<double>::infinity();  // on the training rows
  // When the first formula with NRMSE ≤ the exact threshold appeared: its epoch (0: none) and
  // the run's seconds then (NaN: none).
  int first_exact_epoch = 0;
  double first_exact_seconds = std::numeric_limits<double>::quiet_NaN();
  double seconds = 0.0;  // the run's seconds at the end of the last completed epoch
};

struct SearchState {
  SearchState(LstmPolicy policy_, AdamOptimizer optimizer_, Rng rng_)
      : policy(std::move(policy_)), optimizer(std::move(optimizer_)), rng(rng_) {}

  LstmPolicy policy;
  AdamOptimizer optimizer;
  // The sampling stream. Evolution draws from Rng(seed, kEvolutionStream + epoch), which
  // depends on nothing else, so it needs no state.
  Rng rng;
  ParetoFront front;  // the training rows' losses; the final refit reports the real ones
  // The same formulas on a front that prices their fitted constants (ParetoFront(library,
  // rows)): the formulas the selection criterion ranks first, which `front` may have dropped
  // for a formula as complex whose constant fits the noise. The final refit draws on both;
  // the search itself (parents, races, reports) uses `front` alone. Empty in a class search.
  ParetoFront criterion_front;
  // The best distinct programs scored so far (TrainingOptions::memory of them), trained on
  // with each batch's elite.
  ProgramMemory memory;
  SearchCounters counters;
  std::vector<EpochReport> history;  // one report per completed epoch
};

}  // namespace physr
