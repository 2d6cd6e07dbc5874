// Symmetries of the target in pairs of inputs, read from the data: the target depends on two
// columns a and b only through a − b (columns of one dimension: θ1 − θ2 in cos(θ1 − θ2), T2 − T1
// in a heat flow), or through a·b or a/b (two dimensionless columns: n·α). Such a pair is
// replaced by one column before the dimensionless groups are formed (grouped_search.cpp), so
// that the search over the groups has a variable less. The test is AI Feynman's, with a local
// linear regression on nearest neighbours in place of its neural network.
// Not here: the groups themselves (groups.hpp), features added beside the columns (features.hpp).
#pragma once

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "physr/data/dataset.hpp"

namespace physr {

// One pair merged: the columns `first` and `second` (names in the data given) replaced by
// the column `text`, "(theta1 - theta2)", "(n*alpha)" or "(a/b)".
struct InputMerge {
  std::string first;
  std::string second;
  char op = '-';     // '-', '*' or '/'
  std::string text;  // the merged column's formula, parenthesised
  double ratio = 1;  // the neighbour error with the pair merged over that with both columns
};

struct MergedInputs {
  Dataset data;                    // the columns after the merges (target and weights as given)
  std::vector<InputMerge> merges;  // in the order made
};

// A merge is made when the target's neighbour error over the merged columns is below this
// share of its error over the columns before it.
inline constexpr double kMergeRatio = 0.85;
// The automatic mode tests data of at most this many columns: with more, the neighbours are
// too far apart for the test to tell a lost variable from a dimension gained (measured:
// sqrt(x^2 + y^2) among six columns passed as x/y).
inline constexpr int kMergeAutoColumns = 5;

// The target's error of prediction from its neighbours over `features` (rows × columns,
// each column already scaled): for each of the query rows (`queries`, row indices), a
// linear function fitted by least squares to the k = max(2·columns + 2, 6) nearest other rows
// (Euclidean, ties by row index) predicts y there; the result is the median of |error|.
double NeighbourError(const Eigen::MatrixXd& features, const Eigen::VectorXd& y,
                      const std::vector<Eigen::Index>& queries);

// The data with its symmetric pairs merged, greedily: at each step every pair is tested (a
// difference for two columns of one dimension; a product and a quotient for two dimensionless
// columns; for two columns of one dimension that is not 1 the quotient too, which the groups
// form anyway, so a pair best explained by its quotient is left alone), the pair whose merge
// lowers the neighbour error most is merged when the error falls below kMergeRatio of that
// before, and the test is repeated on the new columns. Columns are scaled to their ranks; at
// most 1000 rows (evenly spaced) are neighbours and 300 of them queries. Data with more than
// `max_columns` columns, or fewer than 50 rows, is returned as given. Deterministic.
MergedInputs MergeSymmetricInputs(const Dataset& data, int max_columns = kMergeAutoColumns);

}  // namespace physr
