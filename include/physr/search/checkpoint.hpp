// Checkpoint and resume of a search: the state that carries from one epoch to
// the next (policy weights, optimizer moments, the sampling RNG, counters, the
// Pareto front) saved to one file in a directory, atomically, and read back so
// that a resumed run reaches the same result as an uninterrupted one with the
// same seed. Not here: when the search stops or what it does per epoch
// (search.cpp), nor signal handling (cli/).
#pragma once

#include <cstdint>
#include <string>

#include "physr/core/rng.hpp"
#include "physr/data/dataset.hpp"
#include "physr/expr/library.hpp"
#include "physr/policy/adam.hpp"
#include "physr/policy/lstm_policy.hpp"
#include "physr/search/pareto_front.hpp"
#include "physr/search/search.hpp"

namespace physr {

// The live state of a running search, borrowed for the length of one Save or
// Restore call. Every pointer must be non-null.
struct SearchStateRefs {
  LstmPolicy* policy;
  AdamOptimizer* optimizer;
  Rng* rng;  // the sampling stream
  ParetoFront* front;
  // Counters: epochs (completed), evaluations, sampled, dead_ends, invalid, bred.
  SearchResult* result;
  double* best_nrmse;        // best training NRMSE seen (+inf before any)
  int* first_perfect_epoch;  // 0 until an exact formula is found
};

// A fingerprint of everything that decides a search's course: the data (names,
// units, every value bit), the token library, the seed and the options that
// shape sampling, training and fitting. Stopping limits (epochs, time,
// evaluations) and the thread count are left out, so a resumed run may extend
// the limits. Cost: one pass over the data.
std::uint64_t SearchFingerprint(const Dataset& data, const Library& library,
                                const SearchConfig& config);

// Writes and reads the checkpoint file `<dir>/search.ckpt` for one search, and
// decides when a write is due. Single-threaded; owned by RunSearch.
class Checkpointer {
 public:
  // Uses config.checkpoint_dir / checkpoint_every / checkpoint_seconds /
  // resume_dir. `fingerprint` is SearchFingerprint of the run. Creates
  // checkpoint_dir if needed (throws InputError if it cannot).
  Checkpointer(const SearchConfig& config, std::uint64_t fingerprint);

  // With config.resume_dir set: loads `<resume_dir>/search.ckpt` into `state`
  // and returns the number of epochs it had completed; otherwise returns 0 and
  // leaves `state` alone. Throws InputError if the file is missing, truncated,
  // foreign, or was written for a different run (other data, library, seed or
  // shaping options).
  int Resume(const SearchStateRefs& state);
  // Seconds the resumed run had already spent (0 without resume).
  double seconds_before() const { return seconds_before_; }

  // Called after each epoch: writes a checkpoint when one is due (every
  // checkpoint_every epochs, after checkpoint_seconds since the last write, or
  // when `stopping`). `seconds` is the run's total time so far. No-op without
  // checkpoint_dir. Throws InputError if the file cannot be written. Cost: the
  // policy and optimizer size (≈ 3 × parameters × 4 bytes).
  void AfterEpoch(int epoch, double seconds, bool stopping, const SearchStateRefs& state);

  // Writes the checkpoint now: to a temporary file in the directory, flushed,
  // then renamed over `<dir>/search.ckpt`, so a kill at any moment leaves the
  // previous or the new file.
  static void Save(const std::string& dir, std::uint64_t fingerprint, double seconds,
                   const SearchStateRefs& state);

 private:
  std::string dir_;
  std::string resume_dir_;
  int every_epochs_;
  double every_seconds_;
  std::uint64_t fingerprint_;
  double seconds_before_ = 0.0;
  double last_write_seconds_ = 0.0;
};

}  // namespace physr
