#include "physr/data/statistics.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <numeric>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"

namespace physr {

double Spread(const Eigen::VectorXd& values) {
  if (values.size() == 0) return 0.0;
  const Eigen::ArrayXd deviation = values.array() - values.mean();
  const double largest = deviation.abs().maxCoeff();
  if (!std::isfinite(largest)) return std::numeric_limits<double>::quiet_NaN();
  if (largest == 0.0) return 0.0;
  return largest *
         std::sqrt((deviation / largest).square().sum() / static_cast<double>(values.size()));
}

double EffectiveRows(const Dataset& data) {
  const double largest = data.weights.size() > 0 ? data.weights.maxCoeff() : 0.0;
  if (!(largest > 0.0) || !std::isfinite(largest)) return static_cast<double>(data.rows());
  const Eigen::VectorXd w = data.weights / largest;
  return w.sum() * w.sum() / w.squaredNorm();
}

namespace {

constexpr double kLowestExact = 1e-9;
constexpr double kHighestExact = 1e-6;

// Half a unit in the last digit of v's shortest round-trip decimal form d.ddd…e±X (0 for 0 or
// a non-finite value): the rounding step of a value written with the digits it carries.
double RoundingHalfStep(double v) {
  if (v == 0.0 || !std::isfinite(v)) return 0.0;
  char text[64];
  const std::to_chars_result written =
      std::to_chars(std::begin(text), std::end(text), v, std::chars_format::scientific);
  const std::string_view s(text, static_cast<std::size_t>(written.ptr - text));
  const std::size_t e = s.find('e');
  int digits = 0;
  for (std::size_t k = 0; k < e; ++k)
    digits += std::isdigit(static_cast<unsigned char>(s[k])) != 0 ? 1 : 0;
  int exponent = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exponent);
  return 0.5 * std::pow(10.0, exponent - (digits - 1));
}

}  // namespace

double ExactThreshold(const Dataset& data) {
  const Eigen::Index n = data.y.size();
  const double spread = Spread(data.y);
  if (!(spread > 0.0) || !std::isfinite(spread)) return kHighestExact;
  // Each value's rounding error is uniform within ± its half step, rms step/√3; relative to
  // the spread before squaring, so that tiny or huge values neither underflow nor overflow.
  double sum_squares = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double half_step = RoundingHalfStep(data.y[i]) / spread;
    sum_squares += half_step * half_step / 3.0;
  }
  const double floor = std::sqrt(sum_squares / static_cast<double>(n));
  return std::clamp(100.0 * floor, kLowestExact, kHighestExact);
}

double ExactThreshold(const Dataset& data, const Dataset& reduced) {
  const Eigen::Index n = reduced.y.size();
  PHYSR_CHECK(data.y.size() == n, "a reduced dataset keeps every row");
  // Weights relative to the largest: those of a monomial's square span many decades.
  const double largest = reduced.weights.size() > 0 ? reduced.weights.maxCoeff() : 1.0;
  if (!(largest > 0.0) || !std::isfinite(largest)) return kHighestExact;
  const auto weight = [&](Eigen::Index i) {
    return reduced.weights.size() > 0 ? reduced.weights[i] / largest : 1.0;
  };
  double sum_weights = 0.0;
  double mean = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    sum_weights += weight(i);
    mean += weight(i) * reduced.y[i];
  }
  if (!(sum_weights > 0.0)) return kHighestExact;
  mean /= sum_weights;
  const double spread = Spread(reduced.y);  // a scale, so the sums neither underflow nor overflow
  if (!(spread > 0.0) || !std::isfinite(spread)) return kHighestExact;
  double noise = 0.0;
  double total = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double scale = data.y[i] != 0.0 ? std::fabs(reduced.y[i] / data.y[i]) : 0.0;
    const double error = RoundingHalfStep(data.y[i]) * scale / spread;
    const double deviation = (reduced.y[i] - mean) / spread;
    noise += weight(i) * error * error / 3.0;
    total += weight(i) * deviation * deviation;
  }
  if (!(total > 0.0) || !std::isfinite(noise)) return kHighestExact;
  return std::clamp(100.0 * std::sqrt(noise / total), kLowestExact, kHighestExact);
}

void CheckTargetScale(const Dataset& data) {
  const double mean = data.y.mean();
  const double spread = (data.y.array() - mean).square().sum();
  const bool varies = (data.y.array() != data.y(0)).any();
  if (std::isfinite(spread) && (spread > 0.0 || !varies)) return;
  std::ostringstream message;
  message << "the target '" << data.target_name << "' (largest |value| "
          << data.y.cwiseAbs().maxCoeff() << ") is out of range for double-precision fit "
          << "statistics: its spread " << (std::isfinite(spread) ? "underflows to 0" : "overflows")
          << "; rescale the target column (e.g. by a power of ten)";
  throw InputError(message.str());
}

Dataset SearchRows(const Dataset& data, Eigen::Index max_rows, std::uint64_t seed) {
  if (max_rows <= 0 || data.rows() <= max_rows) return data;
  Rng rng(seed, 0x5EA4C4);
  // Partial Fisher–Yates over row indices, then sorted so the subset keeps file order.
  std::vector<Eigen::Index> index(static_cast<std::size_t>(data.rows()));
  std::iota(index.begin(), index.end(), Eigen::Index{0});
  for (Eigen::Index i = 0; i < max_rows; ++i) {
    const auto j =
        i + static_cast<Eigen::Index>(rng.Below(static_cast<std::uint64_t>(data.rows() - i)));
    std::swap(index[static_cast<std::size_t>(i)], index[static_cast<std::size_t>(j)]);
  }
  index.resize(static_cast<std::size_t>(max_rows));
  std::sort(index.begin(), index.end());
  Dataset subset;
  subset.names = data.names;
  subset.dimensions = data.dimensions;
  subset.target_name = data.target_name;
  subset.target_dimension = data.target_dimension;
  subset.source_units = data.source_units;
  subset.target_source_unit = data.target_source_unit;
  subset.X.resize(max_rows, data.X.cols());
  subset.y.resize(max_rows);
  if (data.weights.size() > 0) subset.weights.resize(max_rows);
  for (Eigen::Index r = 0; r < max_rows; ++r) {
    const Eigen::Index src = index[static_cast<std::size_t>(r)];
    subset.X.row(r) = data.X.row(src);
    subset.y(r) = data.y(src);
    if (data.weights.size() > 0) subset.weights(r) = data.weights(src);
  }
  return subset;
}

}  // namespace physr
