#include "physr/search/engine.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#if defined(__GLIBC__)
#include <malloc.h>  // malloc_trim
#endif

#include <tbb/global_control.h>
#include <tbb/info.h>

#include "across_processes.hpp"
#include "core/sanitizers.hpp"
#include "physr/core/error.hpp"
#include "physr/core/hash.hpp"
#include "physr/data/statistics.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/eval/stability.hpp"
#include "physr/expr/exact_number.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/fit/constant_fitter.hpp"
#include "physr/fit/metrics.hpp"
#include "physr/policy/training.hpp"
#include "physr/search/restarts.hpp"
#include "search_internal.hpp"

namespace physr {
namespace {

// Renumbers the formulas of `result`, written over `extended` (the search's library `search`
// with tokens appended), to a library holding only the appended tokens they use, which it
// returns: the search's tokens, then those in order of first use.
Library KeepUsedTokens(const Library& search, const Library& extended, SearchResult& result) {
  Library kept = search;
  std::vector<std::optional<TokenId>> remap(extended.size());
  const auto renumber = [&](Formula& f) {
    for (TokenId& id : f.program.tokens) {
      if (id < search.size()) continue;
      std::optional<TokenId>& to = remap[id];
      if (!to) {
        const Token& t = extended[id];
        PHYSR_CHECK(t.kind == TokenKind::kFixedConstant, "appended token is no fixed constant");
        to = kept.AddFixedConstant(t.name, t.value, t.dimension);
      }
      id = *to;
    }
  };
  for (Formula& f : result.pareto) renumber(f);
  if (result.best) renumber(*result.best);
  return kept;
}

using Clock = std::chrono::steady_clock;

// The share of the time limit the enumeration (before epoch 2) may take.
constexpr double kEnumerateTimeShare = 0.2;

// Hands the memory the allocator holds free back to the system (glibc): the enumeration's
// store is a search's largest passing allocation, and what earlier work freed (the other
// search of a portfolio) would otherwise stay resident beside it. Not under a sanitizer,
// whose own allocator replaces glibc's: glibc's, never used, would be set up by malloc_trim
// itself, which is not safe when two searches (ranks run as threads in the tests) do it at
// once.
void ReleaseFreeMemory() {
#if defined(__GLIBC__) && !defined(PHYSR_SANITIZED)
  malloc_trim(0);
#endif
}

// Rows of the search's stability check (SearchEngine::Stable), evenly spaced.
constexpr Eigen::Index kSearchStabilityRows = 1000;

// Random stream of epoch e's evolution: Rng(seed, kEvolutionStream + e).
constexpr std::uint64_t kEvolutionStream = std::uint64_t{1} << 32;

// Start of the chain Mix(Mix(chain, seed), k) that seeds the policy of the k-th restart.
constexpr std::uint64_t kRestartSeedChain = 0x7265737461727473ULL;  // "restarts"

// Before any part is built: the options, then the data.
const SearchConfig& Validated(const SearchConfig& config, const Dataset& data) {
  config.Validate();
  if (data.rows() == 0) throw InputError("the dataset has no rows");
  if (data.num_variables() == 0) throw InputError("the dataset has no input columns");
  if (!data.X.allFinite() || !data.y.allFinite()) {
    throw InputError("the dataset holds non-finite values");
  }
  CheckTargetScale(data);
  return config;
}

std::shared_ptr<void> LimitThreads(int threads) {
  const int n = threads > 0 ? threads : std::max(1, tbb::info::default_concurrency());
  return std::make_shared<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                               static_cast<std::size_t>(n));
}

DimensionLattice MakeLattice(const Library& library, const Dataset& data,
                             const PriorOptions& priors) {
  DimensionLatticeOptions options;
  options.max_length = priors.max_length;
  return DimensionLattice(
      library, priors.units ? std::optional<Dimension>(data.target_dimension) : std::nullopt,
      options);
}

BreedOptions MakeBreedOptions(const PriorOptions& priors, const Dataset& data) {
  BreedOptions options;
  options.min_length = priors.min_length;
  options.max_length = priors.max_length;
  if (priors.units) options.target = data.target_dimension;
  return options;
}

// A program that is not exact advances by the front when its race loss beats the front's
// there by this share: less would let every variant of a noisy law with a constant more
// through (each extra constant fitted to the race rows lowers their loss by about
// 1/(2·rows)), while a formula that is really better gains more than this.
constexpr double kRaceFrontGain = 0.01;

// Whether the search races (RowSamplingOptions): racing is on and the search rows are many
// enough for it to pay.
bool Races(const Dataset& train, const SearchConfig& config) {
  const Eigen::Index rows = config.rows.race_rows;
  return rows > 0 && train.rows() >= RowSamplingOptions::kRaceMinFactor * rows;
}

// The race rows: a seeded subset of the search rows; none when the search does not race.
Dataset RaceRows(const Dataset& train, const SearchConfig& config) {
  if (!Races(train, config)) return {};
  return SearchRows(train, config.rows.race_rows, Mix(config.seed, 0x5ACE));
}

// The fit options of the search's fitter on all search rows (race = false) or on the race
// rows: a racing search splits the fit cache's capacity equally between the two, so that
// racing adds no memory, and fits on the race rows with race_iterations Levenberg–Marquardt
// iterations at most when it is set.
BatchFitOptions FitterOptions(const Dataset& train, const SearchConfig& config, bool race) {
  BatchFitOptions options = SearchFitOptions(config);
  const std::size_t capacity = options.cache_capacity;
  if (Races(train, config)) {
    options.cache_capacity = race ? capacity / 2 : capacity - capacity / 2;
    if (race && config.rows.race_iterations > 0) {
      options.fit.solver.max_iterations = config.rows.race_iterations;
    }
  } else if (race) {
    options.cache_capacity = 0;
  }
  return options;
}

// The policy a run starts with, or (restart > 0) the one its restart-th restart starts afresh
// from.
LstmPolicy MakePolicy(const SearchConfig& config, const ObservationEncoder& encoder,
                      const Library& library, int restart = 0) {
  LstmPolicyOptions options;
  options.input_size = encoder.feature_size();
  options.num_tokens = static_cast<int>(library.size());
  options.hidden_size = config.training.hidden_size;
  options.seed =
      restart == 0 ? config.seed
                   : Mix(Mix(kRestartSeedChain, config.seed), static_cast<std::uint64_t>(restart));
  return LstmPolicy(options);
}

// An optimiser with zero moments for `policy`.
AdamOptimizer MakeOptimizer(const SearchConfig& config, const LstmPolicy& policy) {
  AdamOptions adam;
  adam.learning_rate = static_cast<float>(config.training.learning_rate);
  return AdamOptimizer(policy.parameters(), adam);
}

// The state of a new run: a freshly initialised policy, its optimiser and the sampling
// stream.
SearchState MakeState(const SearchConfig& config, const ObservationEncoder& encoder,
                      const Library& library) {
  LstmPolicy policy = MakePolicy(config, encoder, library);
  AdamOptimizer optimizer = MakeOptimizer(config, policy);
  SearchState state(std::move(policy), std::move(optimizer), Rng(config.seed, 1));
  state.memory = ProgramMemory(config.training.memory);
  return state;
}

// 1/(1 + NRMSE); every exact formula (NRMSE ≤ exact) gets the full reward 1, so exact
// formulas differing only by round-off do not rank against each other.
double RewardOf(double nrmse, double exact_nrmse) {
  return nrmse <= exact_nrmse ? 1.0 : 1.0 / (1.0 + nrmse);
}

// The loss a front entry carries. Exact formulas tie at exact_nrmse, so among them the
// simplest wins, not round-off.
double FrontLoss(double nrmse, double exact_nrmse) { return std::max(nrmse, exact_nrmse); }

// Sorts parents best first (ties keep their order), drops repeated programs and keeps at most
// `limit`; returns the count kept.
std::size_t KeepBestDistinct(std::vector<std::pair<double, Program>>& parents,
                             std::size_t limit = std::numeric_limits<std::size_t>::max()) {
  std::stable_sort(parents.begin(), parents.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::unordered_set<std::uint64_t> seen;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < parents.size() && kept < limit; ++i) {
    if (!seen.insert(HashTokens(parents[i].second.tokens)).second) continue;
    if (kept != i) parents[kept] = std::move(parents[i]);
    ++kept;
  }
  parents.resize(kept);
  return kept;
}

}  // namespace

