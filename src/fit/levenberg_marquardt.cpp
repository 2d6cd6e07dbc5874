#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "physr/core/error.hpp"
#include "physr/fit/least_squares.hpp"

namespace physr {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Past this damping the step is pure (tiny) gradient descent that rounding swamps.
constexpr double kMaxDamping = 1e32;
// Condition number of the column-scaled JᵀJ above which the covariance is not estimable.
constexpr double kMaxCondition = 1e14;

// max_j |(Jᵀr)_j| / (‖J_j‖·‖r‖): the cosine between r and the closest Jacobian column.
double GradientCosine(const Eigen::MatrixXd& jtj, const Eigen::VectorXd& gradient, double cost) {
  const double r_norm = std::sqrt(cost);
  double worst = 0.0;
  for (Eigen::Index j = 0; j < gradient.size(); ++j) {
    const double column_norm = std::sqrt(jtj(j, j));
    if (column_norm == 0.0) continue;  // this parameter does not move the residuals
    worst = std::max(worst, std::abs(gradient(j)) / (column_norm * r_norm));
  }
  return worst;
}

// JᵀJ and the gradient Jᵀr of the linearised problem (the problem's NormalEquations);
// `scale` keeps Moré's running max of diag(JᵀJ).
void Linearise(const LeastSquaresProblem& problem, const Eigen::MatrixXd& jac,
               const Eigen::VectorXd& r, Eigen::MatrixXd& jtj, Eigen::VectorXd& gradient,
               Eigen::VectorXd& scale) {
  problem.NormalEquations(jac, r, jtj, gradient);
  scale = scale.cwiseMax(jtj.diagonal());
}

// Working storage of the damped steps, allocated once per solve.
struct StepBuffers {
  StepBuffers(int n, int k)
      : trial(k), step(k), damped_scale(k), trial_r(n), trial_jac(n, k), system(k, k), ldlt(k) {}
  Eigen::VectorXd trial, step, damped_scale;
  Eigen::VectorXd trial_r;
  Eigen::MatrixXd trial_jac;
  Eigen::MatrixXd system;
  Eigen::LDLT<Eigen::MatrixXd> ldlt;
};

struct StepOutcome {
  bool accepted = false;  // the trial lowers the cost
  double rho = 0.0;       // actual over predicted decrease of the cost
  double new_cost = kInf;
};

// Solves the damped normal equations for a step from `parameters` and evaluates the problem
// there (into b.trial, b.trial_r and b.trial_jac), counting the evaluation in `summary`.
StepOutcome TryStep(LeastSquaresProblem& problem, const Eigen::VectorXd& parameters,
                    const Eigen::MatrixXd& jtj, const Eigen::VectorXd& gradient,
                    const Eigen::VectorXd& scale, double damping, double cost, StepBuffers& b,
                    LevenbergMarquardtSummary& summary) {
  // Floor the scaling so a parameter the residuals ignore still gets a bounded step.
  const double floor = std::max(1e-12 * scale.maxCoeff(), 1e-300);
  b.damped_scale = damping * scale.cwiseMax(floor);
  b.system = jtj;
  b.system.diagonal() += b.damped_scale;
  b.ldlt.compute(b.system);
  b.step = b.ldlt.solve(-gradient);

  StepOutcome out;
  if (b.ldlt.info() == Eigen::Success && b.step.allFinite()) {
    b.trial = parameters + b.step;
    const bool ok = problem.Evaluate(b.trial, b.trial_r, &b.trial_jac);
    ++summary.residual_evaluations;
    ++summary.jacobian_evaluations;
    if (ok) {
      out.new_cost = b.trial_r.squaredNorm();
      // Predicted decrease of Σr² by the linear model: δᵀ(λDδ − g).
      const double predicted = b.step.dot(b.damped_scale.cwiseProduct(b.step) - gradient);
      const double actual = cost - out.new_cost;
      out.accepted = actual > 0.0;
      out.rho = predicted > 0.0 ? actual / predicted : 0.0;
    }
  }
  return out;
}

}  // namespace

