// Mixing a physical dimension into a running hash (core/hash.hpp), for fingerprints of data
// and token libraries. Kept apart from the units library, which stands alone without the
// engine's headers.
#pragma once

#include <cstdint>

#include "physr/core/hash.hpp"
#include "physr/units/dimension.hpp"

namespace physr {

// Every exponent's numerator (sign-extended) and denominator, in Base order.
inline std::uint64_t MixDimension(std::uint64_t h, const units::Dimension& d) {
  for (const units::Rational& r : d.exponents()) {
    h = Mix(h, static_cast<std::uint64_t>(static_cast<std::int64_t>(r.num())));
    h = Mix(h, static_cast<std::uint64_t>(r.den()));
  }
  return h;
}

}  // namespace physr