BatchFitOptions SearchFitOptions(const SearchConfig& config) {
  BatchFitOptions options = config.fitting;
  options.fit.seed = config.seed;
  options.fit.compute_uncertainties = false;
  options.fit.periodic_scan = false;
  return options;
}

FitOptions FinalFitOptions(FitOptions options) {
  options.compute_uncertainties = true;
  options.periodic_scan = true;
  options.solver.max_iterations = std::max(100, options.solver.max_iterations);
  return options;
}

// Adds the wall seconds of its scope (or until Stop) to one phase of the profile, less those
// that phases timed inside it recorded, so no second counts twice.
class SearchEngine::PhaseTimer {
 public:
  PhaseTimer(SearchEngine& engine, double SearchProfile::*phase)
      : engine_(engine), phase_(phase), profiled_before_(engine.profiled_), start_(Clock::now()) {}
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;
  ~PhaseTimer() { Stop(); }

  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    const double inner = engine_.profiled_ - profiled_before_;
    const double total = std::chrono::duration<double>(Clock::now() - start_).count();
    engine_.AddToProfile(phase_, std::max(0.0, total - inner));
  }

 private:
  SearchEngine& engine_;
  double SearchProfile::*phase_;
  double profiled_before_;
  Clock::time_point start_;
  bool stopped_ = false;
};

SearchEngine::SearchEngine(const Dataset& data, const SearchConfig& config,
                           SearchCallbacks callbacks)
    : SearchEngine(data, config, std::move(callbacks), nullptr) {}

