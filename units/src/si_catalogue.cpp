#include "si_catalogue.hpp"

#include <array>
#include <cstdint>
#include <numbers>
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
  double scale = 1.0;      // the unit in coherent SI units of its dimension
  bool prefixable = true;  // whether SI prefixes combine with it (km, MeV, kPa)
  bool listed = true;      // false for a lookalike of a listed symbol
};

constexpr bool kPrefixes = true;
constexpr bool kNoPrefixes = false;
constexpr bool kLookalike = false;

// Scales that are definitions rather than Boost's. Boost.Units' astronomical unit
// (149597870691 m) and parsec predate the IAU's exact definitions, and its CODATA constants
// are the 2006 adjustment, before the 2019 SI fixed e exactly.
// IAU 2012 Resolution B2: the astronomical unit is exactly 149 597 870 700 m.
constexpr double kAstronomicalUnit = 149597870700.0;
// IAU 2015 Resolution B2: the parsec is exactly (648000/π) au.
constexpr double kParsec = 648000.0 / std::numbers::pi * kAstronomicalUnit;
// SI 2019: the elementary charge is exactly 1.602176634e-19 C, so 1 eV = 1.602176634e-19 J.
constexpr double kElectronvolt = 1.602176634e-19;
// CODATA 2018 recommended value of the atomic mass constant m_u = 1 Da, in kg.
constexpr double kDalton = 1.66053906660e-27;

constexpr std::array kCatalogue = {
    // Base units. The kilogram takes no prefixes; the gram does (mg, ug).
    CatalogueEntry{"m", kExponentsOf<bu::si::meter>},
    CatalogueEntry{"kg", kExponentsOf<bu::si::kilogram>, 1.0, kNoPrefixes},
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
    CatalogueEntry{"\u2126", kExponentsOf<bu::si::ohm>, 1.0, kPrefixes, kLookalike},  // ohm sign
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

    // Units outside the SI, as SI multiples. "Boost:" names the Boost.Units header whose
    // conversion factor is used.
    // Mass.
    CatalogueEntry{"g", kExponentsOf<bu::si::kilogram>,
                   1e-3},  // boost/units/base_units/cgs/gram.hpp
    CatalogueEntry{"t", kExponentsOf<bu::si::kilogram>, 1e3, kNoPrefixes},  // Boost: metric/ton.hpp
    CatalogueEntry{"Da", kExponentsOf<bu::si::kilogram>, kDalton},
    CatalogueEntry{"u", kExponentsOf<bu::si::kilogram>, kDalton, kNoPrefixes},
    // Length.
    CatalogueEntry{"\u00C5", kExponentsOf<bu::si::meter>, 1e-10,
                   kNoPrefixes},  // Boost: metric/angstrom.hpp
    CatalogueEntry{"\u212B", kExponentsOf<bu::si::meter>, 1e-10, kNoPrefixes,
                   kLookalike},  // angstrom sign
    CatalogueEntry{"angstrom", kExponentsOf<bu::si::meter>, 1e-10, kNoPrefixes},
    CatalogueEntry{"au", kExponentsOf<bu::si::meter>, kAstronomicalUnit, kNoPrefixes},
    CatalogueEntry{"AU", kExponentsOf<bu::si::meter>, kAstronomicalUnit, kNoPrefixes},
    // Boost: astronomical/light_year.hpp, c times the Julian year (IAU).
    CatalogueEntry{"ly", kExponentsOf<bu::si::meter>, 299792458.0 * 31557600.0, kNoPrefixes},
    CatalogueEntry{"pc", kExponentsOf<bu::si::meter>, kParsec},  // kpc, Mpc, Gpc
    // Volume and area.
    CatalogueEntry{"L", kExponentsOf<bu::si::cubic_meter>, 1e-3},  // Boost: metric/liter.hpp
    CatalogueEntry{"ha", kExponentsOf<bu::si::square_meter>, 1e4,
                   kNoPrefixes},  // Boost: metric/hectare.hpp
    // Time. The year is the Julian year of 365.25 days (Boost: metric/year.hpp; IAU);
    // it takes prefixes for kyr, Myr, Gyr.
    CatalogueEntry{"min", kExponentsOf<bu::si::second>, 60.0,
                   kNoPrefixes},  // Boost: metric/minute.hpp
    CatalogueEntry{"h", kExponentsOf<bu::si::second>, 3600.0,
                   kNoPrefixes},  // Boost: metric/hour.hpp
    CatalogueEntry{"hr", kExponentsOf<bu::si::second>, 3600.0, kNoPrefixes},
    CatalogueEntry{"d", kExponentsOf<bu::si::second>, 86400.0,
                   kNoPrefixes},  // Boost: metric/day.hpp
    CatalogueEntry{"yr", kExponentsOf<bu::si::second>, 31557600.0},
    // Pressure.
    CatalogueEntry{"bar", kExponentsOf<bu::si::pascal>, 1e5},  // Boost: metric/bar.hpp
    CatalogueEntry{"atm", kExponentsOf<bu::si::pascal>, 101325.0,
                   kNoPrefixes},  // Boost: metric/atmosphere.hpp
    CatalogueEntry{"Torr", kExponentsOf<bu::si::pascal>,
                   101325.0 / 760.0},  // mTorr; Boost: metric/torr.hpp
    // Conventional millimetre of mercury, 133.322387415 Pa (NIST SP 811, B.8).
    CatalogueEntry{"mmHg", kExponentsOf<bu::si::pascal>, 133.322387415, kNoPrefixes},
    // Energy. Thermochemical calorie, exactly 4.184 J (NIST SP 811, B.8): cal and kcal.
    CatalogueEntry{"eV", kExponentsOf<bu::si::joule>, kElectronvolt},  // meV, keV, MeV, GeV, TeV
    CatalogueEntry{"cal", kExponentsOf<bu::si::joule>, 4.184},
    CatalogueEntry{"Wh", kExponentsOf<bu::si::joule>, 3600.0},  // kWh, MWh
    // CGS units, exact by definition: erg = 1e-7 J, dyn = 1e-5 N, gauss = 1e-4 T.
    CatalogueEntry{"erg", kExponentsOf<bu::si::joule>, 1e-7, kNoPrefixes},
    CatalogueEntry{"dyn", kExponentsOf<bu::si::newton>, 1e-5, kNoPrefixes},
    CatalogueEntry{"G", kExponentsOf<bu::si::tesla>, 1e-4, kNoPrefixes},
    // Plane angles, dimensionless: degree = π/180 rad, arc minute and arc second.
    CatalogueEntry{"deg", kExponentsOf<bu::si::radian>, std::numbers::pi / 180.0, kNoPrefixes},
    CatalogueEntry{"\u00B0", kExponentsOf<bu::si::radian>, std::numbers::pi / 180.0, kNoPrefixes},
    CatalogueEntry{"arcmin", kExponentsOf<bu::si::radian>, std::numbers::pi / 10800.0, kNoPrefixes},
    CatalogueEntry{"arcsec", kExponentsOf<bu::si::radian>, std::numbers::pi / 648000.0,
                   kNoPrefixes},
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
    units.push_back(
        {entry.symbol, Dimension(exponents), entry.scale, entry.prefixable, entry.listed});
  }
  return units;
}

