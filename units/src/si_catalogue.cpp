#include "si_catalogue.hpp"

#include <array>
#include <cstdint>
#include <type_traits>
#include <vector>

#include <boost/units/dimensionless_type.hpp>
#include <boost/units/get_dimension.hpp>
#include <boost/units/systems/si.hpp>

namespace physr::units::detail {
namespace {

namespace bu = boost::units;

// Exponents in Base order as (numerator, denominator) pairs; a literal type so the whole
// catalogue is computed by the compiler from Boost's dimension lists.
struct ExponentTable {
  std::array<std::int64_t, kNumBaseDimensions> num{};
  std::array<std::int64_t, kNumBaseDimensions> den{1, 1, 1, 1, 1, 1, 1};
};

// Maps a Boost base-dimension tag to our Base index. Angles are dimensionless in physr
// (-1: dropped). Any other tag has no specialisation, so a Boost dimension we cannot
// represent fails to compile instead of being silently mistranslated.
template <class Tag>
struct BaseSlot;
template <int kIndex>
struct Slot : std::integral_constant<int, kIndex> {};
template <>
struct BaseSlot<bu::length_base_dimension> : Slot<static_cast<int>(Base::kLength)> {};
template <>
struct BaseSlot<bu::mass_base_dimension> : Slot<static_cast<int>(Base::kMass)> {};
template <>
struct BaseSlot<bu::time_base_dimension> : Slot<static_cast<int>(Base::kTime)> {};
template <>
struct BaseSlot<bu::current_base_dimension> : Slot<static_cast<int>(Base::kCurrent)> {};
template <>
struct BaseSlot<bu::temperature_base_dimension> : Slot<static_cast<int>(Base::kTemperature)> {};
template <>
struct BaseSlot<bu::amount_base_dimension> : Slot<static_cast<int>(Base::kAmount)> {};
template <>
struct BaseSlot<bu::luminous_intensity_base_dimension>
    : Slot<static_cast<int>(Base::kLuminousIntensity)> {};
template <>
struct BaseSlot<bu::plane_angle_base_dimension> : Slot<-1> {};
template <>
struct BaseSlot<bu::solid_angle_base_dimension> : Slot<-1> {};

// Walks a Boost dimension list: list<dim<Tag, static_rational<N, D>>, Next> ... dimensionless_type.
template <class List>
constexpr ExponentTable ExponentsOfList() {
  if constexpr (std::is_same_v<List, bu::dimensionless_type>) {
    return ExponentTable{};
  } else {
    using Item = typename List::item;
    using Exponent = typename Item::value_type;
    ExponentTable table = ExponentsOfList<typename List::next>();
    constexpr int kSlot = BaseSlot<typename Item::tag_type>::value;
    if constexpr (kSlot >= 0) {
      table.num[kSlot] = Exponent::Numerator;
      table.den[kSlot] = Exponent::Denominator;
    }
    return table;
  }
}

// The exponents of a Boost unit constant such as bu::si::joule.
template <const auto& kUnit>
constexpr ExponentTable kExponentsOf =
    ExponentsOfList<typename bu::get_dimension<std::remove_cvref_t<decltype(kUnit)>>::type>();

struct CatalogueEntry {
  std::string_view symbol;
  ExponentTable exponents;
};

constexpr std::array kCatalogue = {
    // Base units.
    CatalogueEntry{"m", kExponentsOf<bu::si::meter>},
    CatalogueEntry{"kg", kExponentsOf<bu::si::kilogram>},
    CatalogueEntry{"s", kExponentsOf<bu::si::second>},
    CatalogueEntry{"A", kExponentsOf<bu::si::ampere>},
    CatalogueEntry{"K", kExponentsOf<bu::si::kelvin>},
    CatalogueEntry{"mol", kExponentsOf<bu::si::mole>},
    CatalogueEntry{"cd", kExponentsOf<bu::si::candela>},
    // Named derived units.
    CatalogueEntry{"N", kExponentsOf<bu::si::newton>},
    CatalogueEntry{"J", kExponentsOf<bu::si::joule>},
    CatalogueEntry{"W", kExponentsOf<bu::si::watt>},
    CatalogueEntry{"Pa", kExponentsOf<bu::si::pascal>},
    CatalogueEntry{"C", kExponentsOf<bu::si::coulomb>},
    CatalogueEntry{"V", kExponentsOf<bu::si::volt>},
    CatalogueEntry{"ohm", kExponentsOf<bu::si::ohm>},
    CatalogueEntry{"\u03A9", kExponentsOf<bu::si::ohm>},  // Greek capital omega
    CatalogueEntry{"\u2126", kExponentsOf<bu::si::ohm>},  // ohm sign
    CatalogueEntry{"F", kExponentsOf<bu::si::farad>},
    CatalogueEntry{"H", kExponentsOf<bu::si::henry>},
    CatalogueEntry{"T", kExponentsOf<bu::si::tesla>},
    CatalogueEntry{"Wb", kExponentsOf<bu::si::weber>},
    CatalogueEntry{"Hz", kExponentsOf<bu::si::hertz>},
    CatalogueEntry{"S", kExponentsOf<bu::si::siemens>},
    CatalogueEntry{"Gy", kExponentsOf<bu::si::gray>},
    CatalogueEntry{"Sv", kExponentsOf<bu::si::sievert>},
    CatalogueEntry{"Bq", kExponentsOf<bu::si::becquerel>},
    CatalogueEntry{"lm", kExponentsOf<bu::si::lumen>},
    CatalogueEntry{"lx", kExponentsOf<bu::si::lux>},
    CatalogueEntry{"kat", kExponentsOf<bu::si::katal>},
    // Angles: dimensionless here (Boost gives them base dimensions of their own).
    CatalogueEntry{"rad", kExponentsOf<bu::si::radian>},
    CatalogueEntry{"sr", kExponentsOf<bu::si::steradian>},
};

// Cheap compile-time sanity checks on the extraction itself (the unit tests compare every
// entry with independently written dimensions).
static_assert(kCatalogue[0].exponents.num[static_cast<int>(Base::kLength)] == 1);
static_assert(kCatalogue[8].symbol == "J" &&
              kCatalogue[8].exponents.num[static_cast<int>(Base::kLength)] == 2 &&
              kCatalogue[8].exponents.num[static_cast<int>(Base::kMass)] == 1 &&
              kCatalogue[8].exponents.num[static_cast<int>(Base::kTime)] == -2);

std::vector<NamedUnit> BuildCatalogue() {
  std::vector<NamedUnit> units;
  units.reserve(kCatalogue.size());
  for (const CatalogueEntry& entry : kCatalogue) {
    Dimension::Exponents exponents{};
    for (int i = 0; i < kNumBaseDimensions; ++i) {
      exponents[i] = Rational(entry.exponents.num[i], entry.exponents.den[i]);
    }
    units.push_back({entry.symbol, Dimension(exponents)});
  }
  return units;
}

}  // namespace

std::span<const NamedUnit> SiCatalogue() {
  static const std::vector<NamedUnit> units = BuildCatalogue();
  return units;
}

const NamedUnit* FindNamedUnit(std::string_view symbol) {
  for (const NamedUnit& unit : SiCatalogue()) {
    if (unit.symbol == symbol) return &unit;
  }
  return nullptr;
}

}  // namespace physr::units::detail
