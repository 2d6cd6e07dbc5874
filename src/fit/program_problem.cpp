#include "physr/fit/program_problem.hpp"

#include <algorithm>

#include "physr/core/error.hpp"

namespace physr {

ProgramLeastSquares::ProgramLeastSquares(const CompiledProgram& program, const ConstMatrixRef& X,
                                         std::span<const double> y, std::span<const double> weights,
                                         std::span<const double> constants, Evaluator& evaluator)
    : program_(&program),
      x_(X.data(), X.rows(), X.cols(), Eigen::OuterStride<>(X.outerStride())),
      y_(y),
      constants_(constants.begin(), constants.end()),
      evaluator_(&evaluator) {
  PHYSR_CHECK(static_cast<Eigen::Index>(y.size()) == X.rows() && !y.empty(),
              "y must have one value per row of X, and X at least one row");
  PHYSR_CHECK(weights.empty() || weights.size() == y.size(),
              "weights must be empty or have one value per row");
  PHYSR_CHECK(X.cols() >= program.num_variables_used, "X lacks a column the program reads");
  if (!weights.empty()) {
    sqrt_weights_ =
        Eigen::Map<const Eigen::VectorXd>(weights.data(), static_cast<Eigen::Index>(weights.size()))
            .cwiseSqrt();
  }
  int max_slot = -1;
  for (int slot : program.free_slots) max_slot = std::max(max_slot, slot);
  if (static_cast<int>(constants_.size()) <= max_slot) {
    constants_.resize(static_cast<std::size_t>(max_slot) + 1, 1.0);
  }
}

Eigen::VectorXd ProgramLeastSquares::Parameters() const {
  Eigen::VectorXd p(program_->num_free());
  for (int j = 0; j < program_->num_free(); ++j) {
    p(j) = constants_[static_cast<std::size_t>(program_->free_slots[static_cast<std::size_t>(j)])];
  }
  return p;
}

void ProgramLeastSquares::SetParameters(const Eigen::VectorXd& parameters) {
  PHYSR_CHECK(parameters.size() == program_->num_free(), "one parameter per free slot");
  for (int j = 0; j < program_->num_free(); ++j) {
    constants_[static_cast<std::size_t>(program_->free_slots[static_cast<std::size_t>(j)])] =
        parameters(j);
  }
}

bool ProgramLeastSquares::Evaluate(const Eigen::VectorXd& parameters, Eigen::VectorXd& residuals,
                                   Eigen::MatrixXd* jacobian) {
  SetParameters(parameters);
  const std::span<double> out(residuals.data(), static_cast<std::size_t>(residuals.size()));
  const ConstMatrixRef x(x_);
  const bool ok = jacobian != nullptr
                      ? evaluator_->EvaluateWithJacobian(*program_, x, constants_, out, *jacobian)
                      : evaluator_->Evaluate(*program_, x, constants_, out);
  if (!ok) return false;
  const Eigen::Map<const Eigen::VectorXd> y(y_.data(), static_cast<Eigen::Index>(y_.size()));
  residuals -= y;
  if (sqrt_weights_.size() > 0) {
    residuals.array() *= sqrt_weights_.array();
    if (jacobian != nullptr) jacobian->array().colwise() *= sqrt_weights_.array();
  }
  // f and y finite does not make f − y finite (inf − inf aside, huge values overflow).
  return residuals.allFinite();
}

}  // namespace physr
