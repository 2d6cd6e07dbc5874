// The named units the unit parser knows: the SI base and derived units (m, kg, ..., N, J, Ω),
// with dimensions read from Boost.Units' SI system at compile time, and common units outside
// the SI (g, eV, Å, au, L, bar, min, h, deg, ...) with their scale to coherent SI. Prefixes
// are applied by the parser. Private to the units library; not a public API.
#pragma once

#include <span>
#include <string_view>

#include "physr/units/dimension.hpp"

namespace physr::units::detail {

struct NamedUnit {
  std::string_view symbol;  // UTF-8, e.g. "kg", "ohm", "Ω"
  Dimension dimension;
  double scale = 1.0;      // one of this unit in the coherent SI unit of `dimension`
  bool prefixable = true;  // whether SI prefixes combine with it
  bool listed = true;      // false for a lookalike of another symbol (the ohm sign, Ω)
};

// A unit's name written out, for hints: "metre" for "m", "hour" for "h".
struct SpelledUnit {
  std::string_view name;    // lower case
  std::string_view symbol;  // a symbol the parser reads
};

// All named units, base units first, in the order KnownUnitSymbols() lists them.
// The span refers to storage that lives for the whole program; thread-safe after first use.
std::span<const NamedUnit> SiCatalogue();

// Names of the catalogue's units as words, in British and American spelling where they differ.
std::span<const SpelledUnit> SpelledUnits();

// The unit whose symbol is exactly `symbol`, or nullptr. Linear in the catalogue size (~70).
const NamedUnit* FindNamedUnit(std::string_view symbol);

}  // namespace physr::units::detail
