// Parses unit strings such as "kg*m^2/s^2", "m s^-1", "J", "ohm", "m^(1/2)", "1" into a
// Dimension. Knows the 7 SI base units and the named SI derived units (their dimensions
// come from Boost.Units' SI system). Not a conversion library: no prefixes, no scales.
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
//   "bad unit 'km': unknown unit 'km' at position 0 (physr units have no prefixes; known: m, ...)"
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
//  - symbol is one of KnownUnitSymbols(); "rad" and "sr" are dimensionless.
// Exponent literals beyond kMaxUnitExponent, nesting beyond kMaxUnitNesting and results whose
// exponents overflow Rational are errors. Throws UnitParseError naming the position on any
// error. Linear time in the input length, bounded recursion; thread-safe.
Dimension ParseUnit(std::string_view text);

// The symbols ParseUnit knows, base units first, for help texts: "m", "kg", "s", "A", "K",
// "mol", "cd", "N", "J", ..., "ohm", "Ω" (U+03A9), "Ω" (U+2126 ohm sign), ..., "rad", "sr".
// UTF-8 strings; the vector lives for the whole program. Thread-safe.
const std::vector<std::string>& KnownUnitSymbols();

}  // namespace physr::units