SearchEngine::SearchEngine(const Dataset& data, const SearchConfig& config,
                           SearchCallbacks callbacks, ClassScoring* class_scoring)
    : data_(data),
      config_(Validated(config, data)),
      callbacks_(std::move(callbacks)),
      collective_(callbacks_.collective != nullptr ? callbacks_.collective : &alone_),
      thread_limit_(LimitThreads(config_.threads)),
      start_(Clock::now()),
      library_(BuildSearchLibrary(data, config_.library)),
      exact_nrmse_(config_.stopping.perfect_nrmse ? *config_.stopping.perfect_nrmse
                                                  : ExactThreshold(data)),
      train_(SearchRows(data, config_.rows.max_rows, config_.seed)),
      lattice_(MakeLattice(library_, data, config_.priors)),
      priors_(MakeDefaultPriors(lattice_, config_.priors)),
      encoder_(lattice_),
      sampler_(lattice_, priors_, encoder_, config_.training.batch_size, config_.priors.max_length),
      breeder_(library_, MakeBreedOptions(config_.priors, data)),
      fitter_(library_, FitterOptions(train_, config_, false)),
      race_(RaceRows(train_, config_)),
      race_fitter_(library_, FitterOptions(train_, config_, true)),
      checkpointer_(CheckpointOptionsOf(config_.checkpoint, *collective_),
                    SearchFingerprint(data, library_, config_)),
      state_(MakeState(config_, encoder_, library_)) {
  simplify_.accept_nrmse = exact_nrmse_;
  simplify_.fit = SearchFitOptions(config_).fit;
  if (config_.training.memory > 0) {
    const int tokens = static_cast<int>(library_.size());
    replayed_ = EpisodeBuffer(0, config_.priors.max_length, encoder_.feature_size(), tokens);
    training_ = EpisodeBuffer(0, config_.priors.max_length, encoder_.feature_size(), tokens);
  }
  CheckSameRun(*collective_, SearchFingerprint(data, library_, config_), config_);
  fitter_.ShareWith(collective_);
  race_fitter_.ShareWith(collective_);
  class_ = class_scoring;
  // A class's losses are not one dataset's NRMSE over these rows.
  if (class_ == nullptr) state_.criterion_front = ParetoFront(library_, EffectiveRows(train_));
  if (checkpointer_.Resume(state_)) seconds_before_ = state_.counters.seconds;
}

SearchResult SearchEngine::Run() {
  for (int epoch = state_.counters.epochs + 1;; ++epoch) {
    // After a first epoch that found no exact formula: a law the policy finds at once does not
    // wait for the enumeration. Interrupted, the run ends as epoch 1 left it.
    if (epoch == 2 && state_.counters.first_exact_epoch == 0) {
      if (const std::optional<StopReason> stop = Enumerate(epoch)) {
        checkpointer_.AfterEpoch(state_, true);
        return Finalise(*stop);
      }
    }
    Batch batch = Sample();
    Score(batch, epoch);
    Breed(Train(batch), epoch);
    if (const std::optional<StopReason> stop = ReportAndStop(batch, epoch)) {
      return Finalise(*stop);
    }
  }
}

double SearchEngine::Seconds() const {
  return seconds_before_ + std::chrono::duration<double>(Clock::now() - start_).count();
}

Clock::time_point SearchEngine::Deadline() const {
  const double limit = config_.stopping.time_limit_seconds;
  if (limit <= 0.0) return Clock::time_point::max();
  const std::chrono::duration<double> left(std::max(0.0, limit - seconds_before_));
  return start_ + std::chrono::duration_cast<Clock::duration>(left);
}

void SearchEngine::AddToProfile(double SearchProfile::*phase, double seconds) {
  profile_.*phase += seconds;
  profiled_ += seconds;
}

std::vector<FitResult> SearchEngine::Fit(std::span<const Program> programs) {
  PhaseTimer timer(*this, &SearchProfile::fit);
  if (class_ != nullptr) return FitClass(programs);
  std::vector<FitResult> fits = fitter_.FitAll(programs, train_);
  profile_.fitted += static_cast<std::int64_t>(fitter_.last_stats().fitted);
  return fits;
}

std::vector<FitResult> SearchEngine::Race(std::span<const Program> programs) {
  if (race_.rows() == 0 || class_ != nullptr) return Fit(programs);
  PhaseTimer timer(*this, &SearchProfile::fit);
  std::vector<FitResult> fits = race_fitter_.FitAll(programs, race_);
  profile_.fitted += static_cast<std::int64_t>(race_fitter_.last_stats().fitted);
  const std::vector<std::size_t> ahead = Advancing(programs, fits);
  std::vector<Program> finals;
  finals.reserve(ahead.size());
  for (const std::size_t i : ahead) {
    finals.push_back(programs[i]);
    finals.back().constants = fits[i].constants;
  }
  std::vector<FitResult> full = fitter_.FitAll(finals, train_);
  const auto refits = static_cast<std::int64_t>(fitter_.last_stats().fitted);
  profile_.fitted += refits;
  profile_.advanced += refits;
  for (FitResult& fit : fits) fit.on_subset = true;
  for (std::size_t k = 0; k < ahead.size(); ++k) fits[ahead[k]] = std::move(full[k]);
  return fits;
}

