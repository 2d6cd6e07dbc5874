// The search engine: one object that owns a search's state (state.hpp) and the parts built
// for it from the options (token library, dimension lattice, priors, sampler, breeder,
// constant fitter with its cache, checkpointer), and runs the search as named phases. Each
// epoch: Sample a batch from the policy under the priors, Score it (fit constants, offer to
// the Pareto front), Train the policy on the batch's elite, Breed offspring from the elite and
// the front and score them, then Report the epoch and decide whether to stop (checkpointing
// when due). After the last epoch, Finalise refits the front on all rows, simplifies it and
// selects the model. RunSearch (search.hpp) is the one-call entry point.
// Not here: reading files or printing (cli/, python/).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "physr/data/dataset.hpp"
#include "physr/fit/batch_fitter.hpp"
#include "physr/policy/training.hpp"
#include "physr/priors/dimension_lattice.hpp"
#include "physr/priors/observation.hpp"
#include "physr/priors/prior.hpp"
#include "physr/search/checkpoint.hpp"
#include "physr/search/config.hpp"
#include "physr/search/evolution.hpp"
#include "physr/search/sampler.hpp"
#include "physr/search/search.hpp"
#include "physr/search/simplify.hpp"
#include "physr/search/state.hpp"

namespace physr {

struct ClassScoring;  // src/search/class_scoring.hpp

class SearchEngine {
 public:
  // Validates the options and the data, builds the parts and the initial state, and resumes
  // from config.checkpoint.resume_dir when it is set. `data` is borrowed and must outlive the
  // engine. Throws InputError as RunSearch documents. The thread limit (config.threads) holds
  // for the engine's lifetime.
  SearchEngine(const Dataset& data, const SearchConfig& config, SearchCallbacks callbacks = {});
  // A search over a class (RunClassSearch, class_search.hpp): `data` pools every dataset's
  // rows (units, exact threshold, selection); `class_scoring`, borrowed, scores and refits
  // each candidate over the datasets instead, and receives the final front's class fits.
  SearchEngine(const Dataset& data, const SearchConfig& config, SearchCallbacks callbacks,
               ClassScoring* class_scoring);
  SearchEngine(const SearchEngine&) = delete;
  SearchEngine& operator=(const SearchEngine&) = delete;

  // Runs epochs until a stopping criterion is met, then finalises. Call once.
  SearchResult Run();

  // Scores programs found outside the policy and the breeder (enumerated, say) as the epoch
  // `epoch` does its own: fits their constants on the search rows, counts them in
  // evaluations, offers them to the front and to the memory (Remember). Returns their
  // rewards. Programs must be complete and pass CheckUnits against the target. Deterministic.
  std::vector<double> Consider(std::span<const Program> programs, int epoch);

  const SearchState& state() const { return state_; }
  const Library& library() const { return library_; }
  double exact_nrmse() const { return exact_nrmse_; }

 private:
  // One epoch's programs that passed the unit check, with their fits and rewards.
  struct Batch {
    std::vector<Program> programs;
    std::vector<int> episode_of;  // programs[i] is episode episode_of[i] of the sampler's
    std::vector<FitResult> fits;
    std::vector<double> rewards;
    std::int64_t sampled = 0;  // rows the sampler started, resampled ones included
  };
  // A program that may breed, with its reward.
  using Parent = std::pair<double, Program>;
  // Adds the wall seconds of its scope to one phase of profile_ (engine.cpp).
  class PhaseTimer;

  // Enumerate (enumerate.hpp), once, before epoch 2 when epoch 1 found no exact formula:
  // the short programs, screened on a few rows; the best scored on the search rows, offered
  // to the front and the memory (as of `epoch`), and kept in seeds_. Returns kInterrupted
  // when an interrupt cut it short on any rank (nothing of it kept), else nullopt.
  std::optional<StopReason> Enumerate(int epoch);
  // The `keep` best enumerated programs: scored on the screening rows `rows` (those with free
  // constants fitted there), the `rerank` best of them scored again at those constants on
  // the rerank rows (EnumerateOptions), exact ones shortest first.
  std::vector<Program> ScreenEnumerated(Enumeration found, const Dataset& rows);
  // The `keep` programs with the lowest losses of their `fits` (exact ones tied, shortest
  // first), each with its fitted constants; those without a finite fit are dropped.
  std::vector<Program> BestScored(std::vector<Program> programs, std::span<const FitResult> fits,
                                  std::size_t keep) const;
  Batch Sample();
  void Score(Batch& batch, int epoch);
  std::vector<Parent> Train(const Batch& batch);
  void Breed(std::vector<Parent> parents, int epoch);
  std::optional<StopReason> ReportAndStop(const Batch& batch, int epoch);
  // Restarts the policy (a new initialisation, its optimiser and the memory reset) when
  // RestartEpochs puts a restart after `epoch`.
  void RestartIfStalled(int epoch);
  SearchResult Finalise(StopReason reason);

