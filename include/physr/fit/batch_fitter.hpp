// Fitting the constants of a whole batch of programs: in parallel with oneTBB, each distinct
// program (token sequence + start values) fitted once per batch, and results kept across
// batches in an LRU cache keyed by program and data. Not for single fits (constant_fitter.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "physr/core/collective.hpp"
#include "physr/data/dataset.hpp"
#include "physr/fit/constant_fitter.hpp"

namespace physr {

struct BatchFitOptions {
  // Per-program options; options.seed is mixed with each program's HashTokens (FitSeed), so a
  // program's restarts do not depend on its position in the batch.
  FitOptions fit;
  std::size_t cache_capacity = std::size_t{1} << 17;  // entries; 0 disables the cache
};

struct BatchFitStats {
  std::size_t programs = 0;    // programs in the last batch
  std::size_t fitted = 0;      // fits actually run
  std::size_t duplicates = 0;  // served by an identical program earlier in the same batch
  std::size_t cache_hits = 0;  // served by the cache (from an earlier batch)
};

// Determinism: every program's fit is independent of the others and of the thread that runs
// it, so results are bit-identical whatever the thread count (tbb::global_control).
// Thread safety: a BatchFitter is used by one thread at a time; FitAll itself runs the fits
// in parallel. The cache is read and written only outside the parallel region (look-ups
// before it, inserts after it in batch order), so its contents and eviction order are
// deterministic too.
// Across processes (ShareWith): every process calls FitAll with the same programs; each fits
// its share of the distinct programs the cache does not hold, the shares balanced by each
// fit's estimated cost (program length, free constants, starts and iterations; BalancedShares),
// and the results are exchanged, so every process returns the same results and keeps the same
// cache.
class BatchFitter {
 public:
  // library: borrowed, must outlive the fitter and not change.
  explicit BatchFitter(const Library& library, BatchFitOptions options = {});
  ~BatchFitter();
  BatchFitter(BatchFitter&&) noexcept;
  BatchFitter& operator=(BatchFitter&&) noexcept;

  // results[i] is the fit of programs[i] (complete programs over the library; their constants
  // are the start values, the library defaults when empty). X, y, weights as FitConstants.
  // The cache key includes a fingerprint (64-bit hash) of X, y and weights, so calls with
  // different data do not share entries. Cost: the fits (parallel) plus O(data size) hashing
  // and O(batch · length) bookkeeping.
  std::vector<FitResult> FitAll(std::span<const Program> programs, const ConstMatrixRef& X,
                                std::span<const double> y, std::span<const double> weights);
  // The same, on a dataset's columns, target and weights.
  std::vector<FitResult> FitAll(std::span<const Program> programs, const Dataset& data);

  // From now on, FitAll shares its fits among `collective`'s processes (borrowed; must
  // outlive the fitter; null: this process fits everything).
  void ShareWith(Collective* collective) { collective_ = collective; }

  // stats.fitted counts the fits this process ran.
  const BatchFitStats& last_stats() const { return stats_; }
  std::size_t cache_size() const;
  void ClearCache();

 private:
  class Cache;
  const Library* library_;
  BatchFitOptions options_;
  std::unique_ptr<Cache> cache_;
  BatchFitStats stats_;
  Collective* collective_ = nullptr;
};

}  // namespace physr