std::vector<std::size_t> SearchEngine::Advancing(std::span<const Program> programs,
                                                 std::span<const FitResult> fits) const {
  std::vector<std::pair<double, std::size_t>> order;
  for (std::size_t i = 0; i < fits.size(); ++i) {
    if (fits[i].finite && std::isfinite(fits[i].nrmse)) {
      order.emplace_back(FrontLoss(fits[i].nrmse, exact_nrmse_), i);
    }
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const auto top = static_cast<std::size_t>(
      std::ceil(config_.rows.race_advance * static_cast<double>(programs.size())));
  std::vector<std::size_t> ahead;
  std::optional<ParetoFront> front;  // on the race rows, built when first needed
  for (std::size_t k = 0; k < order.size(); ++k) {
    const auto [loss, i] = order[k];
    if (k >= top) {
      if (!front) front = FrontOnRaceRows();
      FrontEntry entry;
      entry.program.tokens = programs[i].tokens;
      entry.complexity = Complexity(programs[i].tokens, library_);
      entry.loss = loss > exact_nrmse_ ? (1.0 + kRaceFrontGain) * loss : loss;
      if (!front->Accepts(entry)) continue;
    }
    ahead.push_back(i);
  }
  std::sort(ahead.begin(), ahead.end());
  return ahead;
}

ParetoFront SearchEngine::FrontOnRaceRows() const {
  ParetoFront front;
  Evaluator evaluator;
  std::vector<double> prediction(static_cast<std::size_t>(race_.rows()));
  const std::span<const double> y(race_.y.data(), static_cast<std::size_t>(race_.y.size()));
  const std::span<const double> weights(race_.weights.data(),
                                        static_cast<std::size_t>(race_.weights.size()));
  for (const FrontEntry& e : state_.front.entries()) {
    if (!evaluator.Evaluate(Compile(e.program, library_), race_.X, e.program.constants,
                            prediction)) {
      continue;
    }
    FrontEntry entry = e;
    entry.loss = FrontLoss(ComputeMetrics(y, prediction, weights).nrmse, exact_nrmse_);
    front.Offer(std::move(entry));
  }
  return front;
}

double SearchEngine::Reward(const FitResult& fit) const {
  if (!fit.finite || !std::isfinite(fit.nrmse)) return 0.0;
  return RewardOf(fit.nrmse, exact_nrmse_);
}

// Enumerate: every short program over the library (enumerate.hpp), screened on a few search
// rows; the best are scored on the search rows like sampled programs (and counted as
// evaluations), offered to the front, and kept as parents of `epoch`'s evolution.
std::optional<StopReason> SearchEngine::Enumerate(int epoch) {
  EnumerateOptions options = config_.enumerate;
  if (!options.Enabled(data_.num_variables()) || class_ != nullptr || options.keep == 0) {
    return std::nullopt;
  }
  PhaseTimer timer(*this, &SearchProfile::enumerate);
  options.max_length = std::min(options.max_length, config_.priors.max_length);
  options.max_exp_nesting = config_.priors.max_exp_nesting;
  options.max_log_nesting = config_.priors.max_log_nesting;
  options.max_trig_nesting = config_.priors.max_trig_nesting;
  const Dataset screen = SearchRows(train_, options.screen_rows, config_.seed);
  // At most a fifth of the time limit.
  const Clock::time_point deadline =
      config_.stopping.time_limit_seconds > 0.0
          ? std::min(Deadline(),
                     Clock::now() +
                         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                             kEnumerateTimeShare * config_.stopping.time_limit_seconds)))
          : Clock::time_point::max();
  const std::function<bool()> stop = [&] { return Clock::now() >= deadline || StopRequested(); };
  const std::optional<Dimension> target =
      config_.priors.units ? std::optional<Dimension>(data_.target_dimension) : std::nullopt;
  ReleaseFreeMemory();  // what earlier work freed, before the store is built
  Enumeration found = EnumeratePrograms(library_, screen, target, options, stop);
  ReleaseFreeMemory();  // the store
  // Cut short on one rank, the enumeration is dropped on all (they would differ); an interrupt
  // then ends the run, the deadline only the enumeration. Nothing of it has reached the state,
  // so a run resumed from epoch 1 enumerates as the uninterrupted one does.
  std::optional<StopReason> cut;
  if (found.stopped) cut = StopRequested() ? StopReason::kInterrupted : StopReason::kTimeLimit;
  cut = AgreedStop(*collective_, cut);
  if (cut) return cut == StopReason::kInterrupted ? cut : std::nullopt;
  const std::vector<Program> best = ScreenEnumerated(std::move(found), screen);
  if (best.empty()) return std::nullopt;
  const std::vector<FitResult> fits = Fit(best);
  // Offered to the front and the memory (the policy's training, when it is on), and seeds of
  // the first generation of evolution.
  const std::vector<double> rewards = Offered(best, fits, epoch);
  constexpr std::size_t kSeeds = 100;
  for (std::size_t i = 0; i < best.size() && seeds_.size() < kSeeds; ++i) {
    if (fits[i].finite) seeds_.emplace_back(rewards[i], best[i]);
  }
  return std::nullopt;
}

std::vector<Program> SearchEngine::ScreenEnumerated(Enumeration found, const Dataset& rows) {
  // All are scored on the screening rows, more than the enumeration's probe rows: those with
  // free constants fitted there (the kept ones start their fit on all rows from there), the
  // constant-free ones evaluated.
  BatchFitOptions options = SearchFitOptions(config_);
  options.cache_capacity = 0;
  options.fit.periodic_scan = true;
  std::vector<FitResult> fits = BatchFitter(library_, options).FitAll(found.programs, rows);
  const EnumerateOptions& limits = config_.enumerate;
  const auto keep = static_cast<std::size_t>(limits.keep);
  if (limits.rerank <= 0 || limits.rerank_rows <= 0) {
    return BestScored(std::move(found.programs), fits, keep);
  }
  std::vector<Program> best =
      BestScored(std::move(found.programs), fits, static_cast<std::size_t>(limits.rerank));
  // On the rerank rows, at the screening's constants (evaluated, not refitted): at 10 % noise
  // 64 rows rank I.10.7's 1/sqrt(1 - pi1^2) behind 1 400 others, 2 000 rows first.
  BatchFitOptions at = options;
  at.fit.periodic_scan = false;
  at.fit.restarts = 0;
  at.fit.solver.max_iterations = 0;
  fits =
      BatchFitter(library_, at).FitAll(best, SearchRows(train_, limits.rerank_rows, config_.seed));
  return BestScored(std::move(best), fits, keep);
}

