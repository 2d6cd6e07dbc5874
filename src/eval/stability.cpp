#include "physr/eval/stability.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "physr/data/statistics.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"

namespace physr {

bool NumericallyStable(const Program& program, const Library& library, const Dataset& data,
                       Eigen::Index max_rows) {
  constexpr double kTolerance = 1e-6;
  const Eigen::Index n = data.rows();
  if (n == 0) return true;
  const Eigen::Index kMaxRows = std::max<Eigen::Index>(1, max_rows);  // evenly spaced beyond
  const CompiledProgram compiled = Compile(program, library);
  const double spread = Spread(data.y);
  const double scale = spread > 0.0 && std::isfinite(spread)
                           ? spread
                           : std::max(data.y.cwiseAbs().maxCoeff(), 1e-300);
  const Eigen::Index step = (n + kMaxRows - 1) / kMaxRows;
  std::vector<double> row(static_cast<std::size_t>(data.num_variables()));
  double sum_squares = 0.0;
  Eigen::Index checked = 0;
  for (Eigen::Index i = 0; i < n; i += step) {
    for (Eigen::Index j = 0; j < data.X.cols(); ++j) {
      row[static_cast<std::size_t>(j)] = data.X(i, j);
    }
    const double value = EvaluateScalar(compiled, row, program.constants);
    const long double extended = EvaluateScalarExtended(compiled, row, program.constants);
    if (!std::isfinite(value) || !std::isfinite(extended)) return false;
    const double change = static_cast<double>((extended - value) / scale);
    sum_squares += change * change;
    ++checked;
  }
  return std::sqrt(sum_squares / static_cast<double>(checked)) <= kTolerance;
}

}  // namespace physr
