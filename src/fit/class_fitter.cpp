#include "physr/fit/class_fitter.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include "core/sanitizers.hpp"
#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"

namespace physr {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::span<const double> Span(const Eigen::VectorXd& v) {
  return {v.data(), static_cast<std::size_t>(v.size())};
}

}  // namespace

ClassLeastSquares::ClassLeastSquares(const CompiledProgram& program,
                                     const ClassConstantRoles& roles, const ClassDataset& data,
                                     std::span<const double> start, std::span<Evaluator> evaluators,
                                     bool parallel)
    : program_(&program),
      data_(&data),
      evaluators_(evaluators),
      parallel_(parallel && evaluators.size() >= data.members.size() && data.size() > 1),
      start_(start.begin(), start.end()) {
  PHYSR_CHECK(!evaluators.empty(), "a class fit needs at least one evaluator");
  PHYSR_CHECK(data.size() >= 1, "a class has at least one dataset");
  int max_slot = -1;
  for (int j = 0; j < program.num_free(); ++j) {
    const int slot = program.free_slots[static_cast<std::size_t>(j)];
    max_slot = std::max(max_slot, slot);
    (roles.IsSpecific(slot) ? specific_columns_ : class_columns_).push_back(j);
  }
  if (static_cast<int>(start_.size()) <= max_slot) {
    start_.resize(static_cast<std::size_t>(max_slot) + 1, 1.0);
  }
  for (double& c : start_) {
    if (!std::isfinite(c)) c = 1.0;
  }
  offsets_.push_back(0);
  for (const Dataset& member : data.members) {
    PHYSR_CHECK(member.rows() >= 1 && member.num_variables() >= program.num_variables_used,
                "every dataset needs rows and the columns the program reads");
    offsets_.push_back(offsets_.back() + member.rows());
    slots_.push_back(start_);
    local_jacobian_.emplace_back(member.rows(), program.num_free());
    sqrt_weights_.push_back(member.weights.size() > 0 ? Eigen::VectorXd(member.weights.cwiseSqrt())
                                                      : Eigen::VectorXd());
  }
}

int ClassLeastSquares::num_parameters() const {
  return num_class() + data_->size() * num_specific();
}

int ClassLeastSquares::num_residuals() const { return static_cast<int>(offsets_.back()); }

Eigen::VectorXd ClassLeastSquares::StartParameters() const {
  Eigen::VectorXd p(num_parameters());
  const int c = num_class();
  const int s = num_specific();
  for (int j = 0; j < c; ++j) {
    p(j) = start_[static_cast<std::size_t>(program_->free_slots[static_cast<std::size_t>(
        class_columns_[static_cast<std::size_t>(j)])])];
  }
  for (int k = 0; k < data_->size(); ++k) {
    for (int j = 0; j < s; ++j) {
      p(c + k * s + j) =
          start_[static_cast<std::size_t>(program_->free_slots[static_cast<std::size_t>(
              specific_columns_[static_cast<std::size_t>(j)])])];
    }
  }
  return p;
}

std::vector<double> ClassLeastSquares::SlotValues(const Eigen::VectorXd& parameters,
                                                  int dataset) const {
  std::vector<double> slots = start_;
  const int c = num_class();
  const int s = num_specific();
  for (int j = 0; j < c; ++j) {
    slots[static_cast<std::size_t>(program_->free_slots[static_cast<std::size_t>(
        class_columns_[static_cast<std::size_t>(j)])])] = parameters(j);
  }
  for (int j = 0; j < s; ++j) {
    slots[static_cast<std::size_t>(program_->free_slots[static_cast<std::size_t>(
        specific_columns_[static_cast<std::size_t>(j)])])] = parameters(c + dataset * s + j);
  }
  return slots;
}

