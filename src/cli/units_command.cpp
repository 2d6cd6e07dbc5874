#include "units_command.hpp"

#include <cstdio>
#include <string>

#include "physr/units/unit_parser.hpp"

namespace physr::cli {

CLI::App* AddUnitsCommand(CLI::App& app, UnitsOptions& options) {
  CLI::App* cmd =
      app.add_subcommand("units", "Print the dimension of a unit string, e.g. 'J' or 'kg*m^2/s^2'");
  cmd->add_option("TEXT", options.text,
                  "Unit text: SI symbols with optional prefixes (km, MeV) and common units "
                  "(g, eV, L, bar, min, h, d, yr, deg, ...) with * / ^ and parentheses, '1' for "
                  "dimensionless; quote it if it has spaces")
      ->required();
  cmd->footer(
      "Prints the coherent SI unit and its dimension, and for a scaled unit the factor that "
      "converts a value in it to SI.\n"
      "Examples: physr units J    physr units 'J/(kg*K)'    physr units 'm s^-1'    "
      "physr units km/h");
  return cmd;
}

int RunUnits(const UnitsOptions& options, std::ostream& out) {
  const units::ParsedUnit unit = units::ParseUnitWithScale(options.text);
  const units::Dimension& d = unit.dimension;
  out << d.ToUnitString() << "  ("
      << (d.IsDimensionless() ? std::string("dimensionless") : d.ToSymbolString()) << ")";
  if (unit.scale != 1.0) {
    char scale[32];
    std::snprintf(scale, sizeof scale, "%.15g", unit.scale);
    out << "  \u00D7 " << scale;
  }
  out << '\n';
  return 0;
}

}  // namespace physr::cli
