// Goodness-of-fit figures of a prediction against a weighted target: RMSE, NRMSE and R², and
// the convention for a constant target. The constant fitter reports them for its optimum and
// the command-line tool for any formula, with the same arithmetic.
// Not here: fitting (constant_fitter.hpp) or printing (cli/).
#pragma once

#include <span>

namespace physr {

// With weights w (all 1 when none) and residuals r_i = f_i − y_i:
struct FitMetrics {
  double rmse = 0.0;   // sqrt(Σ w r² / Σ w), in the target's units
  double nrmse = 0.0;  // rmse / std_w(y), std_w the weighted population standard deviation;
                       // for constant y: 0 if rmse = 0, else +inf
  double r2 = 0.0;  // 1 − Σ w r² / Σ w (y − ȳ_w)²; for constant y: 1 if rmse = 0, else −inf
};

// The weighted statistics of the target that the figures are relative to.
struct TargetStats {
  double sum_weights = 0.0;        // Σ w
  double total_sum_squares = 0.0;  // Σ w (y − ȳ_w)², ȳ_w = Σ w y / Σ w
};

// `weights`: empty (all 1) or one per value of y. Two passes, O(rows).
TargetStats ComputeTargetStats(std::span<const double> y, std::span<const double> weights);

// The figures for a weighted residual sum of squares `cost` = Σ w r² (≥ 0):
// rmse = sqrt(cost / Σw), nrmse = sqrt(cost / SS_tot), r2 = 1 − cost / SS_tot, with the
// constant-target convention when SS_tot = 0. A cost of +inf gives rmse = nrmse = +inf and
// r2 = −inf.
FitMetrics MetricsFromCost(double cost, const TargetStats& stats);

// The nrmse of MetricsFromCost alone, and +inf for a non-finite cost.
double NrmseFromCost(double cost, const TargetStats& stats);

// The figures of `prediction` against `y` (same length), weighted by `weights` (empty, or the
// same length, ≥ 0 with a positive sum): ComputeTargetStats, then MetricsFromCost of
// Σ w (y − f)². Three passes, O(rows).
FitMetrics ComputeMetrics(std::span<const double> y, std::span<const double> prediction,
                          std::span<const double> weights);

}  // namespace physr
