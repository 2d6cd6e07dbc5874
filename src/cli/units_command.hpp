// `physr units TEXT`: prints the dimension of a unit string, or the parse error.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace physr::cli {

struct UnitsOptions {
  std::string text;
};

// Registers the subcommand on `app`; `options` must outlive the parse.
CLI::App* AddUnitsCommand(CLI::App& app, UnitsOptions& options);

// Prints "kg*m^2/s^2  (M L^2 T^-2)" to `out` and returns 0; for a scaled unit the factor to
// coherent SI follows: "m/s  (L T^-1)  × 0.277777777777778" for km/h. Throws units::UnitParseError
// (a std::invalid_argument, so exit status 2) for text that is not a unit.
int RunUnits(const UnitsOptions& options, std::ostream& out);

}  // namespace physr::cli
