#include "physr/expr/exact_number.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <tuple>
#include <vector>

namespace physr {
namespace {

std::vector<ExactNumber> BuildTable() {
  std::vector<ExactNumber> table;
  for (int pi_power : {0, 1, -1}) {
    const int height = pi_power == 0 ? 6 : 4;
    for (int q = 1; q <= height; ++q) {
      for (int p = 1; p <= height; ++p) {
        if (std::gcd(p, q) != 1 || (p == 1 && q == 1 && pi_power == 0)) continue;
        table.push_back({p, q, pi_power});
      }
    }
  }
  const auto key = [](const ExactNumber& n) {
    const int pi_rank = n.pi_power == 0 ? 0 : (n.pi_power == 1 ? 1 : 2);
    return std::make_tuple(n.Text().size(), n.p + n.q, pi_rank, n.Value());
  };
  std::stable_sort(table.begin(), table.end(),
                   [&](const ExactNumber& a, const ExactNumber& b) { return key(a) < key(b); });
  return table;
}

}  // namespace

double ExactNumber::Value() const {
  const double ratio = static_cast<double>(p) / static_cast<double>(q);
  if (pi_power == 1) return ratio * std::numbers::pi;
  if (pi_power == -1) return static_cast<double>(p) / (static_cast<double>(q) * std::numbers::pi);
  return ratio;
}

std::string ExactNumber::Text() const {
  const std::string ps = std::to_string(p);
  const std::string qs = std::to_string(q);
  if (pi_power == 0) return q == 1 ? ps : ps + "/" + qs;
  if (pi_power == 1) {
    const std::string numerator = p == 1 ? "pi" : ps + "*pi";
    return q == 1 ? numerator : numerator + "/" + qs;
  }
  return ps + "/" + (q == 1 ? std::string("pi") : "(" + qs + "*pi)");
}

std::string ExactNumber::Latex() const {
  const std::string ps = std::to_string(p);
  const std::string qs = std::to_string(q);
  if (pi_power == 0) return q == 1 ? ps : "\\frac{" + ps + "}{" + qs + "}";
  if (pi_power == 1) {
    const std::string numerator = p == 1 ? "\\pi" : ps + " \\pi";
    return q == 1 ? numerator : "\\frac{" + numerator + "}{" + qs + "}";
  }
  return "\\frac{" + ps + "}{" + (q == 1 ? std::string("\\pi") : qs + " \\pi") + "}";
}

std::span<const ExactNumber> SimpleNumbers() {
  static const std::vector<ExactNumber> table = BuildTable();
  return table;
}

std::optional<ExactNumber> ExactNumberOf(const Token& token) {
  if (token.kind != TokenKind::kFixedConstant || !token.dimension.IsDimensionless()) {
    return std::nullopt;
  }
  for (const ExactNumber& n : SimpleNumbers()) {
    if (token.value == n.Value() && token.name == n.Text()) return n;
  }
  return std::nullopt;
}

void AddExactNumbers(Library& library) {
  // A terminal pi other than π (a column, say) would make "2*pi" read back as a multiple of it.
  const std::optional<TokenId> pi = library.FindTerminal("pi");
  const bool pi_is_pi = !pi || ExactNumberOf(library[*pi]).has_value();
  for (const ExactNumber& n : SimpleNumbers()) {
    const std::string name = n.Text();
    if (library.FindTerminal(name) || (n.pi_power != 0 && !pi_is_pi)) continue;
    library.AddFixedConstant(name, n.Value(), Dimension());
  }
}

}  // namespace physr