bool ClassLeastSquares::EvaluateDataset(int k, const Eigen::VectorXd& parameters,
                                        Eigen::VectorXd& residuals, Eigen::MatrixXd* jacobian,
                                        Evaluator& evaluator) {
  const auto kk = static_cast<std::size_t>(k);
  const Dataset& member = data_->members[kk];
  const Eigen::Index offset = offsets_[kk];
  const Eigen::Index n = member.rows();
  slots_[kk] = SlotValues(parameters, k);
  const std::span<double> out(residuals.data() + offset, static_cast<std::size_t>(n));
  Eigen::MatrixXd& local = local_jacobian_[kk];
  const bool ok = jacobian != nullptr
                      ? evaluator.EvaluateWithJacobian(*program_, member.X, slots_[kk], out, local)
                      : evaluator.Evaluate(*program_, member.X, slots_[kk], out);
  if (!ok) return false;
  auto r = residuals.segment(offset, n);
  r -= member.y;
  const Eigen::VectorXd& sqrt_w = sqrt_weights_[kk];
  if (sqrt_w.size() > 0) {
    r.array() *= sqrt_w.array();
    if (jacobian != nullptr) local.array().colwise() *= sqrt_w.array();
  }
  if (jacobian != nullptr) {
    const int c = num_class();
    const int s = num_specific();
    jacobian->middleRows(offset, n).setZero();
    for (int j = 0; j < c; ++j) {
      jacobian->block(offset, j, n, 1) = local.col(class_columns_[static_cast<std::size_t>(j)]);
    }
    for (int j = 0; j < s; ++j) {
      jacobian->block(offset, c + k * s + j, n, 1) =
          local.col(specific_columns_[static_cast<std::size_t>(j)]);
    }
  }
  return r.allFinite();
}

bool ClassLeastSquares::Evaluate(const Eigen::VectorXd& parameters, Eigen::VectorXd& residuals,
                                 Eigen::MatrixXd* jacobian) {
  const int datasets = data_->size();
  if (!parallel_) {
    for (int k = 0; k < datasets; ++k) {
      if (!EvaluateDataset(k, parameters, residuals, jacobian, evaluators_[0])) return false;
    }
    return true;
  }
  // Each dataset writes only its own rows of the residuals and Jacobian and its own buffers.
  std::vector<char> ok(static_cast<std::size_t>(datasets), 0);
  TsanRelease(&ok);
  tbb::parallel_for(0, datasets, [&](int k) {
    TsanAcquire(&ok);
    ok[static_cast<std::size_t>(k)] = EvaluateDataset(k, parameters, residuals, jacobian,
                                                      evaluators_[static_cast<std::size_t>(k)])
                                          ? 1
                                          : 0;
    TsanRelease(&ok);
  });
  TsanAcquire(&ok);
  for (const char flag : ok) {
    if (flag == 0) return false;
  }
  return true;
}

void ClassLeastSquares::NormalEquations(const Eigen::MatrixXd& jacobian,
                                        const Eigen::VectorXd& residuals, Eigen::MatrixXd& jtj,
                                        Eigen::VectorXd& gradient) const {
  const int c = num_class();
  const int s = num_specific();
  jtj.setZero();
  gradient.setZero();
  // Column dot products over each dataset's rows, as the dense default forms them: the
  // class-class block sums over datasets, every other block comes from one dataset's rows.
  std::vector<Eigen::Index> columns(static_cast<std::size_t>(c + s));
  for (int k = 0; k < data_->size(); ++k) {
    const Eigen::Index offset = offsets_[static_cast<std::size_t>(k)];
    const Eigen::Index n = offsets_[static_cast<std::size_t>(k) + 1] - offset;
    for (int j = 0; j < c + s; ++j) columns[static_cast<std::size_t>(j)] = j < c ? j : j + k * s;
    for (int a = 0; a < c + s; ++a) {
      const Eigen::Index ca = columns[static_cast<std::size_t>(a)];
      const auto col_a = jacobian.col(ca).segment(offset, n);
      for (int b = 0; b <= a; ++b) {
        const Eigen::Index cb = columns[static_cast<std::size_t>(b)];
        const double dot = col_a.dot(jacobian.col(cb).segment(offset, n));
        jtj(ca, cb) += dot;
        if (ca != cb) jtj(cb, ca) += dot;
      }
      gradient(ca) += col_a.dot(residuals.segment(offset, n));
    }
  }
}

