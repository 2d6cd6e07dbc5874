// Exact rational numbers for dimension exponents (m^(1/2), s^-3).
// Small numerators and denominators only: this is not a bignum type. Arithmetic that
// would overflow int32 throws std::overflow_error rather than wrapping.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace physr::units {

class Rational {
 public:
  constexpr Rational() = default;
  // Reduces to lowest terms. Throws std::invalid_argument when den == 0 and
  // std::overflow_error when the reduced value does not fit int32.
  Rational(std::int64_t num, std::int64_t den = 1);  // NOLINT(google-explicit-constructor)

  std::int32_t num() const { return num_; }
  std::int32_t den() const { return den_; }  // always > 0; num/den in lowest terms
  bool IsZero() const { return num_ == 0; }
  bool IsInteger() const { return den_ == 1; }
  double ToDouble() const { return static_cast<double>(num_) / den_; }

  Rational operator-() const;
  friend Rational operator+(Rational a, Rational b);
  friend Rational operator-(Rational a, Rational b);
  friend Rational operator*(Rational a, Rational b);
  // Throws std::domain_error on division by zero.
  friend Rational operator/(Rational a, Rational b);
  friend bool operator==(Rational a, Rational b) = default;
  friend std::strong_ordering operator<=>(Rational a, Rational b);

  // "2", "-1", "1/2", "-3/2".
  std::string ToString() const;

 private:
  std::int32_t num_ = 0;
  std::int32_t den_ = 1;
};

}  // namespace physr::units
