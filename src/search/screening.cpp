#include "physr/search/screening.hpp"

#include <Eigen/QR>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "physr/core/error.hpp"

namespace physr {
namespace {

constexpr int kBins = 10;
constexpr Eigen::Index kMaxRows = 2000;

// Quantile bins by rank (tied values share a bin): kBins, fewer below 50 rows.
int Bins(std::size_t rows) { return std::clamp(static_cast<int>(rows) / 5, 2, kBins); }
int Bin(double rank, double rows, int bins) {
  return std::min(bins - 1, static_cast<int>((rank - 1.0) * bins / rows));
}

// Average ranks (1-based, ties sharing their mean rank) of `values`.
std::vector<double> Ranks(const double* values, Eigen::Index n) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [values](Eigen::Index a, Eigen::Index b) { return values[a] < values[b]; });
  std::vector<double> ranks(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n;) {
    Eigen::Index j = i;
    while (j + 1 < n && values[order[static_cast<std::size_t>(j + 1)]] ==
                            values[order[static_cast<std::size_t>(i)]]) {
      ++j;
    }
    const double mean = 0.5 * static_cast<double>(i + j) + 1.0;
    for (Eigen::Index k = i; k <= j; ++k)
      ranks[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])] = mean;
    i = j + 1;
  }
  return ranks;
}

// The score of one column (ranks rx) against the centred target ry, whose sum of squares is
// syy > 0: the larger of the squared correlation of ry with rx and the correlation ratio of
// ry over rx's quantile bins less its expectation under independence.
double ColumnScoreOf(const std::vector<double>& rx, const std::vector<double>& ry, double syy) {
  const auto n = static_cast<double>(rx.size());
  const double mean = 0.5 * (n + 1.0);
  double sxx = 0.0, sxy = 0.0;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    const double dx = rx[i] - mean;
    sxx += dx * dx;
    sxy += dx * ry[i];
  }
  if (!(sxx > 0.0)) return 0.0;  // a constant column
  const double rho2 = sxy * sxy / (sxx * syy);
  // Quantile bins by rank: tied values share a bin.
  const int bins = Bins(rx.size());
  std::vector<double> sum(static_cast<std::size_t>(bins), 0.0), count(sum.size(), 0.0);
  for (std::size_t i = 0; i < rx.size(); ++i) {
    const int b = Bin(rx[i], n, bins);
    sum[static_cast<std::size_t>(b)] += ry[i];
    count[static_cast<std::size_t>(b)] += 1.0;
  }
  double between = 0.0;
  int used = 0;
  for (std::size_t b = 0; b < sum.size(); ++b) {
    if (count[b] == 0.0) continue;
    between += sum[b] * sum[b] / count[b];
    ++used;
  }
  const double eta2 = between / syy - static_cast<double>(used - 1) / (n - 1.0);
  return std::clamp(std::max(rho2, eta2), 0.0, 1.0);
}

double SumOfSquares(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x * x;
  return s;
}

void Center(std::vector<double>& v) {
  double mean = 0.0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (double& x : v) x -= mean;
}

// Removes from the centred r what a column of ranks rx explains: its least-squares line in
// the ranks, then the means over the ranks' quantile bins of what is left (so r stays
// centred).
void RemoveExplained(const std::vector<double>& rx, std::vector<double>& r) {
  const auto n = static_cast<double>(rx.size());
  const double mean = 0.5 * (n + 1.0);
  double sxx = 0.0, sxr = 0.0;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    sxx += (rx[i] - mean) * (rx[i] - mean);
    sxr += (rx[i] - mean) * r[i];
  }
  if (!(sxx > 0.0)) return;
  const double slope = sxr / sxx;
  for (std::size_t i = 0; i < rx.size(); ++i) r[i] -= slope * (rx[i] - mean);
  const int bins = Bins(rx.size());
  std::vector<double> sum(static_cast<std::size_t>(bins), 0.0), count(sum.size(), 0.0);
  for (std::size_t i = 0; i < rx.size(); ++i) {
    const auto b = static_cast<std::size_t>(Bin(rx[i], n, bins));
    sum[b] += r[i];
    count[b] += 1.0;
  }
  for (std::size_t i = 0; i < rx.size(); ++i) {
    const auto b = static_cast<std::size_t>(Bin(rx[i], n, bins));
    r[i] -= sum[b] / count[b];
  }
}

}  // namespace

std::string ScreenToString(int screen) {
  if (screen == kScreenAuto) return "auto";
  if (screen == kScreenOff) return "off";
  return std::to_string(screen);
}

int ParseScreen(std::string_view text) {
  if (text == "auto") return kScreenAuto;
  if (text == "off") return kScreenOff;
  int k = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, k);
  if (ec != std::errc() || ptr != end || k <= 0) {
    throw InputError(
        "screen: expected a number of columns to keep (1 or more), auto or off, not '" +
        std::string(text) + "'");
  }
  return k;
}

int ScreenedColumns(int screen, int columns) {
  if (screen == kScreenAuto) return columns > kScreenAutoAbove ? kScreenAutoKeep : columns;
  if (screen <= 0) return columns;
  return std::min(screen, columns);
}

