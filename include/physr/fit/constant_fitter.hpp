// Fitting the free constants of one program to data: Levenberg–Marquardt from the given
// start (plus optional random restarts), then goodness of fit and standard errors. Expected
// numerical failures are reported in the FitResult, never thrown.
// Not for many programs at once (batch_fitter.hpp parallelises, dedups and caches).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "physr/data/dataset.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/program.hpp"
#include "physr/fit/least_squares.hpp"
#include "physr/fit/metrics.hpp"

namespace physr {

struct FitOptions {
  LevenbergMarquardtOptions solver;
  // Extra starts after the given one. Restart j draws every fitted constant independently as
  // ±10^u, sign and u ~ Uniform(restart_log10_min, restart_log10_max) from Rng(seed, j), so
  // results are reproducible. Restarts stop early once a start reaches
  // nrmse ≤ restart_stop_nrmse; the lowest cost over all starts is returned.
  int restarts = 0;
  double restart_log10_min = -2.0;
  double restart_log10_max = 2.0;
  double restart_stop_nrmse = 1e-10;
  std::uint64_t seed = 0;
  // Constants inside a periodic function beside a variable (sin(C*x) has a local minimum in
  // every period of C): when the first start leaves nrmse above restart_stop_nrmse, the
  // starts of PeriodicScanStarts (periodic_scan.hpp) are tried next, before the restarts.
  bool periodic_scan = true;
  // Standard errors and correlations at the optimum (a k×k eigen-decomposition: cheap, but
  // the search can skip it and ask for it only for the formulas it reports).
  bool compute_uncertainties = true;
  CovarianceScaling covariance_scaling = CovarianceScaling::kResidualVariance;
};

struct FitResult {
  // Values of all free-constant slots (Program::constants layout): the fitted slots hold the
  // fitted values, the others their start values.
  std::vector<double> constants;
  // By slot, like constants: NaN for slots not fitted, or when not estimable (singular JᵀJ,
  // n ≤ k with kResidualVariance, uncertainties not requested).
  std::vector<double> standard_errors;
  std::vector<int> free_slots;  // the fitted slots, in the order of `correlation`'s rows
  Eigen::MatrixXd correlation;  // k×k; NaN when not estimable
  bool covariance_singular = false;
  // Set by a caller that fitted on a subset of its rows and kept that fit (the search's
  // racing): the figures below are the subset's.
  bool on_subset = false;

  LevenbergMarquardtStatus status = LevenbergMarquardtStatus::kNonFiniteStart;
  bool converged = false;        // IsConverged(status) of the returned start
  int starts = 0;                // starts tried (1 + scan starts + restarts run)
  int iterations = 0;            // summed over starts
  int residual_evaluations = 0;  // summed over starts
  int jacobian_evaluations = 0;  // summed over starts

  // Goodness of fit at `constants`; with weights w (all 1 when none), r_i = f_i − y_i:
  bool finite = false;  // every prediction finite; when false: cost, rmse, nrmse = +inf,
                        // r2 = −inf
  double cost = 0.0;    // Σ w_i r_i²
  double rmse = 0.0;    // sqrt(Σ w_i r_i² / Σ w_i)
  double nrmse = 0.0;   // rmse / std_w(y), std_w the weighted population standard deviation;
                        // for constant y: 0 if rmse = 0, else +inf
  double r2 = 0.0;  // 1 − Σ w r² / Σ w (y − ȳ_w)²; for constant y: 1 if rmse = 0, else −inf
};

// Fits the free constants of `program` to (X, y, weights). start: start values by slot (a slot
// beyond start.size(), or whose start value is not finite, starts at 1.0). X: rows = samples,
// columns = variables; y: X.rows() values; weights: empty or X.rows() values ≥ 0 (at least one
// > 0). A program without free constants is evaluated once, without the solver: its result is
// the solver's for k = 0 (status kNoParameters, or kNonFiniteStart), bit for bit. Borrowed
// arguments are only used during the call. Thread safety: concurrent calls need distinct
// evaluators.
// Cost: per LM iteration one evaluation with Jacobian, ≈ (1 + k)·|code|·rows node evaluations.
FitResult FitConstants(const CompiledProgram& program, std::span<const double> start,
                       const ConstMatrixRef& X, std::span<const double> y,
                       std::span<const double> weights, Evaluator& evaluator,
                       const FitOptions& options = {});

// The same with the target's statistics given: stats must be ComputeTargetStats(y, weights).
// A caller that fits many programs to one target computes them once (BatchFitter does);
// otherwise they cost two passes over the rows per fit, as much as evaluating a short program.
FitResult FitConstants(const CompiledProgram& program, std::span<const double> start,
                       const ConstMatrixRef& X, std::span<const double> y,
                       std::span<const double> weights, const TargetStats& stats,
                       Evaluator& evaluator, const FitOptions& options = {});

// Convenience: compiles `program` over `library`, starts from program.constants (the
// library's defaults when empty), mixes HashTokens(program.tokens) into options.seed, and fits
// to the dataset (its weights, if any).
FitResult FitConstants(const Program& program, const Library& library, const Dataset& data,
                       const FitOptions& options = {});

namespace detail {
// FitConstants with every program going through the solver, a program without free constants
// too (FitConstants evaluates such a program directly, with the same result bit for bit): the
// reference that tests and bench/fit_bench.cpp compare the direct path with.
FitResult FitConstantsWithSolver(const CompiledProgram& program, std::span<const double> start,
                                 const ConstMatrixRef& X, std::span<const double> y,
                                 std::span<const double> weights, Evaluator& evaluator,
                                 const FitOptions& options = {});
}  // namespace detail

// Mixes a program's token hash with a user seed (used for restart streams).
std::uint64_t FitSeed(std::uint64_t token_hash, std::uint64_t seed);

}  // namespace physr