// k is small: column dot products beat a packed GEMM here.
void LeastSquaresProblem::NormalEquations(const Eigen::MatrixXd& jacobian,
                                          const Eigen::VectorXd& residuals, Eigen::MatrixXd& jtj,
                                          Eigen::VectorXd& gradient) const {
  const auto k = static_cast<int>(jacobian.cols());
  for (int a = 0; a < k; ++a) {
    for (int b = 0; b <= a; ++b) jtj(a, b) = jtj(b, a) = jacobian.col(a).dot(jacobian.col(b));
    gradient(a) = jacobian.col(a).dot(residuals);
  }
}

std::string_view ToString(LevenbergMarquardtStatus status) {
  switch (status) {
    case LevenbergMarquardtStatus::kNoParameters:
      return "no parameters";
    case LevenbergMarquardtStatus::kExactFit:
      return "exact fit";
    case LevenbergMarquardtStatus::kFunctionTolerance:
      return "function tolerance";
    case LevenbergMarquardtStatus::kParameterTolerance:
      return "parameter tolerance";
    case LevenbergMarquardtStatus::kGradientTolerance:
      return "gradient tolerance";
    case LevenbergMarquardtStatus::kMaxIterations:
      return "max iterations";
    case LevenbergMarquardtStatus::kNoProgress:
      return "no progress";
    case LevenbergMarquardtStatus::kNonFiniteStart:
      return "non-finite start";
  }
  return "unknown";
}

bool IsConverged(LevenbergMarquardtStatus status) {
  switch (status) {
    case LevenbergMarquardtStatus::kNoParameters:
    case LevenbergMarquardtStatus::kExactFit:
    case LevenbergMarquardtStatus::kFunctionTolerance:
    case LevenbergMarquardtStatus::kParameterTolerance:
    case LevenbergMarquardtStatus::kGradientTolerance:
      return true;
    default:
      return false;
  }
}

LevenbergMarquardtSummary SolveLevenbergMarquardt(LeastSquaresProblem& problem,
                                                  Eigen::VectorXd& parameters,
                                                  const LevenbergMarquardtOptions& options) {
  using Status = LevenbergMarquardtStatus;
  const int k = problem.num_parameters();
  const int n = problem.num_residuals();
  PHYSR_CHECK(k >= 0 && n >= 1, "a least-squares problem needs k >= 0 and n >= 1");
  PHYSR_CHECK(parameters.size() == k, "parameters must have num_parameters() entries");
  PHYSR_CHECK(options.max_iterations >= 0, "max_iterations must be >= 0");

  LevenbergMarquardtSummary summary;
  Eigen::VectorXd r(n);
  Eigen::MatrixXd jac(n, k);

  const bool start_ok = problem.Evaluate(parameters, r, k > 0 ? &jac : nullptr);
  summary.residual_evaluations = 1;
  summary.jacobian_evaluations = k > 0 ? 1 : 0;
  if (!start_ok) {
    summary.status = Status::kNonFiniteStart;
    summary.initial_cost = summary.cost = kInf;
    return summary;
  }
  double cost = r.squaredNorm();
  summary.initial_cost = cost;
  const auto finish = [&](Status status) {
    summary.status = status;
    summary.cost = cost;
    summary.residuals = std::move(r);
    summary.jacobian = std::move(jac);
    return std::move(summary);  // called once, on the way out
  };
  if (k == 0) return finish(Status::kNoParameters);

  const double exact_cost =
      options.exact_fit_tolerance * options.exact_fit_tolerance * std::max(cost, 1e-300);
  Eigen::MatrixXd jtj(k, k);
  Eigen::VectorXd gradient(k);
  Eigen::VectorXd scale = Eigen::VectorXd::Zero(k);  // Moré's running max of diag(JᵀJ)
  Linearise(problem, jac, r, jtj, gradient, scale);
  if (cost <= exact_cost) return finish(Status::kExactFit);
  if (GradientCosine(jtj, gradient, cost) <= options.gradient_tolerance) {
    return finish(Status::kGradientTolerance);
  }

  double damping = options.initial_damping;
  double nu = 2.0;
  StepBuffers buffers(n, k);
  while (summary.iterations < options.max_iterations) {
    ++summary.iterations;
    const StepOutcome outcome =
        TryStep(problem, parameters, jtj, gradient, scale, damping, cost, buffers, summary);
    const Eigen::VectorXd& step = buffers.step;
    const double step_norm = step.allFinite() ? step.norm() : kInf;
    const bool small_step = step_norm <= options.parameter_tolerance *
                                             (parameters.norm() + options.parameter_tolerance);

    if (!outcome.accepted) {
      // A step too small to matter that still does not lower the cost: the minimum is
      // reached to rounding.
      if (small_step) return finish(Status::kParameterTolerance);
      damping *= nu;
      nu *= 2.0;
      if (damping > kMaxDamping) return finish(Status::kNoProgress);
      continue;
    }

    const double old_cost = cost;
    parameters.swap(buffers.trial);
    r.swap(buffers.trial_r);
    jac.swap(buffers.trial_jac);
    cost = outcome.new_cost;
    const double t = 2.0 * outcome.rho - 1.0;
    damping *= std::max(1.0 / 3.0, 1.0 - t * t * t);
    nu = 2.0;
    Linearise(problem, jac, r, jtj, gradient, scale);

    if (cost <= exact_cost) return finish(Status::kExactFit);
    if (old_cost - cost <= options.function_tolerance * old_cost) {
      return finish(Status::kFunctionTolerance);
    }
    if (small_step) return finish(Status::kParameterTolerance);
    if (GradientCosine(jtj, gradient, cost) <= options.gradient_tolerance) {
      return finish(Status::kGradientTolerance);
    }
  }
  return finish(Status::kMaxIterations);
}

