// Evaluates compiled programs over data: row tiles of vectorised Eigen arrays, values and,
// on request, the exact Jacobian with respect to the free constants (forward mode).
// Non-finite results are reported, never trapped. Not here: fitting (fit/).
#pragma once

#include <span>
#include <vector>

#include <Eigen/Core>

#include "physr/eval/compiled_program.hpp"

namespace physr {

using ConstMatrixRef = Eigen::Ref<const Eigen::MatrixXd>;

// Holds the per-tile scratch buffers. Not thread-safe: use one Evaluator per thread
// (construction is cheap; buffers grow on first use and are then reused).
class Evaluator {
 public:
  // Rows per tile: values of one instruction over one tile stay in L1.
  static constexpr Eigen::Index kTileRows = 256;

  // out[i] = program(X.row(i), constants) for every row i. X: rows = samples, columns =
  // variables (column j is variable index j). constants: free-constant values by slot
  // (Program::constants). out.size() == X.rows(). Returns true iff every out[i] is finite.
  // Cost: ~code.size() × rows node evaluations.
  bool Evaluate(const CompiledProgram& program, const ConstMatrixRef& X,
                std::span<const double> constants, std::span<double> out);

  // As Evaluate, and jacobian(i, k) = ∂out[i]/∂constants[program.free_slots[k]].
  // jacobian must be rows × program.num_free(). Returns true iff every value and
  // derivative is finite. Cost: ~(1 + num_free) × the cost of Evaluate.
  bool EvaluateWithJacobian(const CompiledProgram& program, const ConstMatrixRef& X,
                            std::span<const double> constants, std::span<double> out,
                            Eigen::Ref<Eigen::MatrixXd> jacobian);

 private:
  std::vector<double> stack_;     // max_stack × kTileRows values
  std::vector<double> dstack_;    // max_stack × kTileRows × num_free derivatives
};

// One row at a time with plain scalar code: the reference the vectorised evaluator is tested
// against. Slow; for tests and debugging.
double EvaluateScalar(const CompiledProgram& program, std::span<const double> row,
                      std::span<const double> constants);

}  // namespace physr