  double Seconds() const;
  // When the time limit runs out (time_point::max() without one): sampling cuts its batch
  // there and breeding starts no further generation.
  std::chrono::steady_clock::time_point Deadline() const;
  double Reward(const FitResult& fit) const;
  // fitter_.FitAll on the training rows, timed and counted in the profile.
  std::vector<FitResult> Fit(std::span<const Program> programs);
  // Racing (RowSamplingOptions): every program fitted on the race rows, those Advancing
  // refitted on the training rows from the race's constants; the others' fits are the race's,
  // marked on_subset. Fit itself when racing is off or does not apply.
  std::vector<FitResult> Race(std::span<const Program> programs);
  // Of programs fitted on the race rows: those that could be among the best race_advance
  // share of them, or enter the front as the race rows see it, in increasing order.
  std::vector<std::size_t> Advancing(std::span<const Program> programs,
                                     std::span<const FitResult> fits) const;
  // The front with each entry's loss on the race rows (its constants as fitted on all search
  // rows): what a candidate's race loss is compared with.
  ParetoFront FrontOnRaceRows() const;
  bool OfferToFronts(const FrontEntry& entry, const std::function<bool()>& stable);
  // Over a class (class_search.cpp): the batch's class fits, each as a FitResult whose nrmse is
  // the class loss; and the final front refitted over the class into `result`.
  std::vector<FitResult> FitClass(std::span<const Program> programs);
  void FinaliseClass(const Library& library, SearchResult& result) const;
  void AddToProfile(double SearchProfile::*phase, double seconds);
  void Offer(const Program& program, const FitResult& fit, int epoch);
  // Counts scored programs in evaluations, offers them to the front (Offer) and the memory
  // (Remember); returns their rewards.
  std::vector<double> Offered(std::span<const Program> programs, std::span<const FitResult> fits,
                              int epoch);
  // Offers scored programs to the memory (state_.memory). One it would keep joins when its
  // episode replays under the priors (Sampler::Replay; offspring and programs found another
  // way may break a prior the sampler obeys) and it passes Stable. The content depends only on
  // what was offered. The entry point for programs found outside the policy.
  void Remember(std::span<const Program> programs, std::span<const FitResult> fits,
                std::span<const double> rewards);
  // Whether a scored program (its constants those of `fit`) is numerically stable on the
  // search rows (NumericallyStable); true when SearchConfig::search_stability is off or the
  // search is over a class. Cached by token sequence (the fit is deterministic).
  bool Stable(const Program& program, const FitResult& fit);
  // The batch's elite for the policy step, with the memory's programs that join it
  // (AddRemembered); unstable elite programs (Stable) are replaced by the next best ones.
  Elite SelectTrainingElite(const Batch& batch);
  // The policy step on `elite`: the batch's episodes, then the remembered ones replayed.
  void StepPolicy(const Batch& batch, const Elite& elite);
  EpochReport MakeReport(const Batch& batch, int epoch) const;
  std::optional<StopReason> StopCriterion(const EpochReport& report) const;
  // Whether the caller's stop flag (SearchCallbacks::stop_requested) is set.
  bool StopRequested() const;
  // The final front, its constants priced over all rows: every entry of both fronts (the
  // search's and the priced one) refitted on all rows (with uncertainties) and simplified,
  // with each entry's fit. `library` is the search's with the exact numbers added
  // (AddExactNumbers), which the simplified entries may use.
  std::pair<ParetoFront, std::vector<std::pair<Program, FitResult>>> RefitFront(
      const Library& library) const;
  // The simplification of the final pass: simplify_ weighing each change against the noise of
  // the search rows (SimplifyOptions::rows).
  SimplifyOptions FinalSimplifyOptions() const;

  const Dataset& data_;
  const SearchConfig config_;
  const SearchCallbacks callbacks_;
  SingleProcess alone_;                 // the collective when the callbacks name none
  Collective* collective_;              // the processes running this search (across_processes.hpp)
  std::shared_ptr<void> thread_limit_;  // a tbb::global_control
  std::chrono::steady_clock::time_point start_;
  Library library_;
  double exact_nrmse_;
  Dataset train_;  // the rows the search fits on (SearchRows)
  DimensionLattice lattice_;
  PriorSet priors_;
  ObservationEncoder encoder_;
  Sampler sampler_;
  Breeder breeder_;
  BatchFitter fitter_;       // with the fit cache, rebuilt at every start
  Dataset race_;             // the race rows, a seeded subset of train_; empty without racing
  BatchFitter race_fitter_;  // fits on race_, with its own cache
  SimplifyOptions simplify_;
  Checkpointer checkpointer_;
  SearchState state_;
  double seconds_before_ = 0.0;  // of the run this one resumed
  std::vector<Parent> seeds_;    // enumerated programs, parents of the first epoch's evolution
  std::unordered_set<std::uint64_t> offered_;       // token hashes already offered to the front
  std::unordered_map<std::uint64_t, bool> stable_;  // Stable's verdicts by token hash
  EpisodeBuffer replayed_;  // remembered programs' episodes (Sampler::Replay)
  EpisodeBuffer training_;  // the elite's and the remembered episodes of one policy step
  LstmParameters<float> gradient_;
  SearchProfile profile_;          // this process's part of the run, phases only (no `other` yet)
  double profiled_ = 0.0;          // the seconds recorded in profile_'s phases
  ClassScoring* class_ = nullptr;  // set for a search over a class
};

}  // namespace physr
