#include "units_command.hpp"

#include "physr/units/unit_parser.hpp"

namespace physr::cli {

CLI::App* AddUnitsCommand(CLI::App& app, UnitsOptions& options) {
  CLI::App* cmd =
      app.add_subcommand("units", "Print the dimension of a unit string, e.g. 'J' or 'kg*m^2/s^2'");
  cmd->add_option("TEXT", options.text,
                  "Unit text: SI symbols (no prefixes) with * / ^ and parentheses, '1' for "
                  "dimensionless; quote it if it has spaces")
      ->required();
  cmd->footer("Examples: physr units J    physr units 'J/(kg*K)'    physr units 'm s^-1'");
  return cmd;
}

int RunUnits(const UnitsOptions& options, std::ostream& out) {
  const units::Dimension d = units::ParseUnit(options.text);
  out << d.ToUnitString() << "  ("
      << (d.IsDimensionless() ? std::string("dimensionless") : d.ToSymbolString()) << ")\n";
  return 0;
}

}  // namespace physr::cli
