// Physical dimensions as exact rational exponents over the 7 SI base dimensions.
// A Dimension says what a quantity is (L T^-1), not its scale: units here carry no
// conversion factors, so "km" is not a unit this library knows.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>

#include "physr/units/rational.hpp"

namespace physr::units {

// Order of the base dimensions in Dimension::exponents().
enum class Base : int {
  kLength = 0,             // L, metre m
  kMass = 1,               // M, kilogram kg
  kTime = 2,               // T, second s
  kCurrent = 3,            // I, ampere A
  kTemperature = 4,        // Θ, kelvin K
  kAmount = 5,             // N, mole mol
  kLuminousIntensity = 6,  // J, candela cd
};
inline constexpr int kNumBaseDimensions = 7;

class Dimension {
 public:
  using Exponents = std::array<Rational, kNumBaseDimensions>;

  Dimension() = default;  // dimensionless
  explicit Dimension(const Exponents& exponents) : exponents_(exponents) {}
  // Integer exponents in Base order: Dimension::FromInts({1, 0, -1}) is L T^-1.
  static Dimension FromInts(std::initializer_list<int> exponents);
  static Dimension Dimensionless() { return {}; }
  static Dimension Of(Base base, Rational power = 1);

  const Exponents& exponents() const { return exponents_; }
  Rational operator[](Base b) const { return exponents_[static_cast<int>(b)]; }
  bool IsDimensionless() const;

  // Products, quotients and powers add, subtract and scale the exponents. Each throws
  // std::overflow_error if an exponent leaves the int32 rational range.
  Dimension operator*(const Dimension& o) const;
  Dimension operator/(const Dimension& o) const;
  Dimension Pow(Rational p) const;
  friend bool operator==(const Dimension&, const Dimension&) = default;
  // A total order (lexicographic on exponents), for use as a map key.
  friend bool operator<(const Dimension& a, const Dimension& b);

  // SI unit text in base units, parseable back: "kg*m^2/s^2", "m^(1/2)", "1/s", "1".
  std::string ToUnitString() const;
  // Dimension symbols, for error messages: "L T^-1", "M L^2 T^-2", "1".
  std::string ToSymbolString() const;

 private:
  Exponents exponents_{};
};

struct DimensionHash {
  std::size_t operator()(const Dimension& d) const noexcept;
};

}  // namespace physr::units
