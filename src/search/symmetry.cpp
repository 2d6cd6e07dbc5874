// Pairs of inputs through which alone the target depends, found by comparing its error of
// prediction from neighbours before and after the pair is merged (symmetry.hpp).
#include "physr/search/symmetry.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <optional>
#include <string>
#include <utility>

namespace physr {
namespace {

constexpr Eigen::Index kNeighbourRows = 1000;
constexpr Eigen::Index kQueryRows = 300;
constexpr Eigen::Index kMinRows = 50;

// `count` indices evenly spaced over [0, n).
std::vector<Eigen::Index> Spaced(Eigen::Index n, Eigen::Index count) {
  std::vector<Eigen::Index> out;
  count = std::min(n, count);
  for (Eigen::Index i = 0; i < count; ++i) {
    out.push_back(count == 1 ? 0 : i * (n - 1) / (count - 1));
  }
  return out;
}

// The ranks of v's values divided by its size (ties in row order): a scale on which every
// column spreads evenly over [0, 1), whatever its units or transformation.
Eigen::VectorXd Ranks(const Eigen::VectorXd& v) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(v.size()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return v(a) < v(b); });
  Eigen::VectorXd r(v.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    r(order[k]) = static_cast<double>(k) / static_cast<double>(v.size());
  }
  return r;
}

// A candidate: the pair (a, b) of columns and the operator that combines them.
struct Candidate {
  int a = 0;
  int b = 0;
  char op = '-';
};

std::optional<Eigen::VectorXd> Combine(const Eigen::VectorXd& a, const Eigen::VectorXd& b,
                                       char op) {
  Eigen::VectorXd c = op == '-'   ? Eigen::VectorXd(a - b)
                      : op == '*' ? Eigen::VectorXd(a.cwiseProduct(b))
                                  : Eigen::VectorXd(a.cwiseQuotient(b));
  if (!c.allFinite()) return std::nullopt;
  return c;
}

std::vector<Candidate> Candidates(const Dataset& data) {
  std::vector<Candidate> out;
  for (int a = 0; a < data.num_variables(); ++a) {
    for (int b = a + 1; b < data.num_variables(); ++b) {
      const auto& da = data.dimensions[static_cast<std::size_t>(a)];
      const auto& db = data.dimensions[static_cast<std::size_t>(b)];
      if (!(da == db)) continue;
      out.push_back({a, b, '-'});
      if (da.IsDimensionless()) out.push_back({a, b, '*'});
      out.push_back({a, b, '/'});
    }
  }
  return out;
}

// Whether the pair may be replaced by `merged`, its combination by c.op. A quotient of two
// dimensional columns is tested only to see whether it explains the pair better (the groups
// form it anyway). A difference with units that takes both signs would divide the target in
// the groups' monomial, where its sign is lost to the relation (d/(y1 - y2) = ±sqrt(1 + ...)).
bool Mergeable(const Dataset& data, const Candidate& c, const Eigen::VectorXd& merged) {
  if (data.dimensions[static_cast<std::size_t>(c.a)].IsDimensionless()) return true;
  if (c.op == '/') return false;
  return merged.minCoeff() > 0.0 || merged.maxCoeff() < 0.0;
}

// The features (ranks) of the sampled rows with column a replaced by `merged` and b removed.
Eigen::MatrixXd MergedFeatures(const Eigen::MatrixXd& ranks, int a, int b,
                               const Eigen::VectorXd& merged) {
  Eigen::MatrixXd out(ranks.rows(), ranks.cols() - 1);
  Eigen::Index j = 0;
  for (Eigen::Index c = 0; c < ranks.cols(); ++c) {
    if (c == b) continue;
    out.col(j++) = c == a ? merged : Eigen::VectorXd(ranks.col(c));
  }
  return out;
}

struct Verdict {
  Candidate candidate;
  bool mergeable = true;
  double ratio = 0;
};

// The best merge of `data` (its rows `rows`), or nullopt when none lowers the error enough.
std::optional<Verdict> BestMerge(const Dataset& data, const std::vector<Eigen::Index>& rows,
                                 const std::vector<Eigen::Index>& queries) {
  const auto n = static_cast<Eigen::Index>(rows.size());
  Eigen::MatrixXd X(n, data.num_variables());
  Eigen::VectorXd y(n);
  for (Eigen::Index r = 0; r < n; ++r) {
    X.row(r) = data.X.row(rows[static_cast<std::size_t>(r)]);
    y(r) = data.y(rows[static_cast<std::size_t>(r)]);
  }
  Eigen::MatrixXd ranks(n, X.cols());
  for (Eigen::Index c = 0; c < X.cols(); ++c) ranks.col(c) = Ranks(X.col(c));
  const double before = NeighbourError(ranks, y, queries);
  if (!(before > 0.0)) return std::nullopt;  // a linear law: nothing to gain
  std::vector<Verdict> verdicts;
  for (const Candidate& c : Candidates(data)) {
    const auto merged = Combine(X.col(c.a), X.col(c.b), c.op);
    if (!merged) continue;
    const double after =
        NeighbourError(MergedFeatures(ranks, c.a, c.b, Ranks(*merged)), y, queries);
    verdicts.push_back({c, Mergeable(data, c, *merged), after / before});
  }
  std::optional<Verdict> best;
  for (const Verdict& v : verdicts) {
    // The pair's own best operator decides for the pair: one explained better by a quotient
    // that the groups form anyway is left to them.
    bool pair_best = true;
    for (const Verdict& w : verdicts) {
      const bool same = w.candidate.a == v.candidate.a && w.candidate.b == v.candidate.b;
      if (same && w.ratio < v.ratio) pair_best = false;
    }
    if (!pair_best || !v.mergeable || !(v.ratio < kMergeRatio)) continue;
    if (!best || v.ratio < best->ratio) best = v;
  }
  return best;
}

