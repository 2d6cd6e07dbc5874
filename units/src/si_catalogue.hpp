// The named SI units the unit parser knows (m, kg, ..., N, J, Ω, ...), with dimensions read
// from Boost.Units' SI system at compile time. Private to the units library; not a public API
// and not a conversion table (no scales, no prefixes).
#pragma once

#include <span>
#include <string_view>

#include "physr/units/dimension.hpp"

namespace physr::units::detail {

struct NamedUnit {
  std::string_view symbol;  // UTF-8, e.g. "kg", "ohm", "Ω"
  Dimension dimension;
};

// All named units, base units first, in the order KnownUnitSymbols() lists them.
// The span refers to storage that lives for the whole program; thread-safe after first use.
std::span<const NamedUnit> SiCatalogue();

// The unit whose symbol is exactly `symbol`, or nullptr. Linear in the catalogue size (~30).
const NamedUnit* FindNamedUnit(std::string_view symbol);

}  // namespace physr::units::detail
