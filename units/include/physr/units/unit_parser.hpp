// Parses unit strings such as "kg*m^2/s^2", "m s^-1", "J", "ohm", "m^(1/2)", "1", "km/h",
// "keV", "kJ/(mol*K)" into a Dimension and the factor that converts a value in that unit to
// coherent SI. Knows the 7 SI base units, the named SI derived units (their dimensions come
// from Boost.Units' SI system), the SI prefixes and common units outside the SI (listed below).
// Not a general conversion library: only multiplicative units, no affine temperature scales.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "physr/units/dimension.hpp"

namespace physr::units {

// A unit string that cannot be parsed. what() reads like
//   "bad unit 'kg*m^': expected an exponent at position 5"
//   "bad unit 'xyz': unknown unit 'xyz' at position 0 (known: m, kg, ...)"
//   "bad unit 'Ohm': unknown unit 'Ohm' at position 0 (did you mean 'ohm'?; known: ...)"
// and position() is the 0-based byte offset of the problem in the input (the input's length
// when the text ends too early). Long inputs are shortened and control characters escaped in
// what(), so the message is always one line.
class UnitParseError : public std::invalid_argument {
 public:
  UnitParseError(const std::string& message, std::size_t position)
      : std::invalid_argument(message), position_(position) {}
  std::size_t position() const { return position_; }

