#include "physr/fit/batch_fitter.hpp"

#include <algorithm>
#include <cstring>
#include <list>
#include <numeric>
#include <sstream>
#include <unordered_map>
#include <utility>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include "core/sanitizers.hpp"
#include "physr/core/binary_io.hpp"
#include "physr/core/error.hpp"
#include "physr/core/hash.hpp"
#include "physr/fit/metrics.hpp"

namespace physr {
namespace {

// A fit is determined by the token sequence, the start values and the data.
struct FitKey {
  std::vector<TokenId> tokens;
  std::vector<double> start;
  std::uint64_t data_fingerprint = 0;
  std::uint64_t hash = 0;

  friend bool operator==(const FitKey& a, const FitKey& b) {
    // Start values compare bitwise, so NaN starts match themselves.
    return a.hash == b.hash && a.data_fingerprint == b.data_fingerprint && a.tokens == b.tokens &&
           a.start.size() == b.start.size() &&
           (a.start.empty() ||
            std::memcmp(a.start.data(), b.start.data(), a.start.size() * sizeof(double)) == 0);
  }
};

struct FitKeyHash {
  std::size_t operator()(const FitKey& key) const { return static_cast<std::size_t>(key.hash); }
};

std::uint64_t DataFingerprint(const ConstMatrixRef& X, std::span<const double> y,
                              std::span<const double> weights) {
  std::uint64_t h = Mix(Mix(0x243f6a8885a308d3ULL, static_cast<std::uint64_t>(X.rows())),
                        static_cast<std::uint64_t>(X.cols()));
  for (Eigen::Index j = 0; j < X.cols(); ++j) {
    h = MixDoubles(h, std::span<const double>(X.col(j).data(), static_cast<std::size_t>(X.rows())));
  }
  h = MixDoubles(h, y);
  h = Mix(h, weights.size());
  return MixDoubles(h, weights);
}

template <typename T>
void PutVector(BinaryWriter& out, const std::vector<T>& values) {
  out.Put(static_cast<std::uint64_t>(values.size()));
  for (const T& v : values) out.Put(v);
}

template <typename T>
std::vector<T> GetVector(BinaryReader& in) {
  std::vector<T> values(in.Count(sizeof(T)));
  for (T& v : values) v = in.Get<T>();
  return values;
}

// Every field of each result, so that a result received from another process is the one this
// process would have computed, bit for bit.
std::string Serialise(std::span<const FitResult> all, std::span<const std::size_t> items) {
  std::ostringstream bytes;
  BinaryWriter out(bytes);
  for (const std::size_t item : items) {
    const FitResult& r = all[item];
    PutVector(out, r.constants);
    PutVector(out, r.standard_errors);
    PutVector(out, r.free_slots);
    out.Matrix(r.correlation);
    out.Put(r.covariance_singular);
    out.Put(r.status);
    out.Put(r.converged);
    for (const int v : {r.starts, r.iterations, r.residual_evaluations, r.jacobian_evaluations}) {
      out.Put(v);
    }
    out.Put(r.finite);
    for (const double v : {r.cost, r.rmse, r.nrmse, r.r2}) out.Put(v);
  }
  return std::move(bytes).str();
}

void Deserialise(const std::string& bytes, std::span<FitResult> all,
                 std::span<const std::size_t> items) {
  BinaryReader in(bytes, "fit results from another process");
  for (const std::size_t item : items) {
    FitResult& r = all[item];
    r.constants = GetVector<double>(in);
    r.standard_errors = GetVector<double>(in);
    r.free_slots = GetVector<int>(in);
    const auto rows = in.Get<std::int64_t>();
    const auto cols = in.Get<std::int64_t>();
    PHYSR_CHECK(rows >= 0 && cols >= 0 && rows < 1024 && cols < 1024, "bad correlation shape");
    r.correlation.resize(rows, cols);
    in.Read(r.correlation.data(), sizeof(double) * static_cast<std::size_t>(rows * cols));
    r.covariance_singular = in.Get<bool>();
    r.status = in.Get<LevenbergMarquardtStatus>();
    r.converged = in.Get<bool>();
    for (int* v : {&r.starts, &r.iterations, &r.residual_evaluations, &r.jacobian_evaluations}) {
      *v = in.Get<int>();
    }
    r.finite = in.Get<bool>();
    for (double* v : {&r.cost, &r.rmse, &r.nrmse, &r.r2}) *v = in.Get<double>();
  }
}

// The estimated cost of one fit, in node evaluations per data row (FitConstants): one
// evaluation without free constants; otherwise, per start, up to max_iterations evaluations
// with the Jacobian, (1 + k) node evaluations each. Only the split of the fits among
// processes uses it, so it need only rank the fits roughly: LM often stops early, and restarts
// stop once a start fits exactly.
std::uint64_t FitCost(const CompiledProgram& program, const FitOptions& options) {
  const auto size = static_cast<std::uint64_t>(program.size());
  if (program.num_free() == 0) return size;
  const auto k = static_cast<std::uint64_t>(program.num_free());
  const auto starts = 1 + static_cast<std::uint64_t>(std::max(options.restarts, 0));
  const auto iterations = static_cast<std::uint64_t>(std::max(options.solver.max_iterations, 1));
  return size * (1 + k) * starts * iterations;
}

// Each process's share of the distinct fits (unique_program[u] the program of fit u):
// balanced by estimated cost, the same on every process.
std::vector<std::vector<std::size_t>> SharesOf(std::span<const Program> programs,
                                               std::span<const std::size_t> unique_program,
                                               const Library& library, const FitOptions& options,
                                               int size) {
  std::vector<std::uint64_t> costs(unique_program.size());
  for (std::size_t u = 0; u < unique_program.size(); ++u) {
    costs[u] = FitCost(Compile(programs[unique_program[u]], library), options);
  }
  return BalancedShares(costs, size);
}

}  // namespace

// Least-recently-used map from FitKey to FitResult with a cap on the number of entries.
class BatchFitter::Cache {
 public:
  explicit Cache(std::size_t capacity) : capacity_(capacity) {}

