// physr command-line tool: `physr units`, `physr eval`, `physr fit`, `physr predict`. Exit
// status 0 on success, 2 for bad usage or input (one line on stderr naming the problem), 1 for
// an internal error; `predict` 3 when some rows could not be predicted.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "eval_command.hpp"
#include "fit_command.hpp"
#include "predict_command.hpp"
#include "units_command.hpp"

#ifndef PHYSR_VERSION
#define PHYSR_VERSION "unknown"
#endif

namespace physr::cli {
namespace {

constexpr int kExitInputError = 2;
constexpr int kExitInternalError = 1;

// One line on stderr, whatever the message holds.
void PrintError(std::string_view kind, std::string_view message) {
  std::string line(message);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cerr << "physr: " << kind << ": " << line << '\n';
}

int Run(int argc, char** argv) {
  CLI::App app{"physr: discover and check physical laws in data with units", "physr"};
  app.set_version_flag("--version", std::string("physr ") + PHYSR_VERSION);
  app.require_subcommand(1);
  app.footer("Run 'physr COMMAND --help' for the options of a command.");

  UnitsOptions units_options;
  EvalOptions eval_options;
  FitCommandOptions fit_options;
  PredictOptions predict_options;
  CLI::App* units = AddUnitsCommand(app, units_options);
  CLI::App* eval = AddEvalCommand(app, eval_options);
  CLI::App* fit = AddFitCommand(app, fit_options);
  CLI::App* predict = AddPredictCommand(app, predict_options);

  // CLI11 reports an unknown command as a missing one; name it instead.
  if (argc > 1 && argv[1][0] != '-' && !units->check_name(argv[1]) && !eval->check_name(argv[1]) &&
      !fit->check_name(argv[1]) && !predict->check_name(argv[1])) {
    PrintError("error", "unknown command '" + std::string(argv[1]) +
                            "' (commands: units, eval, fit, predict; see 'physr --help')");
    return kExitInputError;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    PrintError("error", std::string(e.what()) + " (see 'physr --help')");
    return kExitInputError;
  }
  if (units->parsed()) return RunUnits(units_options, std::cout);
  if (eval->parsed()) return RunEval(eval_options, std::cout);
  if (fit->parsed()) return RunFit(fit_options, std::cout);
  if (predict->parsed()) return RunPredict(predict_options, std::cout);
  PrintError("error", "no command given (see 'physr --help')");
  return kExitInputError;
}

}  // namespace
}  // namespace physr::cli

int main(int argc, char** argv) {
  using physr::cli::PrintError;
  try {
    return physr::cli::Run(argc, argv);
  } catch (const std::invalid_argument& e) {  // physr::InputError, units::UnitParseError
    PrintError("error", e.what());
    return physr::cli::kExitInputError;
  } catch (const std::runtime_error& e) {  // files, overflow in unit exponents
    PrintError("error", e.what());
    return physr::cli::kExitInputError;
  } catch (const std::exception& e) {
    PrintError("internal error", e.what());
    return physr::cli::kExitInternalError;
  } catch (...) {
    PrintError("internal error", "unknown exception");
    return physr::cli::kExitInternalError;
  }
}