 private:
  std::size_t position_;
};

// Largest |numerator| and denominator accepted in an exponent literal (m^1000, m^(1/1000)).
inline constexpr int kMaxUnitExponent = 1000;
// Deepest parenthesis nesting accepted: "((((m))))" is 4 levels.
inline constexpr int kMaxUnitNesting = 64;

// Grammar (ws = spaces, tabs, newlines; allowed between any two tokens):
//   unit     := ws* ( product ws* )?           empty or blank text is dimensionless
//   product  := power ( op power | ws+ power )*
//   op       := "*" | "/" | "·" | "⋅"           whitespace alone between factors multiplies
//   power    := atom ( ("^" | "**") exponent )?
//   atom     := symbol | "1" | "(" product ")"
//   exponent := int | "(" int ( "/" digits )? ")"
//   int      := ("+" | "-")? digits
// Reading rules:
//  - "*", "/" and whitespace have equal precedence and associate to the left, as in C:
//    "a/b*c" is (a/b)*c and "J/kg K" is J*K/kg; write "J/(kg*K)" for the other reading.
//  - Rational exponents need parentheses: "m^(1/2)", "m^(-3/2)". "m^-3/2" is (m^-3)/2 and
//    is rejected because 2 is not a unit. Decimal exponents ("m^0.5") are rejected.
//  - "1" is the only number that is a unit (dimensionless), so "1/s" works; "10" does not.
//  - A power cannot be raised again without parentheses ("m^2^3" is an error; "(m^2)^3" works).
//  - An exponent needs "^": "m2" is an error with a hint.
//  - symbol is one of KnownUnitSymbols(), or an SI prefix followed by one of them that takes
//    prefixes (see "Symbols" below); "rad", "sr", "deg" are dimensionless.
// Exponent literals beyond kMaxUnitExponent, nesting beyond kMaxUnitNesting and results whose
// exponents overflow Rational are errors. Throws UnitParseError naming the position on any
// error. Linear time in the input length, bounded recursion; thread-safe.
//
// Symbols. The catalogue (KnownUnitSymbols()), with scales to coherent SI:
//   SI base and derived units, scale 1: m kg s A K mol cd N J W Pa C V ohm Ω Ω F H T Wb Hz S
//     Gy Sv Bq lm lx kat rad sr. All take prefixes except kg.
//   Mass: g (1e-3 kg, takes prefixes: mg, ug), t (tonne, 1000 kg), Da (dalton, takes
//     prefixes: kDa) and u (unified atomic mass unit, the same 1.66053906660e-27 kg).
//   Length: Å (U+00C5 or U+212B) and angstrom (1e-10 m), au and AU (149597870700 m),
//     ly (light year, c × 365.25 d), pc (parsec, 648000/π au; takes prefixes: kpc, Mpc).
//   Volume and area: L (litre, 1e-3 m^3; takes prefixes: mL, uL), ha (hectare, 1e4 m^2).
//   Time: min, h and hr, d (day), yr (Julian year, 365.25 d; takes prefixes: kyr, Myr, Gyr).
//   Pressure: bar (1e5 Pa, takes prefixes: mbar), atm (101325 Pa), Torr (atm/760, takes
//     prefixes: mTorr), mmHg (133.322387415 Pa).
//   Energy: eV (1.602176634e-19 J exactly; takes prefixes: meV, keV, MeV, GeV, TeV),
//     cal (4.184 J; kcal), Wh (3600 J; kWh, MWh), erg (1e-7 J).
//   Other CGS: dyn (1e-5 N), G (gauss, 1e-4 T).
//   Angles, dimensionless: deg and ° (π/180), arcmin, arcsec.
// Prefixes: Q R Y Z E P T G M k h da d c m u µ μ n p f a z y r q (1e30 ... 1e-30), micro
// written "u", "µ" (U+00B5) or "μ" (U+03BC).
// Precedence: a symbol is first looked up as a whole name, and only then read as a prefix
// followed by a name that takes prefixes (the longest prefix first: "dam" is a decametre).
// So "min" is a minute (not a milli-inch), "cd" a candela, "Pa" a pascal, "h" an hour, "d" a
// day, "T" a tesla, "G" a gauss (but "GPa" is a gigapascal), "Gy" a gray (but "Gyr" a
// gigayear), "mol" a mole, "kat" a katal, "au" an astronomical unit, "u" a dalton (but "um"
// a micrometre), "ms" a millisecond (write "m*s" for the product), "m" a metre. Units that
// take no prefixes (kg, t, u, Å, angstrom, au, AU, ly, ha, min, h, hr, d, atm, mmHg, erg,
// dyn, G, deg, °, arcmin, arcsec) give an unknown-unit error with one ("kkg", "kmin").
// Unknown symbols are reported with the units they may have meant and the list of known
// names (without the lookalike ohm and angstrom signs): the unit written out ("seconds": did
// you mean 's'?; "kilometres": 'km'), else a plural s ("hrs": 'hr'), a symbol, prefixed or
// not, in another letter case ("Ohm": 'ohm'; "kw": 'kW') and two symbols run together ("Nm":
// 'N*m'), else a catalogue symbol one or two edits away ("angstroem": 'angstrom').
// Affine temperature scales (°C, degC, ℃, °F, degF, ℉) are refused with an error that says how
// to convert to K.
//
// The scale of a compound is the product of its factors' scales raised to their exponents:
// "km/h" is 1/3.6, "kJ/(mol*K)" is 1000. A scale that is not a finite positive double (as in
// "Qm^1000") is an error.
struct ParsedUnit {
  Dimension dimension;
  double scale = 1.0;  // a value in the unit times scale is the value in coherent SI units
};
ParsedUnit ParseUnitWithScale(std::string_view text);

// ParseUnitWithScale(text).dimension, for callers that need only the dimension. Prefixed and
// non-SI units parse here too: callers that read values in the unit must use the scale.
Dimension ParseUnit(std::string_view text);

// The whole symbols ParseUnit knows (without prefixes), SI base units first, for help texts:
// "m", "kg", "s", "A", "K", "mol", "cd", "N", "J", ..., "ohm", "Ω" (U+03A9), "Ω" (U+2126 ohm
// sign), ..., "rad", "sr", then the units outside the SI: "g", "t", "Da", ..., "arcsec".
// UTF-8 strings; the vector lives for the whole program. Thread-safe.
const std::vector<std::string>& KnownUnitSymbols();

}  // namespace physr::units