std::vector<ColumnScore> RankColumns(const Dataset& data, int keep) {
  const Eigen::Index all = data.rows();
  PHYSR_CHECK(all >= 2, "screening needs at least 2 rows");
  PHYSR_CHECK(data.X.allFinite() && data.y.allFinite(), "screening needs finite values");
  // At most kMaxRows rows, evenly spaced, so that the cost does not grow with the rows.
  const Eigen::Index n = std::min(all, kMaxRows);
  const auto row = [&](Eigen::Index i) { return i * all / n; };
  // The target: log|y| when y keeps one sign (a product of powers becomes a sum), else y;
  // centred.
  const bool one_sign = (data.y.array() > 0).all() || (data.y.array() < 0).all();
  std::vector<double> r(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    const double y = data.y(row(i));
    r[static_cast<std::size_t>(i)] = one_sign ? std::log(std::abs(y)) : y;
  }
  Center(r);
  std::vector<std::vector<double>> ranks(static_cast<std::size_t>(data.num_variables()));
  std::vector<double> column(static_cast<std::size_t>(n));
  for (int j = 0; j < data.num_variables(); ++j) {
    for (Eigen::Index i = 0; i < n; ++i) column[static_cast<std::size_t>(i)] = data.X(row(i), j);
    ranks[static_cast<std::size_t>(j)] = Ranks(column.data(), n);
  }
  std::vector<ColumnScore> picked;
  std::vector<bool> taken(ranks.size(), false);
  const int steps = std::clamp(keep, 0, data.num_variables());
  for (int step = 0; step < steps; ++step) {
    const double srr = SumOfSquares(r);
    int best = -1;
    double best_score = -1.0;
    for (std::size_t j = 0; j < ranks.size(); ++j) {
      if (taken[j]) continue;
      const double score = srr > 0.0 ? ColumnScoreOf(ranks[j], r, srr) : 0.0;
      if (score > best_score) {
        best = static_cast<int>(j);
        best_score = score;
      }
    }
    const auto at = static_cast<std::size_t>(best);
    taken[at] = true;
    picked.push_back({data.names[at], best, best_score});
    RemoveExplained(ranks[at], r);
  }
  return picked;
}

namespace {

// How far `target` lies from the span of `dims` (exponent vectors): the norm of the
// least-squares residual.
double OutOfSpan(const std::vector<Dimension>& dims, const Dimension& target) {
  const auto exponents = [](const Dimension& d) {
    Eigen::VectorXd v(static_cast<Eigen::Index>(d.exponents().size()));
    for (std::size_t b = 0; b < d.exponents().size(); ++b) {
      v(static_cast<Eigen::Index>(b)) = d.exponents()[b].ToDouble();
    }
    return v;
  };
  const Eigen::VectorXd t = exponents(target);
  if (dims.empty()) return t.norm();
  Eigen::MatrixXd a(t.size(), static_cast<Eigen::Index>(dims.size()));
  for (std::size_t k = 0; k < dims.size(); ++k)
    a.col(static_cast<Eigen::Index>(k)) = exponents(dims[k]);
  const Eigen::VectorXd c = a.colPivHouseholderQr().solve(t);
  return (a * c - t).norm();
}

}  // namespace

std::vector<int> CompleteUnits(const Dataset& data, std::vector<int> kept,
                               const std::vector<Dimension>& constants) {
  constexpr double kTolerance = 1e-9;
  std::vector<Dimension> dims = constants;
  std::vector<bool> in(static_cast<std::size_t>(data.num_variables()), false);
  for (int j : kept) {
    dims.push_back(data.dimensions[static_cast<std::size_t>(j)]);
    in[static_cast<std::size_t>(j)] = true;
  }
  double gap = OutOfSpan(dims, data.target_dimension);
  for (int j = 0; j < data.num_variables() && gap > kTolerance; ++j) {
    if (in[static_cast<std::size_t>(j)]) continue;
    dims.push_back(data.dimensions[static_cast<std::size_t>(j)]);
    const double next = OutOfSpan(dims, data.target_dimension);
    if (next < gap - kTolerance) {
      gap = next;
      kept.push_back(j);
    } else {
      dims.pop_back();
    }
  }
  return kept;
}

Dataset KeepColumns(const Dataset& data, const std::vector<int>& columns) {
  std::vector<int> kept = columns;
  std::sort(kept.begin(), kept.end());
  kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
  Dataset out;
  out.X.resize(data.rows(), static_cast<Eigen::Index>(kept.size()));
  for (std::size_t k = 0; k < kept.size(); ++k) {
    const int j = kept[k];
    PHYSR_CHECK(j >= 0 && j < data.num_variables(), "KeepColumns: column out of range");
    const auto at = static_cast<std::size_t>(j);
    out.names.push_back(data.names[at]);
    out.dimensions.push_back(data.dimensions[at]);
    if (!data.source_units.empty()) out.source_units.push_back(data.source_units[at]);
    out.X.col(static_cast<Eigen::Index>(k)) = data.X.col(j);
  }
  out.target_name = data.target_name;
  out.target_dimension = data.target_dimension;
  out.y = data.y;
  out.weights = data.weights;
  out.target_source_unit = data.target_source_unit;
  return out;
}

}  // namespace physr
