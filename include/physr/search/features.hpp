// Features: derived input columns that physical laws build from inputs sharing one unit —
// the squared norm x^2 + y^2 + z^2 of components, the difference of squares c^2 - v^2 of two
// speeds, the squared distance (x1 - x2)^2 + (y1 - y2)^2 of coordinates paired up. With
// SearchConfig::features on, the search over the data as given gets them as extra columns,
// each one token, and its formulas are written back in the data's variables (search.cpp).
// Not here: the search itself (engine.hpp).
#pragma once

#include <string>
#include <vector>

#include "physr/data/dataset.hpp"

namespace physr {

struct Feature {
  enum class Kind { kSumOfSquares, kDifferenceOfSquares, kSquaredDistance };
  Kind kind = Kind::kSumOfSquares;
  // kSumOfSquares: the columns; kDifferenceOfSquares: the column squared first, then the one
  // subtracted; kSquaredDistance: pairs (a, b) of columns, flattened: a0, b0, a1, b1, ...
  std::vector<int> columns;
  std::string name;     // its column's identifier in the data with features: F1, F2, ...
  std::string text;     // the formula over the data's columns: "x^2 + y^2"
  Dimension dimension;  // the columns' dimension squared
};

// At most this many features are made for one dataset.
inline constexpr int kMaxFeatures = 16;

// The features of `data`. For each set of two or more input columns sharing one dimension
// (not dimensionless), in column order: their sum of squares; for two, the difference of
// squares, oriented so that its median over the rows is not negative; for four or six, the
// sum of squared differences of each way to pair them up (3 or 15). Sets in the order of
// their first column; at most kMaxFeatures in all. Names F1, F2, ... skip those in `taken`.
std::vector<Feature> FindFeatures(const Dataset& data, const std::vector<std::string>& taken);

// The feature's value at row r of `data`.
double FeatureValue(const Feature& feature, const Dataset& data, Eigen::Index r);

// `data` with one more column per feature, after its own (names, dimensions, values; a
// converted column's feature is in SI like the column). Throws InputError naming the row
// where a feature is not finite.
Dataset AddFeatures(const Dataset& data, const std::vector<Feature>& features);

}  // namespace physr