std::vector<Program> SearchEngine::BestScored(std::vector<Program> programs,
                                              std::span<const FitResult> fits,
                                              std::size_t keep) const {
  std::vector<std::pair<double, std::size_t>> order;
  for (std::size_t i = 0; i < programs.size(); ++i) {
    if (!fits[i].finite || !std::isfinite(fits[i].nrmse)) continue;
    programs[i].constants = fits[i].constants;
    order.emplace_back(FrontLoss(fits[i].nrmse, exact_nrmse_), i);
  }
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return programs[a.second].tokens.size() < programs[b.second].tokens.size();
  });
  std::vector<Program> best;
  for (std::size_t k = 0; k < order.size() && k < keep; ++k) {
    best.push_back(std::move(programs[order[k].second]));
  }
  return best;
}

// Sample: a batch from the policy under the priors. The (never expected) dimensionally
// invalid programs are counted and dropped before they reach the fitter.
SearchEngine::Batch SearchEngine::Sample() {
  PhaseTimer timer(*this, &SearchProfile::sample_priors);
  const double policy_seconds = sampler_.policy_seconds();
  const SampleBatch& sample = sampler_.Sample(state_.policy, state_.rng, Deadline());
  AddToProfile(&SearchProfile::sample_policy, sampler_.policy_seconds() - policy_seconds);
  SearchCounters& counters = state_.counters;
  counters.sampled += sample.sampled;
  counters.dead_ends += sample.dead_ends;
  Batch batch;
  batch.sampled = sample.sampled;
  batch.programs.reserve(sample.programs.size());
  for (std::size_t i = 0; i < sample.programs.size(); ++i) {
    if (config_.priors.units &&
        !CheckUnits(sample.programs[i], library_, data_.target_dimension).ok) {
      ++counters.invalid;
      continue;
    }
    batch.programs.push_back(sample.programs[i]);
    batch.episode_of.push_back(sample.episode[i]);
  }
  return batch;
}

// Score: fit every program's constants on the training rows, reward it and offer it to the
// front and the memory.
void SearchEngine::Score(Batch& batch, int epoch) {
  batch.fits = Race(batch.programs);
  batch.rewards = Offered(batch.programs, batch.fits, epoch);
}

std::vector<double> SearchEngine::Consider(std::span<const Program> programs, int epoch) {
  const std::vector<FitResult> fits = Fit(programs);
  return Offered(programs, fits, epoch);
}

std::vector<double> SearchEngine::Offered(std::span<const Program> programs,
                                          std::span<const FitResult> fits, int epoch) {
  state_.counters.evaluations += static_cast<std::int64_t>(programs.size());
  std::vector<double> rewards(programs.size());
  for (std::size_t i = 0; i < programs.size(); ++i) {
    rewards[i] = Reward(fits[i]);
    Offer(programs[i], fits[i], epoch);
  }
  Remember(programs, fits, rewards);
  return rewards;
}

// Offers a scored program to the front, once per distinct program (its fit is deterministic).
// An exact formula is often found in a bloated form, so its simplest form is offered too.
void SearchEngine::Offer(const Program& program, const FitResult& fit, int epoch) {
  if (!fit.finite || fit.on_subset) return;
  if (fit.nrmse < state_.counters.best_nrmse && Stable(program, fit)) {
    state_.counters.best_nrmse = fit.nrmse;
  }
  // The set is bounded: past the cap it restarts, costing only repeated offers.
  if (offered_.size() >= (std::size_t{1} << 22)) offered_.clear();
  if (!offered_.insert(HashTokens(program.tokens)).second) return;
  FrontEntry entry;
  entry.program = program;
  entry.program.constants = fit.constants;
  entry.complexity = Complexity(program.tokens, library_);
  entry.loss = FrontLoss(fit.nrmse, exact_nrmse_);  // Finalise reports the real losses
  entry.epoch = static_cast<std::uint64_t>(epoch);
  const bool exact = fit.nrmse <= exact_nrmse_;
  if (!OfferToFronts(entry, [&] { return Stable(program, fit); })) return;
  if (!exact) return;
  if (class_ != nullptr) return;  // simplification fits one dataset; a class is refitted whole
  PhaseTimer simplify(*this, &SearchProfile::simplify);
  const Simplified simple = SimplifyProgram(entry.program, fit, library_, train_, simplify_);
  simplify.Stop();
  if (simple.changes == 0) return;
  offered_.insert(HashTokens(simple.program.tokens));
  entry.program = simple.program;
  entry.complexity = Complexity(simple.program.tokens, library_);
  entry.loss = FrontLoss(simple.fit.nrmse, exact_nrmse_);
  OfferToFronts(entry, [&] { return Stable(simple.program, simple.fit); });
}

// Offers `entry` to the search's front and, outside a class search, to the front that prices
// constants; `stable` (costly) is asked only when one of them would keep it. Whether the
// search's front took it (what the search goes on from; the other only adds to the choice).
bool SearchEngine::OfferToFronts(const FrontEntry& entry, const std::function<bool()>& stable) {
  const bool plain = state_.front.Accepts(entry);
  const bool priced = class_ == nullptr && state_.criterion_front.Accepts(entry);
  if ((!plain && !priced) || !stable()) return false;
  if (plain) state_.front.Offer(entry);
  if (priced) state_.criterion_front.Offer(entry);
  return plain;
}

