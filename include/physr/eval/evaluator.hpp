// Evaluates compiled programs over data: row tiles of vectorised Eigen arrays, values and,
// on request, the exact Jacobian with respect to the free constants (forward mode).
// Non-finite results are reported, never trapped. Not here: fitting (fit/), and parallelism:
// one evaluation runs on one thread; callers run many programs in parallel, one Evaluator each.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "physr/eval/compiled_program.hpp"

namespace physr {

using ConstMatrixRef = Eigen::Ref<const Eigen::MatrixXd>;

namespace detail {
// One stack entry of the tiled evaluator: a tile of values (a data-column slice or a scratch
// buffer) or, for subtrees without variables, one scalar that stands for the whole tile.
struct TileOperand {
  const double* data = nullptr;  // nullptr: the value is `scalar` on every row
  double scalar = 0.0;
};
}  // namespace detail

// Holds the per-tile scratch buffers. Not thread-safe: use one Evaluator per thread.
// Construction is cheap (no allocation); buffers grow on first use and are then reused, so
// evaluating many programs with one Evaluator allocates only when a larger program comes.
class Evaluator {
 public:
  // Rows per tile: one tile of every stack level (and of every derivative) stays in L1/L2.
  static constexpr Eigen::Index kTileRows = 256;

  // out[i] = program(X.row(i), constants) for every row i.
  // X: rows = samples, columns = variables (column j is the variable with index j); needs
  // X.cols() ≥ program.num_variables_used. X is read in place: variables are read straight
  // from their column, never copied (a row-major or otherwise incompatible matrix is copied
  // by Eigen::Ref before the call; pass column-major data). constants: free-constant values
  // by slot (Program::constants), size ≥ program.num_constant_slots. out.size() == X.rows(),
  // must not overlap X. Shapes are PHYSR_CHECKed.
  // Returns true iff every out[i] is finite; non-finite values (NaN, ±inf) are written, not
  // trapped. Cost: ≈ program.size() × rows node evaluations; variables and constants cost
  // nothing per row, subtrees without variables are computed once per tile.
  bool Evaluate(const CompiledProgram& program, const ConstMatrixRef& X,
                std::span<const double> constants, std::span<double> out);

  // As Evaluate, and jacobian(i, k) = ∂out[i]/∂constants[program.free_slots[k]].
  // jacobian must be X.rows() × program.num_free() (0 columns for a program without free
  // constants). Returns true iff every value and every derivative is finite.
  // Cost: ≈ (1 + m) × the cost of Evaluate, where m counts, per instruction, the free
  // constants its subtree depends on; subtrees without free constants cost as in Evaluate.
  bool EvaluateWithJacobian(const CompiledProgram& program, const ConstMatrixRef& X,
                            std::span<const double> constants, std::span<double> out,
                            Eigen::Ref<Eigen::MatrixXd> jacobian);

 private:
  void CheckShapes(const CompiledProgram& program, const ConstMatrixRef& X,
                   std::span<const double> constants, std::span<double> out) const;

  std::vector<double> stack_;                  // (max_stack + 2) × kTileRows values
  std::vector<double*> value_tiles_;           // stack level → its value tile; then 2 scratch
  std::vector<detail::TileOperand> operands_;  // the value stack
  std::vector<double> dstack_;                 // max_stack × num_free × kTileRows derivatives
  std::vector<double> scalar_grads_;           // max_stack × num_free, for scalar operands
  std::vector<std::uint8_t> depends_;          // max_stack × num_free: level depends on column
};

// One row at a time with plain scalar code (a stack of doubles): the reference the vectorised
// evaluator is tested against. row: the row's variable values by column, size ≥
// program.num_variables_used; constants as in Evaluator::Evaluate. Slow; for tests and
// debugging. Thread-safe (allocates its own small stack).
double EvaluateScalar(const CompiledProgram& program, std::span<const double> row,
                      std::span<const double> constants);

// As EvaluateScalar, every operation in long double (64 significant bits on x86-64, 113 on
// AArch64 Linux; where long double is double this is EvaluateScalar). For telling values that
// rest on double rounding (NumericallyStable, stability.hpp) from values of the formula.
long double EvaluateScalarExtended(const CompiledProgram& program, std::span<const double> row,
                                   std::span<const double> constants);

}  // namespace physr
