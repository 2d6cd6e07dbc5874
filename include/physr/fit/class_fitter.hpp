// Fitting one program to a class of datasets (data/class_dataset.hpp): class constants take one
// value for all datasets, specific constants one value per dataset, fitted jointly by
// Levenberg–Marquardt on the stacked residuals of every dataset, with standard errors for
// every constant and the figures of each dataset. Exploits the block structure: dataset k's
// rows depend only on the class constants and its own specific constants, so each dataset is
// evaluated with the Jacobian of its c + s constants only (in parallel over datasets when
// asked), and the normal equations are assembled block by block (docs/algorithms.md).
// Not for a single dataset (constant_fitter.hpp) nor for caching (batch_fitter.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "physr/data/class_dataset.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"
#include "physr/fit/constant_fitter.hpp"
#include "physr/fit/least_squares.hpp"
#include "physr/fit/metrics.hpp"

namespace physr {

// Which free constants of a library are specific (one value per dataset); the others are
// class constants (one value for the class). specific[slot] for the free-constant slots
// (Token::index); a slot beyond the vector is a class constant.
struct ClassConstantRoles {
  std::vector<bool> specific;

  bool IsSpecific(int slot) const {
    return slot >= 0 && static_cast<std::size_t>(slot) < specific.size() &&
           specific[static_cast<std::size_t>(slot)];
  }
};

struct ClassFitOptions {
  // Solver, restarts (each draws every joint parameter as FitOptions says), seed and
  // uncertainties, as for one dataset.
  FitOptions fit;
  // Evaluate the datasets of one fit in parallel (oneTBB) when the caller gives one evaluator
  // per dataset. The result is the same bit for bit either way.
  bool parallel_datasets = true;
};

// One dataset's share of a class fit.
struct DatasetFit {
  // All free-constant slots: class slots hold the shared values, specific slots this
  // dataset's, unfitted slots their start values.
  std::vector<double> constants;
  std::vector<double> standard_errors;  // by slot, like constants; NaN where not estimable
  // The figures of FitResult on this dataset's rows (weights applied).
  bool finite = false;
  double cost = 0.0;
  double rmse = 0.0;
  double nrmse = 0.0;
  double r2 = 0.0;
};

struct ClassFitResult {
  std::vector<int> class_slots;      // the program's free slots that are class constants
  std::vector<int> specific_slots;   // the program's free slots that are specific
  std::vector<DatasetFit> datasets;  // one per dataset of the class, in its order
  // Joint parameters: class_slots, then dataset 0's specific_slots, dataset 1's, ...
  Eigen::MatrixXd correlation;  // NaN when not estimable
  bool covariance_singular = false;

  LevenbergMarquardtStatus status = LevenbergMarquardtStatus::kNonFiniteStart;
  bool converged = false;
  int starts = 0;
  int iterations = 0;
  int residual_evaluations = 0;
  int jacobian_evaluations = 0;
  bool finite = false;  // every dataset's prediction finite
  double cost = 0.0;    // Σ over datasets of Σ w r² (+inf when not finite)
  // The class reward: the mean over datasets of 1/(1 + NRMSE_k) (0 for a non-finite dataset).
  double reward = 0.0;
  // The largest per-dataset NRMSE (+inf when not finite): an exact class law has every
  // dataset exact.
  double worst_nrmse = 0.0;
};

// The stacked least-squares problem of a program over a class: residuals of dataset 0's rows,
// then dataset 1's, ..., each r_i = sqrt(w_i)·(f(x_i; class, specific_k) − y_i); parameters in
// the order of ClassFitResult's correlation. Public for tests and for callers that drive the
// solver themselves. Not thread-safe; Evaluate runs the datasets in parallel when built so.
class ClassLeastSquares final : public LeastSquaresProblem {
 public:
  // program, roles, data and evaluators are borrowed and must outlive this object. start:
  // start values by slot (a slot beyond it, or not finite, starts at 1.0), the same start for
  // every dataset's specific constants. evaluators: ≥ 1; with one per dataset and `parallel`,
  // datasets are evaluated concurrently, each with its own evaluator; else evaluators[0] serves
  // all of them in order.
  ClassLeastSquares(const CompiledProgram& program, const ClassConstantRoles& roles,
                    const ClassDataset& data, std::span<const double> start,
                    std::span<Evaluator> evaluators, bool parallel);

