#include "report_command.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "physr/core/error.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for posix_spawnp

namespace physr::cli {
namespace {

// The exit status of the bootstrap when the package or matplotlib cannot be imported.
constexpr int kMissingPackage = 97;

// Imports what the report needs, then runs it with the command line's arguments.
constexpr const char* kBootstrap =
    "import sys\n"
    "try:\n"
    "    import matplotlib, physr._report as r\n"
    "except ImportError:\n"
    "    sys.exit(97)\n"
    "sys.exit(r.main(sys.argv[1:]))\n";

std::string Interpreter() {
  const char* chosen = std::getenv("PHYSR_PYTHON");
  return chosen != nullptr && *chosen != '\0' ? chosen : "python3";
}

}  // namespace

CLI::App* AddReportCommand(CLI::App& app, ReportOptions& options) {
  CLI::App* report = app.add_subcommand(
      "report",
      "Draw a result's Pareto front, training curve, predicted against observed and residuals "
      "into a self-contained HTML file (needs the physr Python package with matplotlib)");
  report->add_option("result", options.result_path, "result file (physr fit --json)")->required();
  report->add_option("data", options.data_path,
                     "the data, for predicted against observed and the residuals (default: the "
                     "data file the result names, when it still exists)");
  report->add_option("-o,--output", options.output_path, "HTML file to write")
      ->capture_default_str();
  return report;
}

int RunReport(const ReportOptions& options) {
  const std::string python = Interpreter();
  std::vector<std::string> args = {python, "-c", kBootstrap, options.result_path};
  if (!options.data_path.empty()) args.push_back(options.data_path);
  args.insert(args.end(), {"-o", options.output_path});
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ);
  if (error != 0) {
    throw InputError("physr report cannot run the Python interpreter '" + python + "' (" +
                     std::strerror(error) +
                     "): set PHYSR_PYTHON to a Python with physr and matplotlib (pip install "
                     "'physr[report]')");
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waiting for '" + python + "' failed");
  }
  if (!WIFEXITED(status)) {
    throw std::runtime_error("physr report: '" + python + "' ended by signal " +
                             std::to_string(WTERMSIG(status)));
  }
  if (WEXITSTATUS(status) == kMissingPackage) {
    throw InputError("physr report needs the physr Python package and matplotlib, which '" +
                     python +
                     "' cannot import: pip install 'physr[report]' into it, or set "
                     "PHYSR_PYTHON to a Python that has them");
  }
  return WEXITSTATUS(status);
}

}  // namespace physr::cli