void SearchEngine::Remember(std::span<const Program> programs, std::span<const FitResult> fits,
                            std::span<const double> rewards) {
  ProgramMemory& memory = state_.memory;
  if (memory.capacity() == 0) return;
  // The programs it would keep now, distinct, best first.
  std::vector<std::size_t> order;
  std::unordered_set<std::uint64_t> seen;
  for (std::size_t i = 0; i < programs.size(); ++i) {
    if (!fits[i].on_subset && memory.Accepts(programs[i].tokens, rewards[i]) &&
        seen.insert(HashTokens(programs[i].tokens)).second) {
      order.push_back(i);
    }
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return RanksBefore({programs[a].tokens, rewards[a]}, {programs[b].tokens, rewards[b]});
  });
  // Replayed in groups of the memory's size: most are kept, the rest were beaten by those
  // before them or do not replay.
  const auto group = static_cast<std::size_t>(memory.capacity());
  for (std::size_t next = 0; next < order.size();) {
    std::vector<std::size_t> take;
    std::vector<std::vector<TokenId>> tokens;
    for (; next < order.size() && take.size() < group; ++next) {
      const std::size_t i = order[next];
      if (!memory.Accepts(programs[i].tokens, rewards[i])) continue;
      take.push_back(i);
      tokens.push_back(programs[i].tokens);
    }
    const std::vector<std::uint8_t> replays = sampler_.Replay(tokens, replayed_);
    for (std::size_t k = 0; k < take.size(); ++k) {
      if (replays[k] && Stable(programs[take[k]], fits[take[k]])) {
        memory.Offer(tokens[k], rewards[take[k]]);
      }
    }
  }
}

bool SearchEngine::Stable(const Program& program, const FitResult& fit) {
  if (!config_.search_stability || class_ != nullptr) return true;
  const std::uint64_t key = HashTokens(program.tokens);
  if (const auto it = stable_.find(key); it != stable_.end()) return it->second;
  Program fitted;
  fitted.tokens = program.tokens;
  fitted.constants = fit.constants;
  // On fewer rows than the final pass: a rounding residue shows on any row it fits through.
  const bool stable = NumericallyStable(fitted, library_, train_, kSearchStabilityRows);
  // Bounded like offered_: past the cap it restarts, costing only repeated checks.
  if (stable_.size() >= (std::size_t{1} << 20)) stable_.clear();
  stable_.emplace(key, stable);
  return stable;
}

// Train: a risk-seeking policy-gradient step on the top ε of the batch and the remembered
// programs that beat its quantile. Returns the batch's elite, which breeds next.
std::vector<SearchEngine::Parent> SearchEngine::Train(const Batch& batch) {
  PhaseTimer timer(*this, &SearchProfile::train);
  std::vector<Parent> parents;
  if (batch.programs.empty()) return parents;
  const Elite elite = SelectTrainingElite(batch);
  for (const int row : elite.rows) {
    const auto i = static_cast<std::size_t>(row);
    if (batch.rewards[i] > 0.0 && !Stable(batch.programs[i], batch.fits[i])) continue;
    parents.emplace_back(batch.rewards[i], batch.programs[i]);
  }
  if (elite.signal) StepPolicy(batch, elite);
  return parents;
}

Elite SearchEngine::SelectTrainingElite(const Batch& batch) {
  std::vector<double> rewards = batch.rewards;
  Elite elite;
  for (bool changed = true; changed;) {
    elite = SelectElite(rewards, config_.training.risk_epsilon);
    changed = false;
    for (const int row : elite.rows) {
      const auto i = static_cast<std::size_t>(row);
      if (rewards[i] > 0.0 && !Stable(batch.programs[i], batch.fits[i])) {
        rewards[i] = 0.0;  // as if unscored; the next best take its place
        changed = true;
      }
    }
  }
  const std::vector<RememberedProgram>& memory = state_.memory.entries();
  if (memory.empty()) return elite;
  std::unordered_set<std::uint64_t> sampled;
  for (const Program& p : batch.programs) sampled.insert(HashTokens(p.tokens));
  std::vector<double> remembered;
  std::vector<std::uint8_t> in_batch;
  for (const RememberedProgram& e : memory) {
    remembered.push_back(e.reward);
    in_batch.push_back(sampled.contains(HashTokens(e.tokens)) ? 1 : 0);
  }
  AddRemembered(elite, remembered, in_batch);
  return elite;
}

void SearchEngine::StepPolicy(const Batch& batch, const Elite& elite) {
  std::vector<int> episodes;
  episodes.reserve(elite.rows.size());
  for (const int row : elite.rows)
    episodes.push_back(batch.episode_of[static_cast<std::size_t>(row)]);
  if (!elite.remembered.empty()) {
    std::vector<std::vector<TokenId>> programs;
    for (const int i : elite.remembered) {
      programs.push_back(state_.memory.entries()[static_cast<std::size_t>(i)].tokens);
    }
    const std::vector<std::uint8_t> replays = sampler_.Replay(programs, replayed_);
    PHYSR_CHECK(std::all_of(replays.begin(), replays.end(), [](std::uint8_t ok) { return ok; }),
                "a remembered program no longer replays");
  }
  EliteLossAndGradient(state_.policy.parameters(), sampler_.episodes(), episodes, replayed_, elite,
                       config_.training.loss, training_, &gradient_);
  state_.optimizer.Step(state_.policy.mutable_parameters(), gradient_);
}

