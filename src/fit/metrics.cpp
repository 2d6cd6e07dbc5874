#include "physr/fit/metrics.hpp"

#include <cmath>
#include <limits>

#include "physr/core/error.hpp"

namespace physr {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TargetStats ComputeTargetStats(std::span<const double> y, std::span<const double> weights) {
  PHYSR_CHECK(weights.empty() || weights.size() == y.size(), "weights and target differ in length");
  TargetStats stats;
  double sum_wy = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    stats.sum_weights += w;
    sum_wy += w * y[i];
  }
  const double mean = sum_wy / stats.sum_weights;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    stats.total_sum_squares += w * (y[i] - mean) * (y[i] - mean);
  }
  return stats;
}

FitMetrics MetricsFromCost(double cost, const TargetStats& stats) {
  FitMetrics m;
  m.rmse = std::sqrt(cost / stats.sum_weights);
  if (stats.total_sum_squares > 0.0) {
    m.nrmse = std::sqrt(cost / stats.total_sum_squares);
    m.r2 = 1.0 - cost / stats.total_sum_squares;
  } else {
    m.nrmse = cost == 0.0 ? 0.0 : kInf;
    m.r2 = cost == 0.0 ? 1.0 : -kInf;
  }
  return m;
}

double NrmseFromCost(double cost, const TargetStats& stats) {
  if (!std::isfinite(cost)) return kInf;
  if (stats.total_sum_squares > 0.0) return std::sqrt(cost / stats.total_sum_squares);
  return cost == 0.0 ? 0.0 : kInf;
}

FitMetrics ComputeMetrics(std::span<const double> y, std::span<const double> prediction,
                          std::span<const double> weights) {
  PHYSR_CHECK(prediction.size() == y.size(), "prediction and target differ in length");
  const TargetStats stats = ComputeTargetStats(y, weights);
  double cost = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    const double r = y[i] - prediction[i];
    cost += w * r * r;
  }
  return MetricsFromCost(cost, stats);
}

}  // namespace physr
