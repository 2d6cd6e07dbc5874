#include "physr/units/dimension.hpp"

#include <stdexcept>
#include <string_view>

namespace physr::units {
namespace {

constexpr std::string_view kUnitSymbols[kNumBaseDimensions] = {"m", "kg",  "s", "A",
                                                               "K", "mol", "cd"};
constexpr std::string_view kDimensionSymbols[kNumBaseDimensions] = {"L", "M", "T", "I",
                                                                    "Θ", "N", "J"};
// Order in which unit strings list base units: the conventional kg*m^2/s^2 reading.
constexpr int kUnitPrintOrder[kNumBaseDimensions] = {1, 0, 2, 3, 4, 5, 6};
// Order in which symbol strings list dimensions: M L T I Θ N J, as in M L^2 T^-2.
constexpr int kSymbolPrintOrder[kNumBaseDimensions] = {1, 0, 2, 3, 4, 5, 6};

std::string PowerSuffix(Rational p) {
  if (p == Rational(1)) return "";
  // Built with append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string out(p.IsInteger() ? "^" : "^(");
  out.append(p.ToString());
  if (!p.IsInteger()) out.push_back(')');
  return out;
}

}  // namespace

Dimension Dimension::FromInts(std::initializer_list<int> exponents) {
  if (exponents.size() > kNumBaseDimensions) {
    throw std::invalid_argument("more than 7 base-dimension exponents");
  }
  Exponents e{};
  int i = 0;
  for (int x : exponents) e[i++] = Rational(x);
  return Dimension(e);
}

Dimension Dimension::Of(Base base, Rational power) {
  Exponents e{};
  e[static_cast<int>(base)] = power;
  return Dimension(e);
}

bool Dimension::IsDimensionless() const {
  for (const Rational& r : exponents_) {
    if (!r.IsZero()) return false;
  }
  return true;
}

Dimension Dimension::operator*(const Dimension& o) const {
  Exponents e;
  for (int i = 0; i < kNumBaseDimensions; ++i) e[i] = exponents_[i] + o.exponents_[i];
  return Dimension(e);
}

Dimension Dimension::operator/(const Dimension& o) const {
  Exponents e;
  for (int i = 0; i < kNumBaseDimensions; ++i) e[i] = exponents_[i] - o.exponents_[i];
  return Dimension(e);
}

Dimension Dimension::Pow(Rational p) const {
  Exponents e;
  for (int i = 0; i < kNumBaseDimensions; ++i) e[i] = exponents_[i] * p;
  return Dimension(e);
}

bool operator<(const Dimension& a, const Dimension& b) {
  for (int i = 0; i < kNumBaseDimensions; ++i) {
    if (a.exponents_[i] != b.exponents_[i]) return a.exponents_[i] < b.exponents_[i];
  }
  return false;
}

std::string Dimension::ToUnitString() const {
  std::string numerator, denominator;
  int num_denominator_factors = 0;
  for (int i : kUnitPrintOrder) {
    const Rational p = exponents_[i];
    if (p.IsZero()) continue;
    if (p > Rational(0)) {
      if (!numerator.empty()) numerator += "*";
      numerator += std::string(kUnitSymbols[i]) + PowerSuffix(p);
    } else {
      if (!denominator.empty()) denominator += "*";
      denominator += std::string(kUnitSymbols[i]) + PowerSuffix(-p);
      ++num_denominator_factors;
    }
  }
  if (numerator.empty() && denominator.empty()) return "1";
  if (denominator.empty()) return numerator;
  if (numerator.empty()) numerator = "1";
  numerator.push_back('/');
  if (num_denominator_factors > 1) {
    numerator.push_back('(');
    numerator.append(denominator);
    numerator.push_back(')');
  } else {
    numerator.append(denominator);
  }
  return numerator;
}

std::string Dimension::ToSymbolString() const {
  std::string out;
  for (int i : kSymbolPrintOrder) {
    const Rational p = exponents_[i];
    if (p.IsZero()) continue;
    if (!out.empty()) out += " ";
    out += std::string(kDimensionSymbols[i]) + PowerSuffix(p);
  }
  return out.empty() ? "1" : out;
}

std::size_t DimensionHash::operator()(const Dimension& d) const noexcept {
  std::size_t h = 0xcbf29ce484222325ULL;
  for (const Rational& r : d.exponents()) {
    h ^= static_cast<std::size_t>(static_cast<std::uint32_t>(r.num())) * 0x9E3779B97F4A7C15ULL +
         static_cast<std::size_t>(r.den());
    h *= 0x100000001B3ULL;
  }
  return h;
}

}  // namespace physr::units