// Breed: offspring of the elite and the front, scored and offered like sampled programs, for
// the configured generations. The random stream depends only on the seed and the epoch, so a
// resumed run breeds as an uninterrupted one.
void SearchEngine::Breed(std::vector<Parent> parents, int epoch) {
  const EvolutionOptions& options = config_.evolution;
  if (options.offspring <= 0) return;
  PhaseTimer timer(*this, &SearchProfile::breed);
  parents.insert(parents.end(), seeds_.begin(), seeds_.end());
  seeds_.clear();
  for (const FrontEntry& e : state_.front.entries()) {
    Program p;
    p.tokens = e.program.tokens;
    parents.emplace_back(RewardOf(e.loss, exact_nrmse_), std::move(p));
  }
  Rng rng(config_.seed, kEvolutionStream + static_cast<std::uint64_t>(epoch));
  // Every generation breeds from as many parents as the first: the best distinct ones.
  const std::size_t keep = KeepBestDistinct(parents);
  SearchCounters& counters = state_.counters;
  for (int generation = 0; generation < options.generations; ++generation) {
    if (Clock::now() >= Deadline()) break;  // the time limit: the epoch ends here
    std::vector<Program> pool;
    pool.reserve(parents.size());
    for (const Parent& parent : parents) pool.push_back(parent.second);
    std::vector<Program> children = breeder_.Breed(pool, options.offspring, rng);
    if (children.empty()) break;
    const std::vector<FitResult> fits = Race(children);
    counters.evaluations += static_cast<std::int64_t>(children.size());
    counters.bred += static_cast<std::int64_t>(children.size());
    // Offspring that could displace a parent breed only if stable.
    const double worst = parents.empty() ? 0.0 : parents.back().first;
    std::vector<double> rewards(children.size());
    for (std::size_t i = 0; i < children.size(); ++i) {
      Offer(children[i], fits[i], epoch);
      rewards[i] = Reward(fits[i]);
      if (rewards[i] > 0.0 && rewards[i] >= worst && !Stable(children[i], fits[i])) {
        rewards[i] = 0.0;
      }
    }
    Remember(children, fits, rewards);
    for (std::size_t i = 0; i < children.size(); ++i) {
      parents.emplace_back(rewards[i], std::move(children[i]));
    }
    KeepBestDistinct(parents, keep);
  }
}

// Report and stop: close the epoch's counters, record and report it, decide whether to stop,
// restart the policy when the search stalled, and checkpoint when due.
std::optional<StopReason> SearchEngine::ReportAndStop(const Batch& batch, int epoch) {
  SearchCounters& counters = state_.counters;
  counters.epochs = epoch;
  counters.seconds = Seconds();
  if (counters.first_exact_epoch == 0 && counters.best_nrmse <= exact_nrmse_) {
    counters.first_exact_epoch = epoch;
    counters.first_exact_seconds = counters.seconds;
  }
  state_.history.push_back(MakeReport(batch, epoch));
  const std::optional<StopReason> stop =
      AgreedStop(*collective_, StopCriterion(state_.history.back()));
  RestartIfStalled(epoch);  // also before a stop: a run resumed past the limit goes on from it
  checkpointer_.AfterEpoch(state_, stop.has_value());
  return stop;
}

// Before the checkpoint of the epoch, so that a resumed run goes on from the restarted policy.
void SearchEngine::RestartIfStalled(int epoch) {
  const std::vector<int> restarts =
      RestartEpochs(state_.history, config_.training.restart_after, exact_nrmse_);
  if (restarts.empty() || restarts.back() != epoch) return;
  state_.policy = MakePolicy(config_, encoder_, library_, static_cast<int>(restarts.size()));
  state_.optimizer = MakeOptimizer(config_, state_.policy);
  state_.memory = ProgramMemory(config_.training.memory);
}

EpochReport SearchEngine::MakeReport(const Batch& batch, int epoch) const {
  const SearchCounters& counters = state_.counters;
  EpochReport report;
  report.epoch = epoch;
  report.evaluations = counters.evaluations;
  report.seconds = counters.seconds;
  report.candidates_per_second =
      counters.seconds > 0.0 ? static_cast<double>(counters.evaluations) / counters.seconds : 0.0;
  report.valid_share = batch.sampled > 0 ? static_cast<double>(batch.programs.size()) /
                                               static_cast<double>(batch.sampled)
                                         : 0.0;
  report.best_nrmse = counters.best_nrmse;
  report.best_reward = std::isfinite(counters.best_nrmse) ? 1.0 / (1.0 + counters.best_nrmse) : 0.0;
  if (const FrontEntry* best = state_.front.MostAccurate()) {
    PrintOptions values;
    values.substitute_constants = true;
    report.best_infix = ToInfix(best->program, library_, values);
  }
  return report;
}

// The first criterion met, in this order: the caller's on_epoch, a perfect fit past its
// patience (StoppingOptions::PatienceAfter the epoch of the first exact formula), the stop
// flag, then the epoch, evaluation and time limits.
bool SearchEngine::StopRequested() const {
  return callbacks_.stop_requested != nullptr && callbacks_.stop_requested->load();
}

std::optional<StopReason> SearchEngine::StopCriterion(const EpochReport& report) const {
  const SearchCounters& counters = state_.counters;
  const StoppingOptions& limits = config_.stopping;
  const int epoch = report.epoch;
  if (callbacks_.on_epoch && !callbacks_.on_epoch(report)) return StopReason::kInterrupted;
  if (counters.best_nrmse <= exact_nrmse_ &&
      epoch >= counters.first_exact_epoch + limits.PatienceAfter(counters.first_exact_epoch)) {
    return StopReason::kPerfectFit;
  }
  if (StopRequested()) return StopReason::kInterrupted;
  if (limits.max_epochs > 0 && epoch >= limits.max_epochs) return StopReason::kEpochs;
  if (limits.max_evaluations > 0 && counters.evaluations >= limits.max_evaluations) {
    return StopReason::kEvaluations;
  }
  if (limits.time_limit_seconds > 0.0 && report.seconds >= limits.time_limit_seconds) {
    return StopReason::kTimeLimit;
  }
  return std::nullopt;
}

