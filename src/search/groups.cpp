#include "physr/search/groups.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/LU>

#include "physr/core/error.hpp"
#include "physr/expr/token.hpp"

namespace physr {
namespace {

// Inputs beyond this many make the enumeration of small-exponent products too long (about
// 10⁷ candidates for 10 inputs in the worst case).
constexpr int kMaxInputs = 10;

using Vector = std::vector<int>;

// The dimension matrix with integer entries, one row per base dimension, one column per input
// and a last column for the target; each row scaled by the least common multiple of its
// denominators, so that Σ e_i·dim_i = d·target is exact integer arithmetic.
using IntegerMatrix = std::vector<std::vector<std::int64_t>>;

IntegerMatrix IntegerDimensions(const std::vector<Dimension>& dims, const Dimension& target) {
  IntegerMatrix rows;
  for (int b = 0; b < units::kNumBaseDimensions; ++b) {
    std::int64_t lcm = 1;
    for (const Dimension& d : dims) lcm = std::lcm(lcm, std::int64_t{d.exponents()[b].den()});
    lcm = std::lcm(lcm, std::int64_t{target.exponents()[b].den()});
    std::vector<std::int64_t> row;
    for (const Dimension& d : dims) {
      const Rational r = d.exponents()[b];
      row.push_back(r.num() * (lcm / r.den()));
    }
    const Rational t = target.exponents()[b];
    row.push_back(t.num() * (lcm / t.den()));
    rows.push_back(std::move(row));
  }
  return rows;
}

// Whether Σ e_i·column_i = scale·target column.
bool Solves(const IntegerMatrix& m, const Vector& e, int scale) {
  const std::size_t n = e.size();
  for (const auto& row : m) {
    std::int64_t sum = -scale * row[n];
    for (std::size_t i = 0; i < n; ++i) sum += e[i] * row[i];
    if (sum != 0) return false;
  }
  return true;
}

int Rank(const IntegerMatrix& m, std::size_t columns) {
  if (columns == 0 || m.empty()) return 0;
  Eigen::MatrixXd a(static_cast<Eigen::Index>(m.size()), static_cast<Eigen::Index>(columns));
  for (std::size_t r = 0; r < m.size(); ++r) {
    for (std::size_t c = 0; c < columns; ++c) {
      a(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = static_cast<double>(m[r][c]);
    }
  }
  return static_cast<int>(Eigen::FullPivLU<Eigen::MatrixXd>(a).rank());
}

// The largest exponent tried for products of `size` inputs: 4, 3 from four inputs, 2 from
// five, so that the enumeration stays small.
int MaxExponent(int size) { return size <= 3 ? 4 : size == 4 ? 3 : 2; }

// Calls visit(e) for every vector over n inputs with exactly `size` nonzero exponents in
// [-max, max]; exponents in the order 1, -1, 2, -2, ... and supports in lexicographic order,
// so the simpler come first. With first_positive, only vectors whose first nonzero is > 0.
void ForEachVector(int n, int size, bool first_positive,
                   const std::function<void(const Vector&)>& visit) {
  const int max = MaxExponent(size);
  std::vector<int> values;
  for (int k = 1; k <= max; ++k) {
    values.push_back(k);
    values.push_back(-k);
  }
  Vector e(static_cast<std::size_t>(n), 0);
  std::function<void(int, int)> place = [&](int start, int left) {
    if (left == 0) {
      visit(e);
      return;
    }
    for (int i = start; i <= n - left; ++i) {
      const bool first = left == size;
      for (int v : values) {
        if (first && first_positive && v < 0) continue;
        e[static_cast<std::size_t>(i)] = v;
        place(i + 1, left - 1);
      }
      e[static_cast<std::size_t>(i)] = 0;
    }
  };
  place(0, size);
}

int AbsSum(const Vector& e) {
  int s = 0;
  for (int v : e) s += std::abs(v);
  return s;
}
int AbsMax(const Vector& e) {
  int s = 0;
  for (int v : e) s = std::max(s, std::abs(v));
  return s;
}
bool Primitive(const Vector& e) {
  int g = 0;
  for (int v : e) g = std::gcd(g, v);
  return g == 1;
}

// Takes candidates greedily (by size, then Σ|e|, then max|e|, then enumeration order) into
// `taken` while they are independent of those there, until it holds `needed` vectors; only
// candidates `accept` allows.
void TakeGreedily(const IntegerMatrix& m, int n, int needed,
                  const std::function<bool(const Vector&)>& accept, std::vector<Vector>& taken) {
  // A minimal dependent set (a circuit) of vectors in 7 dimensions has at most 8 members.
  const int largest = std::min(n, units::kNumBaseDimensions + 1);
  for (int size = 1; size <= largest && static_cast<int>(taken.size()) < needed; ++size) {
    std::vector<Vector> candidates;
    ForEachVector(n, size, true, [&](const Vector& e) {
      if (accept(e) && Primitive(e) && Solves(m, e, 0)) candidates.push_back(e);
    });
    std::stable_sort(candidates.begin(), candidates.end(), [](const Vector& a, const Vector& b) {
      return std::pair(AbsSum(a), AbsMax(a)) < std::pair(AbsSum(b), AbsMax(b));
    });
    for (const Vector& e : candidates) {
      if (static_cast<int>(taken.size()) == needed) break;
      IntegerMatrix rows;
      for (const Vector& t : taken) rows.emplace_back(t.begin(), t.end());
      rows.emplace_back(e.begin(), e.end());
      if (Rank(rows, static_cast<std::size_t>(n)) == static_cast<int>(rows.size())) {
        taken.push_back(e);
      }
    }
  }
}

// The groups: see FindGroups. `first_constant` is the index of the first constant input. The
// products of constants alone (numbers, not searched over) are taken first, so that the groups
// span the rest of the nullspace.
std::vector<Vector> GroupVectors(const IntegerMatrix& m, int n, int first_constant) {
  const auto constants_only = [first_constant](const Vector& e) {
    return std::all_of(e.begin(), e.begin() + first_constant, [](int v) { return v == 0; });
  };
  IntegerMatrix constant_columns = m;
  for (auto& row : constant_columns) {
    row.erase(row.begin(), row.begin() + first_constant);
  }
  const int constants = n - first_constant;
  std::vector<Vector> taken;
  TakeGreedily(m, n, constants - Rank(constant_columns, static_cast<std::size_t>(constants)),
               constants_only, taken);
  const std::size_t numbers = taken.size();
  const int needed = n - Rank(m, static_cast<std::size_t>(n));
  TakeGreedily(
      m, n, needed, [&](const Vector& e) { return !constants_only(e); }, taken);
  if (static_cast<int>(taken.size()) < needed) {
    throw InputError(
        "groups: the inputs' units leave dimensionless products that need "
        "exponents beyond those tried");
  }
  return {taken.begin() + static_cast<std::ptrdiff_t>(numbers), taken.end()};
}

// log|Π inputs^(e / denominator)| at row r.
double LogProduct(const Dataset& data, const std::vector<double>& constants, const Vector& e,
                  int denominator, Eigen::Index r) {
  double s = 0.0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e[i] == 0) continue;
    const auto col = static_cast<Eigen::Index>(i);
    const double x = col < data.X.cols() ? data.X(r, col)
                                         : constants[i - static_cast<std::size_t>(data.X.cols())];
    s += e[i] * std::log(std::abs(x));
  }
  return s / denominator;
}

// The spread left in the target by the monomial: the variance of log|y / monomial| over (at
// most the first 2000) rows where it is finite; +inf when there are none.
double LeftSpread(const Dataset& data, const std::vector<double>& constants, const Vector& e,
                  int denominator) {
  double sum = 0.0;
  double sum2 = 0.0;
  int n = 0;
  for (Eigen::Index r = 0; r < std::min<Eigen::Index>(data.rows(), 2000); ++r) {
    const double v = std::log(std::abs(data.y(r))) - LogProduct(data, constants, e, denominator, r);
    if (!std::isfinite(v)) continue;
    sum += v;
    sum2 += v * v;
    ++n;
  }
  if (n == 0) return std::numeric_limits<double>::infinity();
  const double mean = sum / n;
  return std::max(0.0, sum2 / n - mean * mean);
}

// The monomial: see FindGroups. Returns the exponents and the denominator (1 or 2).
std::pair<Vector, int> TargetMonomial(const IntegerMatrix& m, int n, const Dataset& data,
                                      const std::vector<double>& constants) {
  for (int scale : {1, 2}) {
    if (Solves(m, Vector(static_cast<std::size_t>(n), 0), scale)) {
      return {Vector(static_cast<std::size_t>(n), 0), 1};
    }
    std::vector<Vector> simplest;
    for (int size = 1; size <= std::min(n, units::kNumBaseDimensions); ++size) {
      // Σ|e| ≥ size, so larger supports cannot beat a monomial already found.
      if (!simplest.empty() && size > AbsSum(simplest.front())) break;
      ForEachVector(n, size, false, [&](const Vector& e) {
        if (!Solves(m, e, scale)) return;
        if (!simplest.empty() && AbsSum(e) > AbsSum(simplest.front())) return;
        if (!simplest.empty() && AbsSum(e) < AbsSum(simplest.front())) simplest.clear();
        simplest.push_back(e);
      });
    }
    if (simplest.empty()) continue;
    std::size_t best = 0;
    double best_spread = LeftSpread(data, constants, simplest[0], scale);
    for (std::size_t k = 1; k < simplest.size(); ++k) {
      const double spread = LeftSpread(data, constants, simplest[k], scale);
      if (spread < best_spread * (1.0 - 1e-9)) {
        best = k;
        best_spread = spread;
      }
    }
    return {simplest[best], scale};
  }
  throw InputError("groups: no product of small powers of the inputs has the target's units");
}

// Orients each group so that its typical value is at most 1 in magnitude (a small parameter,
// as v/c): the median of log|g| over the rows is ≤ 0. Exact ties (a median of 0) keep the
// earliest input in the denominator.
void Orient(std::vector<Vector>& groups, const Dataset& data,
            const std::vector<double>& constants) {
  for (Vector& g : groups) {
    std::vector<double> logs;
    for (Eigen::Index r = 0; r < data.rows(); ++r) {
      const double s = LogProduct(data, constants, g, 1, r);
      if (std::isfinite(s)) logs.push_back(s);
    }
    double median = 0.0;
    if (!logs.empty()) {
      const auto mid = logs.begin() + static_cast<std::ptrdiff_t>(logs.size() / 2);
      std::nth_element(logs.begin(), mid, logs.end());
      median = *mid;
    }
    if (AbsSum(g) == 1) continue;  // a dimensionless input stays as it is
    const auto first = std::find_if(g.begin(), g.end(), [](int v) { return v != 0; });
    const bool flip = median > 1e-12 || (std::abs(median) <= 1e-12 && *first > 0);
    if (flip) {
      for (int& v : g) v = -v;
    }
  }
}

std::string Factors(const std::vector<std::string>& inputs, const Vector& e, int sign) {
  std::string text;
  int count = 0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    const int p = sign * e[i];
    if (p <= 0) continue;
    if (!text.empty()) text += '*';
    text += inputs[i];
    if (p > 1) text += '^' + std::to_string(p);
    ++count;
  }
  return count > 1 && sign < 0 ? '(' + text + ')' : text;
}

}  // namespace