std::vector<TargetStats> ComputeClassTargetStats(const ClassDataset& data) {
  std::vector<TargetStats> stats;
  for (const Dataset& member : data.members)
    stats.push_back(ComputeTargetStats(Span(member.y), Span(member.weights)));
  return stats;
}

namespace {

// Each dataset's figures and the class's from the stacked residuals at the solution.
void SetClassGoodness(const ClassLeastSquares& problem, const LevenbergMarquardtSummary& best,
                      std::span<const TargetStats> stats, ClassFitResult& result) {
  const bool evaluated = best.status != LevenbergMarquardtStatus::kNonFiniteStart;
  result.finite = evaluated && std::isfinite(best.cost);
  result.cost = best.cost;
  if (!result.finite) result.cost = kInf;
  result.reward = 0.0;
  result.worst_nrmse = 0.0;
  const auto datasets = static_cast<int>(result.datasets.size());
  for (int k = 0; k < datasets; ++k) {
    DatasetFit& fit = result.datasets[static_cast<std::size_t>(k)];
    if (!result.finite) {
      fit.finite = false;
      fit.cost = fit.rmse = fit.nrmse = kInf;
      fit.r2 = -kInf;
    } else {
      const Eigen::Index offset = problem.row_offset(k);
      const Eigen::Index n = problem.row_offset(k + 1) - offset;
      fit.finite = true;
      fit.cost = best.residuals.segment(offset, n).squaredNorm();
      const FitMetrics metrics = MetricsFromCost(fit.cost, stats[static_cast<std::size_t>(k)]);
      fit.rmse = metrics.rmse;
      fit.nrmse = metrics.nrmse;
      fit.r2 = metrics.r2;
    }
    result.reward += 1.0 / (1.0 + fit.nrmse) / static_cast<double>(datasets);
    result.worst_nrmse = std::max(result.worst_nrmse, fit.nrmse);
  }
}

void SetClassUncertainties(const ClassLeastSquares& problem, const LevenbergMarquardtSummary& best,
                           const ClassFitOptions& options, ClassFitResult& result) {
  const int p = problem.num_parameters();
  const int c = problem.num_class();
  const int s = problem.num_specific();
  result.correlation = Eigen::MatrixXd::Constant(p, p, kNaN);
  for (DatasetFit& fit : result.datasets) fit.standard_errors.assign(fit.constants.size(), kNaN);
  if (!options.fit.compute_uncertainties || !result.finite || p == 0) return;
  const Covariance cov =
      EstimateCovariance(best.residuals, best.jacobian, options.fit.covariance_scaling);
  result.correlation = cov.correlation;
  result.covariance_singular = cov.singular;
  for (std::size_t k = 0; k < result.datasets.size(); ++k) {
    std::vector<double>& se = result.datasets[k].standard_errors;
    for (int j = 0; j < c; ++j) {
      se[static_cast<std::size_t>(result.class_slots[static_cast<std::size_t>(j)])] =
          cov.standard_errors(j);
    }
    for (int j = 0; j < s; ++j) {
      se[static_cast<std::size_t>(result.specific_slots[static_cast<std::size_t>(j)])] =
          cov.standard_errors(c + static_cast<int>(k) * s + j);
    }
  }
}

}  // namespace

