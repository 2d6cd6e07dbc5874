// Nonlinear least squares for a few parameters: the residual/Jacobian interface a solver sees
// (LeastSquaresProblem), Levenberg–Marquardt on it, and the parameter covariance at a minimum.
// The solver never sees programs or data; fit/program_problem.hpp adapts a compiled program.
// Not for large or sparse problems: the normal equations are k×k and solved densely.
#pragma once

#include <string_view>

#include <Eigen/Core>

namespace physr {

// Residuals r(p) ∈ ℝⁿ of k parameters p, minimised in the sense Σ r_i². Implementations are
// used by one thread at a time (the solver calls Evaluate sequentially).
class LeastSquaresProblem {
 public:
  virtual ~LeastSquaresProblem() = default;
  virtual int num_parameters() const = 0;  // k ≥ 0
  virtual int num_residuals() const = 0;   // n ≥ 1
  // parameters: k values. residuals: pre-sized to n by the caller. jacobian: null, or a
  // pre-sized n×k column-major matrix to receive J(i, j) = ∂r_i/∂p_j. Returns true iff every
  // residual (and every Jacobian entry, when requested) is finite; on false the outputs may
  // hold anything. Must not throw for numerical trouble.
  virtual bool Evaluate(const Eigen::VectorXd& parameters, Eigen::VectorXd& residuals,
                        Eigen::MatrixXd* jacobian) = 0;
  // The normal equations of the linearised problem at a point: jtj = JᵀJ (k×k, pre-sized) and
  // gradient = Jᵀr (k, pre-sized), from the Jacobian and residuals Evaluate wrote there. The
  // default forms them densely, O(n·k²); a problem whose Jacobian has known zero blocks
  // (fit/class_fitter.hpp) overrides it to skip them. Must give the same matrix up to rounding.
  virtual void NormalEquations(const Eigen::MatrixXd& jacobian, const Eigen::VectorXd& residuals,
                               Eigen::MatrixXd& jtj, Eigen::VectorXd& gradient) const;
};

struct LevenbergMarquardtOptions {
  int max_iterations = 30;  // linear solves, accepted or rejected; ≥ 0
  // Stop when an accepted step lowers Σr² by less than this fraction of it.
  double function_tolerance = 1e-10;
  // Stop when an accepted step has ‖δ‖₂ ≤ parameter_tolerance · (‖p‖₂ + parameter_tolerance).
  double parameter_tolerance = 1e-10;
  // Stop when max_j |J_jᵀr| / (‖J_j‖·‖r‖) ≤ gradient_tolerance (MINPACK's scale-free test:
  // the cosine between the residual and every Jacobian column).
  double gradient_tolerance = 1e-10;
  // Stop when Σr² ≤ exact_fit_tolerance² · (the Σr² at the start, floored at 1e-300): a
  // zero-residual problem solved to rounding.
  double exact_fit_tolerance = 1e-14;
  double initial_damping = 1e-3;  // λ₀, relative to the scaled diagonal of JᵀJ
};

enum class LevenbergMarquardtStatus {
  kNoParameters,        // k = 0: residuals evaluated once
  kExactFit,            // Σr² reached the exact-fit tolerance
  kFunctionTolerance,   // converged: relative cost decrease
  kParameterTolerance,  // converged: relative step size
  kGradientTolerance,   // converged: gradient orthogonal to the residual
  kMaxIterations,       // iteration budget spent; the best point so far is returned
  kNoProgress,          // damping grew past any useful value: no descent step found
  kNonFiniteStart,      // the start point gives non-finite residuals or Jacobian
};

std::string_view ToString(LevenbergMarquardtStatus status);
// True for the statuses that mean "a minimum was reached" (exact fit, the three tolerances,
// and kNoParameters).
bool IsConverged(LevenbergMarquardtStatus status);

struct LevenbergMarquardtSummary {
  LevenbergMarquardtStatus status = LevenbergMarquardtStatus::kNonFiniteStart;
  int iterations = 0;            // linear solves
  int residual_evaluations = 0;  // Evaluate calls, with or without Jacobian
  int jacobian_evaluations = 0;  // Evaluate calls with a Jacobian
  double initial_cost = 0.0;     // Σr² at the start (inf when non-finite)
  double cost = 0.0;             // Σr² at the returned parameters (inf when non-finite)
  // At the returned parameters (when finite): residuals (n) and Jacobian (n×k), which
  // Covariance() needs; empty when the start was non-finite.
  Eigen::VectorXd residuals;
  Eigen::MatrixXd jacobian;
};

// Minimises Σ r_i(p)² from `parameters` (k values, overwritten with the best point found).
// Method: Levenberg–Marquardt with Moré's scaling — solve (JᵀJ + λ·D) δ = −Jᵀr by LDLT, where
// D is the running maximum of diag(JᵀJ) (floored at 1e-12 of its largest entry), and update λ
// by the gain ratio ρ (actual / predicted decrease) as Nielsen: on success λ ← λ·max(⅓,
// 1−(2ρ−1)³), ν ← 2; on failure (ρ ≤ 0, or non-finite trial residuals) λ ← λ·ν, ν ← 2ν. Each
// trial point is evaluated with its Jacobian, so an accepted step costs one evaluation.
// Never throws for numerical failure; the outcome is in the summary. Deterministic.
// Cost: per iteration one Evaluate with Jacobian plus O(n·k² + k³).
LevenbergMarquardtSummary SolveLevenbergMarquardt(LeastSquaresProblem& problem,
                                                  Eigen::VectorXd& parameters,
                                                  const LevenbergMarquardtOptions& options = {});

enum class CovarianceScaling {
  // cov = s²·(JᵀJ)⁻¹ with s² = Σr²/(n−k): the residual scatter sets the noise level (ordinary
  // least squares, or weights known only up to a common factor). NaN when n ≤ k.
  kResidualVariance,
  // cov = (JᵀJ)⁻¹ = (JᵀWJ)⁻¹ for the unweighted Jacobian: the weights are exactly 1/σ_i², so
  // the noise level is known and not re-estimated from the residuals.
  kNone,
};

struct Covariance {
  Eigen::MatrixXd covariance;       // k×k; all NaN when JᵀJ is singular (or k = 0: empty)
  Eigen::VectorXd standard_errors;  // k: sqrt of the diagonal; NaN where not estimable
  Eigen::MatrixXd correlation;      // k×k: cov_ij / (se_i·se_j); NaN when not estimable
  bool singular = false;            // JᵀJ was numerically singular (condition > 1e14 after
                                    // scaling its columns to unit norm)
};

// The parameter covariance at a least-squares minimum, from the residuals r (n) and Jacobian J
// (n×k) there. Singular JᵀJ gives NaN, never a crash or an exception. Cost: O(n·k² + k³).
Covariance EstimateCovariance(const Eigen::VectorXd& residuals, const Eigen::MatrixXd& jacobian,
                              CovarianceScaling scaling = CovarianceScaling::kResidualVariance);

}  // namespace physr