std::string MonomialText(const std::vector<std::string>& inputs, const std::vector<int>& exponents,
                         int denominator) {
  const std::string up = Factors(inputs, exponents, 1);
  const std::string down = Factors(inputs, exponents, -1);
  std::string text = up.empty() ? "1" : up;
  if (!down.empty()) text += '/' + down;
  return denominator == 2 && text != "1" ? "sqrt(" + text + ')' : text;
}

GroupBasis FindGroups(const Dataset& data, const std::vector<FixedConstantSpec>& fixed_constants,
                      const std::vector<std::string>& taken) {
  GroupBasis basis;
  basis.inputs = data.names;
  std::vector<Dimension> dims = data.dimensions;
  for (const FixedConstantSpec& c : fixed_constants) {
    if (c.dimension.IsDimensionless()) continue;
    basis.inputs.push_back(c.name);
    basis.constant_values.push_back(c.value);
    dims.push_back(c.dimension);
  }
  const int n = static_cast<int>(basis.inputs.size());
  if (n > kMaxInputs) {
    throw InputError("groups: at most " + std::to_string(kMaxInputs) +
                     " inputs (columns and "
                     "constants with units), not " +
                     std::to_string(n));
  }
  const IntegerMatrix m = IntegerDimensions(dims, data.target_dimension);
  basis.groups = GroupVectors(m, n, data.num_variables());
  Orient(basis.groups, data, basis.constant_values);
  auto [monomial, denominator] = TargetMonomial(m, n, data, basis.constant_values);
  basis.target_monomial = std::move(monomial);
  basis.target_denominator = denominator;
  basis.target_text = MonomialText(basis.inputs, basis.target_monomial, denominator);
  std::vector<std::string> used = taken;
  used.insert(used.end(), basis.inputs.begin(), basis.inputs.end());
  int next = 1;
  for (const Vector& g : basis.groups) {
    basis.texts.push_back(MonomialText(basis.inputs, g));
    const auto single = std::find(g.begin(), g.end(), 1);
    if (AbsSum(g) == 1 && single != g.end() &&
        IsIdentifier(basis.inputs[static_cast<std::size_t>(single - g.begin())])) {
      basis.names.push_back(basis.inputs[static_cast<std::size_t>(single - g.begin())]);
      continue;
    }
    std::string name;
    do {
      name = "pi" + std::to_string(next++);
    } while (std::find(used.begin(), used.end(), name) != used.end());
    basis.names.push_back(name);
  }
  return basis;
}

