// physr command-line tool: `physr units`, `physr eval`, `physr fit`, `physr predict`,
// `physr report`. Exit
// status 0 on success, 2 for bad usage or input (one line on stderr naming the problem), 1 for
// an internal error; `predict` 3 when some rows could not be predicted.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "eval_command.hpp"
#include "fit_command.hpp"
#include "parallel.hpp"
#include "physr/units/nearest_names.hpp"
#include "predict_command.hpp"
#include "report_command.hpp"
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

// Whether `text` is a number (a value such as -5 or -1e3 rather than an option).
bool IsNumber(const std::string& text) {
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return end != text.c_str() && *end == '\0';
}

std::string CommandName(const CLI::App& command) {
  return command.get_parent() == nullptr ? "physr" : "physr " + command.get_name();
}

// The first option in argv[begin, end) that `command` does not know, as a message with the
// nearest options it has; nullopt if there is none.
std::optional<std::string> UnknownOption(const CLI::App& command, int begin, int end, char** argv) {
  for (int i = begin; i < end; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-' || IsNumber(arg)) continue;
    const std::string option = arg.substr(0, arg.find('='));
    if (command.get_option_no_throw(option) != nullptr) continue;
    std::vector<std::string> known;
    for (const CLI::Option* opt : command.get_options()) {
      for (const std::string& n : opt->get_lnames()) known.push_back("--" + n);
      for (const std::string& n : opt->get_snames()) known.push_back("-" + n);
    }
    // "-x" is an edit away from every short option: only letter case counts there.
    const std::size_t max_edits = option.size() > 2 ? 2 : 0;
    const std::string hint = units::DidYouMean(units::NearestNames(option, known, 4, max_edits));
    return "unknown option '" + option + "' for '" + CommandName(command) + "' (" +
           (hint.empty() ? "" : hint + " ") + "see '" + CommandName(command) + " --help')";
  }
  return std::nullopt;
}

// The one-line message for a command line CLI11 refused. An unknown option explains it best,
// also when CLI11 reports what it swallowed ("--formla x": "--formula is required") or lists
// the arguments it did not expect in reverse ("60 --time-limt"); else CLI11's message, with
// the help of the command concerned.
std::string ParseErrorMessage(const CLI::App& app, std::initializer_list<const CLI::App*> commands,
                              const CLI::ParseError& error, int argc, char** argv) {
  const CLI::App* command = &app;
  int at = argc;  // where the command's name is
  for (int i = 1; i < argc && command == &app; ++i) {
    for (const CLI::App* c : commands) {
      if (c->check_name(argv[i])) {
        command = c;
        at = i;
      }
    }
  }
  if (command != &app) {
    if (auto message = UnknownOption(*command, at + 1, argc, argv)) return *message;
  }
  if (auto message = UnknownOption(app, 1, at, argv)) return *message;
  const std::string help = " (see '" + CommandName(*command) + " --help')";
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr && !command->remaining().empty()) {
    return "unexpected argument '" + command->remaining().front() + "' for '" +
           CommandName(*command) + "'" + help;
  }
  return error.what() + help;
}

int Run(int argc, char** argv) {
  CLI::App app{"physr: discover and check physical laws in data with units", "physr"};
  app.set_version_flag("-V,--version", std::string("physr ") + PHYSR_VERSION);
  app.require_subcommand(1);
  app.footer("Run 'physr COMMAND --help' for the options of a command.");

  UnitsOptions units_options;
  EvalOptions eval_options;
  FitCommandOptions fit_options;
  PredictOptions predict_options;
  ReportOptions report_options;
  CLI::App* units = AddUnitsCommand(app, units_options);
  CLI::App* eval = AddEvalCommand(app, eval_options);
  CLI::App* fit = AddFitCommand(app, fit_options);
  CLI::App* predict = AddPredictCommand(app, predict_options);
  CLI::App* report = AddReportCommand(app, report_options);

  // CLI11 reports an unknown command as a missing one; name it instead.
  if (argc > 1 && argv[1][0] != '-' && !units->check_name(argv[1]) && !eval->check_name(argv[1]) &&
      !fit->check_name(argv[1]) && !predict->check_name(argv[1]) && !report->check_name(argv[1])) {
    PrintError("error", "unknown command '" + std::string(argv[1]) +
                            "' (commands: units, eval, fit, predict, report; see 'physr --help')");
    return kExitInputError;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    PrintError("error", ParseErrorMessage(app, {units, eval, fit, report}, e, argc, argv));
    return kExitInputError;
  }
  if (units->parsed()) return RunUnits(units_options, std::cout);
  if (eval->parsed()) return RunEval(eval_options, std::cout);
  if (fit->parsed()) return RunFit(fit_options, std::cout);
  if (predict->parsed()) return RunPredict(predict_options, std::cout);
  if (report->parsed()) return RunReport(report_options);
  PrintError("error", "no command given (see 'physr --help')");
  return kExitInputError;
}

}  // namespace
}  // namespace physr::cli

int main(int argc, char** argv) {
  using physr::cli::PrintError;
  int status = physr::cli::kExitInternalError;
  try {
    return physr::cli::Run(argc, argv);
  } catch (const std::invalid_argument& e) {  // physr::InputError, units::UnitParseError
    PrintError("error", e.what());
    status = physr::cli::kExitInputError;
  } catch (const std::runtime_error& e) {  // files, overflow in unit exponents
    PrintError("error", e.what());
    status = physr::cli::kExitInputError;
  } catch (const std::exception& e) {
    PrintError("internal error", e.what());
  } catch (...) {
    PrintError("internal error", "unknown exception");
  }
  // An error on one rank of an MPI job ends every rank, rather than leave them waiting.
  physr::cli::AbortParallelJob(status);
  return status;
}