  // The cached result (and marks it most recently used), or null.
  const FitResult* Find(const FitKey& key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return &it->second->second;
  }

  void Insert(FitKey key, FitResult result) {
    if (capacity_ == 0) return;
    if (const auto it = index_.find(key); it != index_.end()) {
      it->second->second = std::move(result);
      entries_.splice(entries_.begin(), entries_, it->second);
      return;
    }
    entries_.emplace_front(std::move(key), std::move(result));
    index_.emplace(entries_.front().first, entries_.begin());
    while (entries_.size() > capacity_) {
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
  }

  std::size_t size() const { return entries_.size(); }
  void Clear() {
    index_.clear();
    entries_.clear();
  }

 private:
  using Entry = std::pair<FitKey, FitResult>;
  std::size_t capacity_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<FitKey, std::list<Entry>::iterator, FitKeyHash> index_;
};

BatchFitter::BatchFitter(const Library& library, BatchFitOptions options)
    : library_(&library),
      options_(options),
      cache_(std::make_unique<Cache>(options_.cache_capacity)) {}
BatchFitter::~BatchFitter() = default;
BatchFitter::BatchFitter(BatchFitter&&) noexcept = default;
BatchFitter& BatchFitter::operator=(BatchFitter&&) noexcept = default;

std::size_t BatchFitter::cache_size() const { return cache_->size(); }
void BatchFitter::ClearCache() { cache_->Clear(); }

std::vector<FitResult> BatchFitter::FitAll(std::span<const Program> programs, const Dataset& data) {
  return FitAll(
      programs, data.X,
      std::span<const double>(data.y.data(), static_cast<std::size_t>(data.y.size())),
      std::span<const double>(data.weights.data(), static_cast<std::size_t>(data.weights.size())));
}

std::vector<FitResult> BatchFitter::FitAll(std::span<const Program> programs,
                                           const ConstMatrixRef& X, std::span<const double> y,
                                           std::span<const double> weights) {
  stats_ = BatchFitStats{};
  stats_.programs = programs.size();
  const std::uint64_t fingerprint = DataFingerprint(X, y, weights);
  const std::vector<double> defaults = library_->FreeConstantDefaults();

  // Serial: keys, in-batch dedup and cache look-ups. source[i] is the index of the unique fit
  // that serves program i, or -1 when the cache served it.
  std::vector<FitResult> results(programs.size());
  std::vector<FitKey> unique_keys;
  std::vector<std::size_t> unique_program;  // a program index for each unique key
  std::vector<std::ptrdiff_t> source(programs.size(), -1);
  std::unordered_map<FitKey, std::size_t, FitKeyHash> batch_index;
  for (std::size_t i = 0; i < programs.size(); ++i) {
    const Program& program = programs[i];
    FitKey key;
    key.tokens = program.tokens;
    key.start = program.constants.empty() ? defaults : program.constants;
    key.data_fingerprint = fingerprint;
    key.hash = MixDoubles(Mix(HashTokens(program.tokens), fingerprint), key.start);
    if (const auto it = batch_index.find(key); it != batch_index.end()) {
      source[i] = static_cast<std::ptrdiff_t>(it->second);
      ++stats_.duplicates;
      continue;
    }
    if (const FitResult* cached = cache_->Find(key)) {
      results[i] = *cached;
      ++stats_.cache_hits;
      // Later copies in this batch count as duplicates of this one, served from results[i].
      batch_index.emplace(key, programs.size() + i);
      continue;
    }
    batch_index.emplace(key, unique_keys.size());
    source[i] = static_cast<std::ptrdiff_t>(unique_keys.size());
    unique_keys.push_back(std::move(key));
    unique_program.push_back(i);
  }

  // Parallel: each unique fit is independent and writes only its own slot. The target's
  // statistics are the same for every fit: computed once.
  const TargetStats stats = unique_keys.empty() ? TargetStats{} : ComputeTargetStats(y, weights);
  std::vector<FitResult> fitted(unique_keys.size());
  // This process's share of the distinct fits: all of them when it is alone.
  const bool shared = collective_ != nullptr && collective_->size() > 1;
  std::vector<std::vector<std::size_t>> shares;
  if (shared) {
    shares = SharesOf(programs, unique_program, *library_, options_.fit, collective_->size());
  } else {
    shares.emplace_back(unique_keys.size());
    std::iota(shares.front().begin(), shares.front().end(), std::size_t{0});
  }
  const std::vector<std::size_t>& mine =
      shares[shared ? static_cast<std::size_t>(collective_->rank()) : 0];
  tbb::enumerable_thread_specific<Evaluator> evaluators;
  TsanRelease(&fitted);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, mine.size(), 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      TsanAcquire(&fitted);
                      Evaluator& evaluator = evaluators.local();
                      for (std::size_t m = range.begin(); m != range.end(); ++m) {
                        const std::size_t u = mine[m];
                        const Program& program = programs[unique_program[u]];
                        const CompiledProgram compiled = Compile(program, *library_);
                        FitOptions options = options_.fit;
                        options.seed = FitSeed(HashTokens(program.tokens), options_.fit.seed);
                        fitted[u] = FitConstants(compiled, unique_keys[u].start, X, y, weights,
                                                 stats, evaluator, options);
                      }
                      TsanRelease(&fitted);
                    });
  TsanAcquire(&fitted);
  stats_.fitted = mine.size();
  if (shared) {
    const std::vector<std::string> received = collective_->AllGather(Serialise(fitted, mine));
    for (int r = 0; r < collective_->size(); ++r) {
      if (r == collective_->rank()) continue;
      const auto rank = static_cast<std::size_t>(r);
      Deserialise(received[rank], fitted, shares[rank]);
    }
  }

  // Serial, in batch order: fill results and the cache.
  for (std::size_t i = 0; i < programs.size(); ++i) {
    if (source[i] < 0) continue;  // served by the cache
    const auto s = static_cast<std::size_t>(source[i]);
    results[i] = s >= programs.size() ? results[s - programs.size()] : fitted[s];
  }
  for (std::size_t u = 0; u < unique_keys.size(); ++u) {
    cache_->Insert(std::move(unique_keys[u]), std::move(fitted[u]));
  }
  return results;
}

}  // namespace physr