namespace {

// Π inputs^(e / denominator) at row r.
double Product(const Dataset& data, const GroupBasis& basis, const Vector& e, int denominator,
               Eigen::Index r) {
  double value = 1.0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e[i] == 0) continue;
    const auto col = static_cast<Eigen::Index>(i);
    const double x = col < data.X.cols()
                         ? data.X(r, col)
                         : basis.constant_values[i - static_cast<std::size_t>(data.X.cols())];
    value *= std::pow(x, e[i]);
  }
  return denominator == 1 ? value : std::pow(value, 1.0 / denominator);
}

}  // namespace

Dataset ReduceDataset(const Dataset& data, const GroupBasis& basis) {
  Dataset reduced;
  const Eigen::Index rows = data.rows();
  const auto k = static_cast<Eigen::Index>(basis.groups.size());
  reduced.names = basis.names;
  reduced.dimensions.assign(basis.groups.size(), Dimension());
  reduced.X.resize(rows, k);
  reduced.y.resize(rows);
  reduced.target_name = data.target_name;
  reduced.weights.resize(rows);
  const auto bad = [&](const std::string& what, Eigen::Index r) {
    return InputError("groups: " + what + " is not finite" + " at data row " +
                      std::to_string(r + 1));
  };
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index j = 0; j < k; ++j) {
      const double g = Product(data, basis, basis.groups[static_cast<std::size_t>(j)], 1, r);
      if (!std::isfinite(g)) throw bad(basis.texts[static_cast<std::size_t>(j)], r);
      reduced.X(r, j) = g;
    }
    const double scale = Product(data, basis, basis.target_monomial, basis.target_denominator, r);
    const double y = data.y(r) / scale;
    if (!std::isfinite(y)) throw bad(data.target_name + "/(" + basis.target_text + ")", r);
    reduced.y(r) = y;
    // The search over the data as given minimises Σ w·(y − ŷ)²; with ŷ = M·f that is
    // Σ w·M²·(y/M − f)², so the reduced rows weigh w·M² (w = 1 without weights).
    reduced.weights(r) = (data.weights.size() > 0 ? data.weights(r) : 1.0) * scale * scale;
  }
  return reduced;
}

}  // namespace physr