ClassFitResult FitClassConstants(const CompiledProgram& program, const ClassConstantRoles& roles,
                                 std::span<const double> start, const ClassDataset& data,
                                 std::span<const TargetStats> stats,
                                 std::span<Evaluator> evaluators, const ClassFitOptions& options) {
  PHYSR_CHECK(options.fit.restarts >= 0, "restarts must be >= 0");
  PHYSR_CHECK(stats.size() == data.members.size(), "one target statistics per dataset");
  ClassLeastSquares problem(program, roles, data, start, evaluators, options.parallel_datasets);
  ClassFitResult result;
  for (int slot : program.free_slots) {
    (roles.IsSpecific(slot) ? result.specific_slots : result.class_slots).push_back(slot);
  }
  const int p = problem.num_parameters();
  Eigen::VectorXd best_parameters = problem.StartParameters();
  LevenbergMarquardtSummary best;
  const int max_starts = p == 0 ? 1 : 1 + options.fit.restarts;
  for (int start_index = 0; start_index < max_starts; ++start_index) {
    Eigen::VectorXd parameters = problem.StartParameters();
    if (start_index > 0) {
      Rng rng(options.fit.seed, static_cast<std::uint64_t>(start_index));
      for (Eigen::Index j = 0; j < parameters.size(); ++j) {
        const double sign = rng.Uniform01() < 0.5 ? -1.0 : 1.0;
        parameters(j) = sign * std::pow(10.0, rng.Uniform(options.fit.restart_log10_min,
                                                          options.fit.restart_log10_max));
      }
    }
    LevenbergMarquardtSummary summary =
        SolveLevenbergMarquardt(problem, parameters, options.fit.solver);
    ++result.starts;
    result.iterations += summary.iterations;
    result.residual_evaluations += summary.residual_evaluations;
    result.jacobian_evaluations += summary.jacobian_evaluations;
    if (start_index == 0 || summary.cost < best.cost) {  // ties keep the earlier start
      best = std::move(summary);
      best_parameters = parameters;
    }
    double worst = 0.0;
    for (std::size_t k = 0; k < stats.size() && std::isfinite(best.cost); ++k) {
      const Eigen::Index offset = problem.row_offset(static_cast<int>(k));
      const double cost_k =
          best.residuals.segment(offset, problem.row_offset(static_cast<int>(k) + 1) - offset)
              .squaredNorm();
      worst = std::max(worst, NrmseFromCost(cost_k, stats[k]));
    }
    if (std::isfinite(best.cost) && worst <= options.fit.restart_stop_nrmse) break;
  }
  result.status = best.status;
  result.converged = IsConverged(best.status);
  for (int k = 0; k < data.size(); ++k) {
    DatasetFit fit;
    fit.constants = problem.SlotValues(best_parameters, k);
    result.datasets.push_back(std::move(fit));
  }
  SetClassGoodness(problem, best, stats, result);
  SetClassUncertainties(problem, best, options, result);
  return result;
}

ClassFitResult FitClassConstants(const Program& program, const Library& library,
                                 const ClassConstantRoles& roles, const ClassDataset& data,
                                 const ClassFitOptions& options) {
  const CompiledProgram compiled = Compile(program, library);
  const std::vector<double> start =
      program.constants.empty() ? library.FreeConstantDefaults() : program.constants;
  ClassFitOptions seeded = options;
  seeded.fit.seed = FitSeed(HashTokens(program.tokens), options.fit.seed);
  std::vector<Evaluator> evaluators(data.members.size());
  const std::vector<TargetStats> stats = ComputeClassTargetStats(data);
  return FitClassConstants(compiled, roles, start, data, stats, evaluators, seeded);
}

std::vector<ClassFitResult> FitClassBatch(std::span<const Program> programs, const Library& library,
                                          const ClassConstantRoles& roles, const ClassDataset& data,
                                          const ClassFitOptions& options) {
  const std::vector<TargetStats> stats = ComputeClassTargetStats(data);
  const std::vector<double> defaults = library.FreeConstantDefaults();
  std::vector<ClassFitResult> results(programs.size());
  tbb::enumerable_thread_specific<Evaluator> evaluators;
  TsanRelease(&results);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, programs.size(), 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      TsanAcquire(&results);
                      Evaluator& evaluator = evaluators.local();
                      for (std::size_t i = range.begin(); i != range.end(); ++i) {
                        const Program& program = programs[i];
                        const CompiledProgram compiled = Compile(program, library);
                        ClassFitOptions seeded = options;
                        seeded.fit.seed = FitSeed(HashTokens(program.tokens), options.fit.seed);
                        seeded.parallel_datasets = false;
                        results[i] = FitClassConstants(
                            compiled, roles,
                            program.constants.empty() ? defaults : program.constants, data, stats,
                            std::span<Evaluator>(&evaluator, 1), seeded);
                      }
                      TsanRelease(&results);
                    });
  TsanAcquire(&results);
  return results;
}

}  // namespace physr