constexpr SpelledUnit kSpelledUnits[] = {
    {"metre", "m"},
    {"meter", "m"},
    {"kilogram", "kg"},
    {"second", "s"},
    {"sec", "s"},
    {"ampere", "A"},
    {"amp", "A"},
    {"kelvin", "K"},
    {"mole", "mol"},
    {"candela", "cd"},
    {"newton", "N"},
    {"joule", "J"},
    {"watt", "W"},
    {"pascal", "Pa"},
    {"coulomb", "C"},
    {"volt", "V"},
    {"farad", "F"},
    {"henry", "H"},
    {"tesla", "T"},
    {"weber", "Wb"},
    {"hertz", "Hz"},
    {"siemens", "S"},
    {"gray", "Gy"},
    {"sievert", "Sv"},
    {"becquerel", "Bq"},
    {"lumen", "lm"},
    {"lux", "lx"},
    {"katal", "kat"},
    {"radian", "rad"},
    {"steradian", "sr"},
    {"gram", "g"},
    {"tonne", "t"},
    {"dalton", "Da"},
    {"lightyear", "ly"},
    {"parsec", "pc"},
    {"litre", "L"},
    {"liter", "L"},
    {"hectare", "ha"},
    {"minute", "min"},
    {"hour", "h"},
    {"day", "d"},
    {"year", "yr"},
    {"atmosphere", "atm"},
    {"torr", "Torr"},
    {"electronvolt", "eV"},
    {"calorie", "cal"},
    {"dyne", "dyn"},
    {"gauss", "G"},
    {"degree", "deg"},
    {"arcminute", "arcmin"},
    {"arcsecond", "arcsec"},
    {"micron", "um"},
    {"degk", "K"},
};

}  // namespace

std::span<const SpelledUnit> SpelledUnits() { return kSpelledUnits; }

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
