#include "physr/fit/constant_fitter.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/fit/metrics.hpp"
#include "physr/fit/periodic_scan.hpp"
#include "physr/fit/program_problem.hpp"

namespace physr {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void SetGoodness(double cost, bool finite, const TargetStats& stats, FitResult& result) {
  result.finite = finite && std::isfinite(cost);
  if (!result.finite) {
    result.cost = result.rmse = result.nrmse = kInf;
    result.r2 = -kInf;
    return;
  }
  result.cost = cost;
  const FitMetrics metrics = MetricsFromCost(cost, stats);
  result.rmse = metrics.rmse;
  result.nrmse = metrics.nrmse;
  result.r2 = metrics.r2;
}

}  // namespace

std::uint64_t FitSeed(std::uint64_t token_hash, std::uint64_t seed) {
  // splitmix64 finaliser over the pair, so nearby seeds give unrelated streams.
  std::uint64_t z = token_hash ^ (seed + 0x9e3779b97f4a7c15ULL + (token_hash << 6));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {

void CheckFitArguments(const FitOptions& options, const TargetStats& stats) {
  PHYSR_CHECK(options.restarts >= 0, "restarts must be >= 0");
  PHYSR_CHECK(options.restart_log10_min <= options.restart_log10_max,
              "restart_log10_min must not exceed restart_log10_max");
  PHYSR_CHECK(stats.sum_weights > 0.0, "the weights must sum to a positive value");
}

// Start values: given where finite, 1.0 elsewhere.
std::vector<double> StartValues(std::span<const double> start) {
  std::vector<double> constants(start.begin(), start.end());
  for (double& c : constants) {
    if (!std::isfinite(c)) c = 1.0;
  }
  return constants;
}

// A start of the periodic scan goes on to all rows only if, solved on the scan's rows, it
// ends at most this share of the first start's cost there (a few constants refitted to the
// scan's rows lower it by about their count over the rows without a better period).
constexpr double kScanWin = 0.8;

// The periodic scan's starts (periodic_scan.hpp) for a fit that ended at `fitted`, each solved
// first on the scan's rows alone, where a solve costs an eighth of one on a race's rows or
// less: most lead nowhere. Returns where the solves that beat `fitted` there (by kScanWin)
// ended, to be solved on all rows. Their work is counted in `result`.
std::vector<Eigen::VectorXd> ScanStarts(const CompiledProgram& program,
                                        ProgramLeastSquares& problem, const Eigen::VectorXd& fitted,
                                        const ConstMatrixRef& X, std::span<const double> y,
                                        std::span<const double> weights, Evaluator& evaluator,
                                        const FitOptions& options, FitResult& result) {
  problem.SetParameters(fitted);
  const PeriodicScanSample sample = MakePeriodicScanSample(X, y, weights);
  const std::vector<PeriodicStart> starts =
      PeriodicScanStarts(program, problem.constants(), sample, evaluator);
  if (starts.empty()) return {};
  ProgramLeastSquares scan(program, sample.X, sample.y, sample.weights, problem.constants(),
                           evaluator);
  Eigen::VectorXd residuals(sample.X.rows());
  const double first = scan.Evaluate(fitted, residuals, nullptr) ? residuals.squaredNorm() : kInf;
  std::vector<Eigen::VectorXd> ends;
  for (const PeriodicStart& start : starts) {
    Eigen::VectorXd parameters = fitted;
    parameters(start.column) = start.value;
    const LevenbergMarquardtSummary summary =
        SolveLevenbergMarquardt(scan, parameters, options.solver);
    result.iterations += summary.iterations;
    result.residual_evaluations += summary.residual_evaluations;
    result.jacobian_evaluations += summary.jacobian_evaluations;
    if (summary.cost <= kScanWin * first) ends.push_back(std::move(parameters));
  }
  return ends;
}

// Levenberg–Marquardt from the start, the periodic scan's starts and the restarts, then
// goodness of fit and uncertainties.
FitResult FitWithSolver(const CompiledProgram& program, std::span<const double> start,
                        const ConstMatrixRef& X, std::span<const double> y,
                        std::span<const double> weights, const TargetStats& stats,
                        Evaluator& evaluator, const FitOptions& options) {
  const std::vector<double> constants = StartValues(start);
  ProgramLeastSquares problem(program, X, y, weights, constants, evaluator);
  const int k = problem.num_parameters();

  FitResult result;
  result.free_slots = program.free_slots;
  Eigen::VectorXd best_parameters = problem.Parameters();
  LevenbergMarquardtSummary best;
  bool have_best = false;
  // One Levenberg–Marquardt run; the best so far is kept (ties keep the earlier start, so the
  // outcome does not depend on float noise ordering). True once the fit is good enough to stop.
  auto run = [&](Eigen::VectorXd parameters) {
    LevenbergMarquardtSummary summary =
        SolveLevenbergMarquardt(problem, parameters, options.solver);
    ++result.starts;
    result.iterations += summary.iterations;
    result.residual_evaluations += summary.residual_evaluations;
    result.jacobian_evaluations += summary.jacobian_evaluations;
    if (!have_best || summary.cost < best.cost) {
      best = std::move(summary);
      best_parameters = parameters;
      have_best = true;
    }
    return NrmseFromCost(best.cost, stats) <= options.restart_stop_nrmse;
  };

  bool done = run(problem.Parameters());
  if (!done && options.periodic_scan && k > 0 &&
      best.status != LevenbergMarquardtStatus::kNonFiniteStart) {
    for (Eigen::VectorXd& parameters :
         ScanStarts(program, problem, best_parameters, X, y, weights, evaluator, options, result)) {
      if ((done = run(std::move(parameters)))) break;
    }
  }
  for (int s = 1; !done && k > 0 && s <= options.restarts; ++s) {
    Rng rng(options.seed, static_cast<std::uint64_t>(s));
    Eigen::VectorXd parameters(k);
    for (Eigen::Index j = 0; j < k; ++j) {
      const double sign = rng.Uniform01() < 0.5 ? -1.0 : 1.0;
      parameters(j) =
          sign * std::pow(10.0, rng.Uniform(options.restart_log10_min, options.restart_log10_max));
    }
    done = run(std::move(parameters));
  }

  problem.SetParameters(best_parameters);
  result.constants = problem.constants();
  result.status = best.status;
  result.converged = IsConverged(best.status);
  SetGoodness(best.cost, best.status != LevenbergMarquardtStatus::kNonFiniteStart, stats, result);

  result.standard_errors.assign(result.constants.size(), kNaN);
  result.correlation = Eigen::MatrixXd::Constant(k, k, kNaN);
  if (options.compute_uncertainties && result.finite && k > 0) {
    const Covariance cov =
        EstimateCovariance(best.residuals, best.jacobian, options.covariance_scaling);
    for (int j = 0; j < k; ++j) {
      result.standard_errors[static_cast<std::size_t>(
          program.free_slots[static_cast<std::size_t>(j)])] = cov.standard_errors(j);
    }
    result.correlation = cov.correlation;
    result.covariance_singular = cov.singular;
  }
  return result;
}

// A program without free constants: one evaluation and the figures. Every step is the one
// FitWithSolver takes for k = 0 (ProgramLeastSquares::Evaluate, then the solver's first
// cost), so the result is the same bit for bit, without the problem, the solver's buffers or
// the restart loop.
FitResult FitWithoutConstants(const CompiledProgram& program, std::span<const double> start,
                              const ConstMatrixRef& X, std::span<const double> y,
                              std::span<const double> weights, const TargetStats& stats,
                              Evaluator& evaluator) {
  PHYSR_CHECK(static_cast<Eigen::Index>(y.size()) == X.rows() && !y.empty(),
              "y must have one value per row of X, and X at least one row");
  PHYSR_CHECK(weights.empty() || weights.size() == y.size(),
              "weights must be empty or have one value per row");
  PHYSR_CHECK(X.cols() >= program.num_variables_used, "X lacks a column the program reads");
  FitResult result;
  result.constants = StartValues(start);
  result.starts = 1;
  result.residual_evaluations = 1;

  const auto n = static_cast<Eigen::Index>(y.size());
  Eigen::VectorXd residuals(n);
  bool ok = evaluator.Evaluate(program, X, result.constants,
                               std::span<double>(residuals.data(), static_cast<std::size_t>(n)));
  if (ok) {
    residuals -= Eigen::Map<const Eigen::VectorXd>(y.data(), n);
    if (!weights.empty()) {
      residuals.array() *= Eigen::Map<const Eigen::ArrayXd>(weights.data(), n).sqrt();
    }
    ok = residuals.allFinite();
  }
  if (ok) {
    result.status = LevenbergMarquardtStatus::kNoParameters;
    result.converged = true;
    SetGoodness(residuals.squaredNorm(), true, stats, result);
  } else {
    result.status = LevenbergMarquardtStatus::kNonFiniteStart;
    SetGoodness(kInf, false, stats, result);
  }
  result.standard_errors.assign(result.constants.size(), kNaN);
  return result;
}

}  // namespace

FitResult FitConstants(const CompiledProgram& program, std::span<const double> start,
                       const ConstMatrixRef& X, std::span<const double> y,
                       std::span<const double> weights, Evaluator& evaluator,
                       const FitOptions& options) {
  return FitConstants(program, start, X, y, weights, ComputeTargetStats(y, weights), evaluator,
                      options);
}

FitResult FitConstants(const CompiledProgram& program, std::span<const double> start,
                       const ConstMatrixRef& X, std::span<const double> y,
                       std::span<const double> weights, const TargetStats& stats,
                       Evaluator& evaluator, const FitOptions& options) {
  CheckFitArguments(options, stats);
  if (program.num_free() == 0) {
    return FitWithoutConstants(program, start, X, y, weights, stats, evaluator);
  }
  return FitWithSolver(program, start, X, y, weights, stats, evaluator, options);
}

namespace detail {

FitResult FitConstantsWithSolver(const CompiledProgram& program, std::span<const double> start,
                                 const ConstMatrixRef& X, std::span<const double> y,
                                 std::span<const double> weights, Evaluator& evaluator,
                                 const FitOptions& options) {
  const TargetStats stats = ComputeTargetStats(y, weights);
  CheckFitArguments(options, stats);
  return FitWithSolver(program, start, X, y, weights, stats, evaluator, options);
}

}  // namespace detail

FitResult FitConstants(const Program& program, const Library& library, const Dataset& data,
                       const FitOptions& options) {
  const CompiledProgram compiled = Compile(program, library);
  const std::vector<double> defaults =
      program.constants.empty() ? library.FreeConstantDefaults() : program.constants;
  FitOptions seeded = options;
  seeded.seed = FitSeed(HashTokens(program.tokens), options.seed);
  Evaluator evaluator;
  const std::span<const double> y(data.y.data(), static_cast<std::size_t>(data.y.size()));
  const std::span<const double> w(data.weights.data(),
                                  static_cast<std::size_t>(data.weights.size()));
  return FitConstants(compiled, defaults, data.X, y, w, evaluator, seeded);
}

}  // namespace physr