// `data` with the pair of `c` replaced by their combination, named `text`.
Dataset Merge(const Dataset& data, const Candidate& c, const std::string& text) {
  Dataset out = data;
  const auto a = static_cast<std::size_t>(c.a);
  const auto b = static_cast<std::size_t>(c.b);
  out.X.col(c.a) = *Combine(data.X.col(c.a), data.X.col(c.b), c.op);
  out.names[a] = text;
  if (c.op != '-')
    out.dimensions[a] = Dimension();  // a product or quotient of dimensionless columns
  const Eigen::Index cols = data.X.cols();
  if (c.b + 1 < cols) {
    out.X.middleCols(c.b, cols - c.b - 1) = data.X.rightCols(cols - c.b - 1);
  }
  out.X.conservativeResize(Eigen::NoChange, cols - 1);
  out.names.erase(out.names.begin() + static_cast<std::ptrdiff_t>(b));
  out.dimensions.erase(out.dimensions.begin() + static_cast<std::ptrdiff_t>(b));
  if (!out.source_units.empty()) {
    out.source_units[a] = SourceUnit();
    out.source_units.erase(out.source_units.begin() + static_cast<std::ptrdiff_t>(b));
  }
  return out;
}

}  // namespace

double NeighbourError(const Eigen::MatrixXd& features, const Eigen::VectorXd& y,
                      const std::vector<Eigen::Index>& queries) {
  const Eigen::Index n = features.rows();
  const Eigen::Index p = features.cols();
  const Eigen::Index k = std::min<Eigen::Index>(std::max<Eigen::Index>(2 * p + 2, 6), n - 1);
  std::vector<std::pair<double, Eigen::Index>> distance(static_cast<std::size_t>(n));
  std::vector<double> errors;
  Eigen::MatrixXd A(k, p + 1);
  Eigen::VectorXd b(k);
  for (const Eigen::Index q : queries) {
    for (Eigen::Index r = 0; r < n; ++r) {
      const double d = r == q ? HUGE_VAL : (features.row(r) - features.row(q)).squaredNorm();
      distance[static_cast<std::size_t>(r)] = {d, r};
    }
    std::partial_sort(distance.begin(), distance.begin() + k, distance.end());
    for (Eigen::Index i = 0; i < k; ++i) {
      const Eigen::Index r = distance[static_cast<std::size_t>(i)].second;
      A(i, 0) = 1.0;
      A.row(i).tail(p) = features.row(r) - features.row(q);
      b(i) = y(r);
    }
    const Eigen::VectorXd coef = A.completeOrthogonalDecomposition().solve(b);
    errors.push_back(std::abs(y(q) - coef(0)));
  }
  if (errors.empty()) return 0.0;
  auto mid = errors.begin() + static_cast<std::ptrdiff_t>(errors.size() / 2);
  std::nth_element(errors.begin(), mid, errors.end());
  return *mid;
}

MergedInputs MergeSymmetricInputs(const Dataset& data, int max_columns) {
  MergedInputs out{data, {}};
  if (data.num_variables() > max_columns || data.rows() < kMinRows) return out;
  const std::vector<Eigen::Index> rows = Spaced(data.rows(), kNeighbourRows);
  const std::vector<Eigen::Index> queries =
      Spaced(static_cast<Eigen::Index>(rows.size()), kQueryRows);
  while (out.data.num_variables() >= 2) {
    const std::optional<Verdict> best = BestMerge(out.data, rows, queries);
    if (!best) break;
    const Candidate& c = best->candidate;
    InputMerge merge;
    merge.first = out.data.names[static_cast<std::size_t>(c.a)];
    merge.second = out.data.names[static_cast<std::size_t>(c.b)];
    merge.op = c.op;
    merge.text =
        '(' + merge.first + (c.op == '-' ? " - " : std::string(1, c.op)) + merge.second + ')';
    merge.ratio = best->ratio;
    out.data = Merge(out.data, c, merge.text);
    out.merges.push_back(std::move(merge));
  }
  return out;
}

}  // namespace physr
