// Dataset: the measurements one search or evaluation works on. Input columns and the target
// as float64 with a dimension each, optional per-row weights. Column-major, so a column is
// contiguous and an F-ordered numpy array can be viewed without a copy.
// Not for reading files (csv.hpp builds Datasets from CSV) nor for statistics or subsets of
// rows (statistics.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "physr/units/dimension.hpp"

namespace physr {

using units::Dimension;

// The unit a column had in its source (a CSV header, --units) and the factor that converted
// its values to coherent SI: "km/h" and 1/3.6. An empty text means the source gave the
// values in coherent SI (or without a unit).
struct SourceUnit {
  std::string text;
  double scale = 1.0;

  bool converted() const { return scale != 1.0; }
};

struct Dataset {
  std::vector<std::string> names;     // input variable names, one per column of X
  std::vector<Dimension> dimensions;  // one per column of X
  Eigen::MatrixXd X;                  // rows = samples, columns = input variables
  std::string target_name;
  Dimension target_dimension;
  Eigen::VectorXd y;  // one per row
  // Per-row weights w_i of the weighted least squares sum w_i r_i^2 (1/σ_i² when errors were
  // given). Empty means all ones.
  Eigen::VectorXd weights;
  // Where the values were converted to coherent SI on input: one per column of X (or empty,
  // for datasets built in code, whose values are SI), and the target's. X and y hold SI values.
  std::vector<SourceUnit> source_units;
  SourceUnit target_source_unit;

  Eigen::Index rows() const { return X.rows(); }
  int num_variables() const { return static_cast<int>(X.cols()); }
  // The target as reports name it: "E [kg*m^2/s^2]".
  std::string TargetLabel() const;
  // Index of the input column called `name` (exact, case-sensitive match), or nullopt.
  // O(number of variables).
  std::optional<int> FindVariable(const std::string& name) const;
};

// One line per converted column, inputs first, e.g.
//   "converted v from km/h to m/s (x 0.277777777777778)"
// Empty when every column was in coherent SI.
std::vector<std::string> DescribeConversions(const Dataset& data);

}  // namespace physr