  int num_parameters() const override;
  int num_residuals() const override;
  // Per dataset: one EvaluateWithJacobian over its rows for its c + s constants, scattered
  // into the stacked Jacobian (zero outside the dataset's class and own columns).
  bool Evaluate(const Eigen::VectorXd& parameters, Eigen::VectorXd& residuals,
                Eigen::MatrixXd* jacobian) override;
  // Block assembly: the class–class block summed over datasets, each dataset's class–specific
  // and specific–specific blocks from its own rows. Cost O(Σ_k n_k·(c + s)²) instead of the
  // dense O(N·(c + K·s)²).
  void NormalEquations(const Eigen::MatrixXd& jacobian, const Eigen::VectorXd& residuals,
                       Eigen::MatrixXd& jtj, Eigen::VectorXd& gradient) const override;

  int num_class() const { return static_cast<int>(class_columns_.size()); }
  int num_specific() const { return static_cast<int>(specific_columns_.size()); }
  Eigen::Index row_offset(int dataset) const { return offsets_[static_cast<std::size_t>(dataset)]; }
  // The joint start parameters.
  Eigen::VectorXd StartParameters() const;
  // Every slot's value for `dataset` at the joint parameters.
  std::vector<double> SlotValues(const Eigen::VectorXd& parameters, int dataset) const;

 private:
  bool EvaluateDataset(int k, const Eigen::VectorXd& parameters, Eigen::VectorXd& residuals,
                       Eigen::MatrixXd* jacobian, Evaluator& evaluator);

  const CompiledProgram* program_;
  const ClassDataset* data_;
  std::span<Evaluator> evaluators_;
  bool parallel_;
  std::vector<int> class_columns_;     // positions in program.free_slots
  std::vector<int> specific_columns_;  // positions in program.free_slots
  std::vector<double> start_;
  std::vector<Eigen::Index> offsets_;            // first row of each dataset; K + 1 entries
  std::vector<std::vector<double>> slots_;       // per dataset: slot values
  std::vector<Eigen::MatrixXd> local_jacobian_;  // per dataset: n_k × (c + s)
  std::vector<Eigen::VectorXd> sqrt_weights_;    // per dataset; empty when unweighted
};

// The per-dataset target statistics a class fit needs (ComputeTargetStats of each member).
std::vector<TargetStats> ComputeClassTargetStats(const ClassDataset& data);

// Fits `program`'s free constants to the class: LM on ClassLeastSquares from `start` and the
// restarts, the lowest joint cost kept; then each dataset's figures and, when asked, the joint
// covariance (EstimateCovariance of the stacked Jacobian; kResidualVariance uses the pooled
// residual variance Σ cost / (N − P)). stats: ComputeClassTargetStats(data). evaluators as
// ClassLeastSquares. Numerical failure is reported in the result, never thrown.
// Cost: per LM iteration one evaluation of every dataset with its c + s derivative columns,
// plus O(Σ n_k (c + s)² + P³) with P = c + K·s.
ClassFitResult FitClassConstants(const CompiledProgram& program, const ClassConstantRoles& roles,
                                 std::span<const double> start, const ClassDataset& data,
                                 std::span<const TargetStats> stats,
                                 std::span<Evaluator> evaluators,
                                 const ClassFitOptions& options = {});

// Convenience: compiles over `library`, starts from program.constants (the library's defaults
// when empty), mixes HashTokens(program.tokens) into the seed, one evaluator per dataset.
ClassFitResult FitClassConstants(const Program& program, const Library& library,
                                 const ClassConstantRoles& roles, const ClassDataset& data,
                                 const ClassFitOptions& options = {});

// Fits every program (complete programs over `library`) in parallel over programs (oneTBB),
// the datasets of each fit in turn; results[i] is the fit of programs[i], bit-identical
// whatever the thread count. Seeds as the convenience overload.
std::vector<ClassFitResult> FitClassBatch(std::span<const Program> programs, const Library& library,
                                          const ClassConstantRoles& roles, const ClassDataset& data,
                                          const ClassFitOptions& options = {});

}  // namespace physr