Covariance EstimateCovariance(const Eigen::VectorXd& residuals, const Eigen::MatrixXd& jacobian,
                              CovarianceScaling scaling) {
  const Eigen::Index k = jacobian.cols();
  const Eigen::Index n = jacobian.rows();
  PHYSR_CHECK(residuals.size() == n, "residuals and Jacobian rows must match");
  Covariance out;
  out.covariance = Eigen::MatrixXd::Constant(k, k, kNaN);
  out.correlation = Eigen::MatrixXd::Constant(k, k, kNaN);
  out.standard_errors = Eigen::VectorXd::Constant(k, kNaN);
  if (k == 0) return out;

  const Eigen::MatrixXd jtj = jacobian.transpose() * jacobian;
  const Eigen::VectorXd norms = jtj.diagonal().cwiseSqrt();
  if (!jtj.allFinite() || !(norms.minCoeff() > 0.0)) {
    out.singular = true;
    return out;
  }
  // Scale the columns to unit norm so the condition test does not depend on units.
  const Eigen::VectorXd inv_norms = norms.cwiseInverse();
  const Eigen::MatrixXd scaled = inv_norms.asDiagonal() * jtj * inv_norms.asDiagonal();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(scaled);
  const Eigen::VectorXd& values = eigen.eigenvalues();  // ascending
  if (eigen.info() != Eigen::Success || !(values(0) > values(k - 1) / kMaxCondition)) {
    out.singular = true;
    return out;
  }
  const Eigen::MatrixXd& vectors = eigen.eigenvectors();
  const Eigen::MatrixXd scaled_inverse =
      vectors * values.cwiseInverse().asDiagonal() * vectors.transpose();
  double variance = 1.0;
  if (scaling == CovarianceScaling::kResidualVariance) {
    variance = n > k ? residuals.squaredNorm() / static_cast<double>(n - k) : kNaN;
  }
  out.covariance = variance * (inv_norms.asDiagonal() * scaled_inverse * inv_norms.asDiagonal());
  out.standard_errors = out.covariance.diagonal().cwiseSqrt();
  const Eigen::VectorXd inv_se = out.standard_errors.cwiseInverse();
  out.correlation = inv_se.asDiagonal() * out.covariance * inv_se.asDiagonal();
  return out;
}

}  // namespace physr
