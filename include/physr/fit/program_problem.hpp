// The adapter between a compiled program and the least-squares solver: residuals
// r_i = sqrt(w_i)·(f(x_i; c) − y_i) over the program's free constants, with the evaluator's
// exact Jacobian. Not for choosing start values or restarts (constant_fitter.hpp does that).
#pragma once

#include <span>
#include <vector>

#include <Eigen/Core>

#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/fit/least_squares.hpp"

namespace physr {

class ProgramLeastSquares final : public LeastSquaresProblem {
 public:
  // program, X, y, weights and evaluator are borrowed and must outlive this object; X must
  // stay unchanged while it is used. X: rows = samples, columns = variables (column j is
  // variable j), with at least program.num_variables_used columns. y: X.rows() values.
  // weights: empty (all 1) or X.rows() values ≥ 0. constants: values of all free-constant
  // slots (copied); the parameters are the slots program.free_slots, in that order; a slot
  // beyond constants.size() starts at 1.0. Not thread-safe (nor is the evaluator).
  ProgramLeastSquares(const CompiledProgram& program, const ConstMatrixRef& X,
                      std::span<const double> y, std::span<const double> weights,
                      std::span<const double> constants, Evaluator& evaluator);

  int num_parameters() const override { return program_->num_free(); }
  int num_residuals() const override { return static_cast<int>(y_.size()); }
  // Writes the parameters into the slot vector, evaluates, and forms residuals (and the
  // weighted Jacobian, rows scaled by sqrt(w_i)). Returns false if anything is non-finite.
  // Cost: one Evaluator call (with Jacobian: ~(1 + k)×) plus O(n·k).
  bool Evaluate(const Eigen::VectorXd& parameters, Eigen::VectorXd& residuals,
                Eigen::MatrixXd* jacobian) override;

  // The current values of the program's free slots, in parameter order.
  Eigen::VectorXd Parameters() const;
  // All slots, with the last evaluated parameters written into theirs.
  const std::vector<double>& constants() const { return constants_; }
  // Writes parameters into the slot vector without evaluating.
  void SetParameters(const Eigen::VectorXd& parameters);

 private:
  const CompiledProgram* program_;
  Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>> x_;
  std::span<const double> y_;
  Eigen::VectorXd sqrt_weights_;  // empty when unweighted
  std::vector<double> constants_;
  Evaluator* evaluator_;
};

}  // namespace physr
