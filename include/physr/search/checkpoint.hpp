// Checkpoint and resume of a search: its SearchState (policy weights, optimiser moments, the
// sampling random stream, the Pareto front, the counters and the per-epoch history) saved to
// one file in a directory, atomically, and read back so that a resumed run reaches the same
// result as an uninterrupted one with the same seed. Not here: when the search stops or what
// it does per epoch (engine.hpp), nor signal handling (cli/).
#pragma once

#include <cstdint>
#include <string>

#include "physr/core/files.hpp"
#include "physr/search/state.hpp"

namespace physr {

// The schedule the command line uses when it is given a directory and no schedule.
inline constexpr double kDefaultCheckpointSeconds = 60.0;

// With `dir` set, the search saves its state there every `every_epochs` epochs and/or every
// `every_seconds` seconds (0 = not on that schedule), and always when it stops. With
// `resume_dir` set, it continues the search saved there (same data, library, seed and shaping
// options, else InputError); epoch and time limits count the epochs and seconds already run.
struct CheckpointOptions {
  std::string dir;
  int every_epochs = 0;
  double every_seconds = 0.0;
  std::string resume_dir;

  // What `physr fit` and physr.fit do with what the user gave: a resumed run keeps saving in
  // the directory it resumed from unless `dir` names another, and a directory without a
  // schedule is saved every kDefaultCheckpointSeconds.
  void ApplyDefaultSchedule();
};

// Writes and reads the checkpoint file `<dir>/search.ckpt` of one search, and decides when a
// write is due. Single-threaded; owned by the search engine.
class Checkpointer {
 public:
  // `fingerprint` identifies the run (SearchFingerprint). Creates options.dir if needed and
  // locks it for the Checkpointer's lifetime (throws InputError if it cannot, or when
  // another run holds the lock).
  Checkpointer(const CheckpointOptions& options, std::uint64_t fingerprint);

  // With options.resume_dir set: loads `<resume_dir>/search.ckpt` into `state` and returns
  // true; otherwise returns false and leaves `state` alone. `state` must have been built with
  // the run's policy shape (the saved weights replace its own). Throws InputError if the file
  // is missing, truncated, foreign, or was written for a different run (other data, library,
  // seed or shaping options).
  bool Resume(SearchState& state);

  // Called after each epoch with state.counters up to date: writes a checkpoint when one is
  // due (every every_epochs epochs, after every_seconds since the last write, or when
  // `stopping`). No-op without options.dir. Throws InputError if the file cannot be written.
  // Cost: the policy and optimiser size (≈ 3 × parameters × 4 bytes) plus the front.
  void AfterEpoch(const SearchState& state, bool stopping);

  // Writes the checkpoint now, atomically (WriteFileAtomically), so a kill at any moment
  // leaves the previous or the new file. The file ends with a checksum of its bytes.
  static void Save(const std::string& dir, std::uint64_t fingerprint, const SearchState& state);

 private:
  CheckpointOptions options_;
  std::uint64_t fingerprint_;
  DirectoryLock lock_;  // held on options.dir while the search runs
  double last_write_seconds_ = 0.0;
};

}  // namespace physr
