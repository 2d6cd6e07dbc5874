// Statistics of a Dataset that fitting and the search rely on: the target's spread, the rows
// weighted losses are worth, the NRMSE at which a formula counts as exact, a check that the
// target's scale suits double-precision statistics, and a seeded subset of rows.
// Not here: goodness of fit of a prediction (fit/metrics.hpp).
#pragma once

#include <cstdint>

#include <Eigen/Core>

#include "physr/data/dataset.hpp"

namespace physr {

// The standard deviation of `values` (about their mean, over n), scaled by the largest
// deviation so that it neither underflows nor overflows; 0 for constant or empty values, NaN
// for non-finite ones. O(n).
double Spread(const Eigen::VectorXd& values);

// How many rows the weighted losses are worth for model selection: (Σw)²/Σw², which is the row
// count when all weights are equal. Computed on w / max(w), which neither overflows nor
// underflows to 0. Without weights, or when the largest weight is not positive and finite:
// the row count. O(rows).
double EffectiveRows(const Dataset& data);

// The NRMSE at or below which a formula counts as exact on `data` when the search
// configuration sets none: 100 times the error that rounding the target to the digits it
// carries leaves (each value's shortest round-trip decimal form, rms over rows, over the
// target's standard deviation), clamped to [1e-9, 1e-6]. Data written to full double
// precision get 1e-9, so a close approximation (NRMSE 1e-7) does not end the search; data
// written to 6 or fewer digits get 1e-6. A constant target gets 1e-6. O(rows).
double ExactThreshold(const Dataset& data);
// The same threshold for `reduced`, a dataset derived row by row from `data` whose target is
// data.y divided by a known factor (the search over dimensionless groups: y / monomial, with
// its weights): each row's rounding error is data.y's, scaled by reduced.y / data.y, and the
// NRMSE is `reduced`'s own (weighted). Same clamp. O(rows).
double ExactThreshold(const Dataset& data, const Dataset& reduced);

// The goodness of fit is relative to the target's spread Σ(y − ȳ)²; where that overflows or
// underflows a double, no formula could be ranked. Throws InputError saying so (and to
// rescale the target) unless the spread is finite and positive, or the target is constant.
// `data` needs at least one row. O(rows).
void CheckTargetScale(const Dataset& data);

// The rows a search trains on: all of `data` when max_rows ≤ 0 or it has at most max_rows
// rows; otherwise max_rows rows drawn without replacement from Rng(seed, 0x5EA4C4) (a partial
// Fisher–Yates shuffle of the row indices), kept in file order, with their weights. Names and
// dimensions are copied. O(rows).
Dataset SearchRows(const Dataset& data, Eigen::Index max_rows, std::uint64_t seed);

}  // namespace physr
