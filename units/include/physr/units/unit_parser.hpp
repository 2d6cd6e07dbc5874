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
//   "bad unit 'kg*m^': expected an exponent at position 6"
// and position() is the 0-based byte offset of the problem in the input.
class UnitParseError : public std::invalid_argument {
 public:
  UnitParseError(const std::string& message, std::size_t position)
      : std::invalid_argument(message), position_(position) {}
  std::size_t position() const { return position_; }

 private:
  std::size_t position_;
};

// Grammar (whitespace between factors means multiplication):
//   unit    := "" | "1" | product
//   product := power (("*" | "/" | " ") power)*
//   power   := atom ("^" exponent)?
//   atom    := symbol | "(" product ")" | "1"
//   exponent:= integer | "(" integer ("/" integer)? ")" | "-" integer
// Throws UnitParseError naming the position on any error, including unknown symbols.
Dimension ParseUnit(std::string_view text);

// The symbols ParseUnit knows, for help texts: "m", "kg", ..., "N", "J", ...
const std::vector<std::string>& KnownUnitSymbols();

}  // namespace physr::units
