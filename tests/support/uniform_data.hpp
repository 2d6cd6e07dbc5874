// Test helper: a dataset of columns drawn uniformly in their ranges, with units, and a target
// computed from each row by a law. Deterministic for a seed. Test code only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "physr/core/rng.hpp"
#include "physr/data/dataset.hpp"
#include "physr/units/unit_parser.hpp"

namespace physr::testing {

struct UniformColumn {
  std::string name;
  std::string unit;
  double lo = 1.0;
  double hi = 2.0;
};

// `rows` rows of the `inputs`, uniform in their ranges, and the target law(row) named `target`
// with the unit `target_unit`.
inline Dataset UniformData(const std::vector<UniformColumn>& inputs, const std::string& target,
                           const std::string& target_unit,
                           const std::function<double(const Eigen::VectorXd&)>& law, int rows = 200,
                           std::uint64_t seed = 1) {
  Dataset d;
  Rng rng(seed);
  d.X.resize(rows, static_cast<Eigen::Index>(inputs.size()));
  for (const UniformColumn& c : inputs) {
    d.names.push_back(c.name);
    d.dimensions.push_back(units::ParseUnit(c.unit));
  }
  d.target_name = target;
  d.target_dimension = units::ParseUnit(target_unit);
  d.y.resize(rows);
  for (int r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < d.X.cols(); ++c) {
      const UniformColumn& col = inputs[static_cast<std::size_t>(c)];
      d.X(r, c) = rng.Uniform(col.lo, col.hi);
    }
    d.y(r) = law(d.X.row(r).transpose());
  }
  return d;
}

}  // namespace physr::testing