// Finalise: refit the front on every row (the search may have used a subset) with
// uncertainties and simplify it, then select the model on the refitted losses.
SearchResult SearchEngine::Finalise(StopReason reason) {
  PhaseTimer finalise(*this, &SearchProfile::finalise);
  SearchResult result;
  // The final simplification may write a constant as an exact number (1/2, 2*pi), a token
  // the search's library lacks; the result's library keeps those its formulas use.
  Library library = library_;
  AddExactNumbers(library);
  if (class_ != nullptr) FinaliseClass(library, result);  // RefitFront then finds no entries
  auto refitted = RefitFront(library);
  ParetoFront& front = refitted.first;
  // Formulas as a physicist writes them (m*c^2/sqrt(1 - v^2/c^2)), merged constants refitted.
  if (config_.canonical) {
    const NoiseSimplification noise{FinalSimplifyOptions(), &train_};
    CanonicalizeFront(front, refitted.second, library, data_, FinalFitOptions(simplify_.fit),
                      exact_nrmse_, &noise);
  }
  // One entry per model: forms that differ only by rounding (c^2*m, m*c*c) are reported once.
  front.KeepDistinctModels(library, data_);
  const std::vector<std::pair<Program, FitResult>>& fits = refitted.second;
  const auto fit_of = [&fits](const FrontEntry& e) -> const FitResult& {
    for (const auto& [program, fit] : fits) {
      if (program == e.program) return fit;
    }
    PHYSR_CHECK(false, "front entry without its refit");
  };
  for (const FrontEntry& e : front.entries()) {
    result.pareto.push_back(MakeFormula(e.program, library, fit_of(e)));
  }
  if (const FrontEntry* best = front.Best(exact_nrmse_, EffectiveRows(data_), library)) {
    result.best = MakeFormula(best->program, library, fit_of(*best));
  }
  result.library = KeepUsedTokens(library_, library, result);
  const SearchCounters& counters = state_.counters;
  result.epochs = counters.epochs;
  result.evaluations = counters.evaluations;
  result.sampled = counters.sampled;
  result.dead_ends = counters.dead_ends;
  result.invalid = counters.invalid;
  result.bred = counters.bred;
  result.first_exact_epoch = counters.first_exact_epoch;
  result.first_exact_seconds = counters.first_exact_seconds;
  finalise.Stop();
  result.seconds = Seconds();
  result.profile = profile_;
  result.profile.seconds = result.seconds - seconds_before_;
  result.profile.other = std::max(0.0, result.profile.seconds - profiled_);
  result.stop_reason = reason;
  result.seed = config_.seed;
  result.ranks = collective_->size();
  result.exact_nrmse = exact_nrmse_;
  result.history = state_.history;
  return result;
}

// Here, unlike during the search, simplification also weighs a change against the noise.
SimplifyOptions SearchEngine::FinalSimplifyOptions() const {
  SimplifyOptions options = simplify_;
  options.rows = EffectiveRows(train_);
  return options;
}

std::pair<ParetoFront, std::vector<std::pair<Program, FitResult>>> SearchEngine::RefitFront(
    const Library& library) const {
  if (class_ != nullptr) return {};  // FinaliseClass refitted the front over the class
  const FitOptions final_options = FinalFitOptions(simplify_.fit);
  const NoiseSimplification noise{FinalSimplifyOptions(), &train_};
  ParetoFront final_front(library, EffectiveRows(data_));
  std::vector<std::pair<Program, FitResult>> refits;
  // The search's front and the formulas only the one that prices constants kept.
  std::vector<const FrontEntry*> entries;
  for (const FrontEntry& e : state_.front.entries()) entries.push_back(&e);
  for (const FrontEntry& e : state_.criterion_front.entries()) {
    const auto same = [&](const FrontEntry* f) { return f->program.tokens == e.program.tokens; };
    if (std::none_of(entries.begin(), entries.end(), same)) entries.push_back(&e);
  }
  for (const FrontEntry* kept : entries) {
    const FrontEntry& e = *kept;
    FitResult fit = FitConstants(e.program, library, data_, final_options);
    if (!fit.finite) continue;
    FrontEntry entry = e;
    entry.program.constants = fit.constants;
    // A formula whose fit rests on floating-point rounding is not reported.
    if (!NumericallyStable(entry.program, library, data_)) continue;
    entry.loss = FrontLoss(fit.nrmse, exact_nrmse_);
    // Its simplest form that loses nothing the data can tell (judged on the search rows, kept
    // only if the full data agrees), refitted with uncertainties. It joins the front beside
    // the original, or in its place when it is as long (only constants became numbers).
    bool replaced = false;
    if (auto simple =
            SimplifyAgainstNoise(entry.program, fit, library, data_, final_options, noise)) {
      FrontEntry simpler = entry;
      simpler.program = std::move(simple->first);
      simpler.complexity = Complexity(simpler.program.tokens, library);
      simpler.loss = FrontLoss(simple->second.nrmse, exact_nrmse_);
      replaced = simpler.complexity >= entry.complexity;
      final_front.Offer(simpler);
      refits.emplace_back(simpler.program, std::move(simple->second));
    }
    if (!replaced) {
      final_front.Offer(entry);
      refits.emplace_back(entry.program, std::move(fit));
    }
  }
  return {std::move(final_front), std::move(refits)};
}

}  // namespace physr
