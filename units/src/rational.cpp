#include "physr/units/rational.hpp"

#include <limits>
#include <numeric>
#include <stdexcept>

namespace physr::units {
namespace {

std::int32_t Narrow(std::int64_t v) {
  if (v > std::numeric_limits<std::int32_t>::max() ||
      v < std::numeric_limits<std::int32_t>::min()) {
    throw std::overflow_error("rational exponent out of range");
  }
  return static_cast<std::int32_t>(v);
}

}  // namespace

Rational::Rational(std::int64_t num, std::int64_t den) {
  if (den == 0) throw std::invalid_argument("rational with zero denominator");
  // Negating or taking the gcd of the most negative int64 is undefined; no exponent needs it.
  if (num == std::numeric_limits<std::int64_t>::min() ||
      den == std::numeric_limits<std::int64_t>::min()) {
    throw std::overflow_error("rational exponent out of range");
  }
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const std::int64_t g = std::gcd(num, den);
  num_ = Narrow(num / g);
  den_ = Narrow(den / g);
}

Rational Rational::operator-() const { return {-static_cast<std::int64_t>(num_), den_}; }

Rational operator+(Rational a, Rational b) {
  return {static_cast<std::int64_t>(a.num_) * b.den_ + static_cast<std::int64_t>(b.num_) * a.den_,
          static_cast<std::int64_t>(a.den_) * b.den_};
}

Rational operator-(Rational a, Rational b) { return a + (-b); }

Rational operator*(Rational a, Rational b) {
  return {static_cast<std::int64_t>(a.num_) * b.num_, static_cast<std::int64_t>(a.den_) * b.den_};
}

Rational operator/(Rational a, Rational b) {
  if (b.num_ == 0) throw std::domain_error("rational division by zero");
  return {static_cast<std::int64_t>(a.num_) * b.den_, static_cast<std::int64_t>(a.den_) * b.num_};
}

std::strong_ordering operator<=>(Rational a, Rational b) {
  return static_cast<std::int64_t>(a.num_) * b.den_ <=> static_cast<std::int64_t>(b.num_) * a.den_;
}

std::string Rational::ToString() const {
  if (den_ == 1) return std::to_string(num_);
  return std::to_string(num_) + "/" + std::to_string(den_);
}

}  // namespace physr::units
