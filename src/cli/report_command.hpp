// `physr report RESULT.json [DATA.csv] [-o OUT.html]`: draws a result's pictures (the Pareto
// front, the training curve, and with the data predicted against observed and the residuals)
// into a self-contained HTML file. The drawing is the Python package's (`physr._report`,
// with matplotlib): this command runs it in the interpreter named by $PHYSR_PYTHON, else
// python3 on PATH, and says how to get the package when that interpreter lacks it.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace physr::cli {

struct ReportOptions {
  std::string result_path;
  std::string data_path;  // "": the data file the result names, when it still exists
  std::string output_path = "report.html";
};

CLI::App* AddReportCommand(CLI::App& app, ReportOptions& options);

// The Python program's exit status (0, or 2 with its one-line message); throws InputError
// when no interpreter with the package and matplotlib can be run.
int RunReport(const ReportOptions& options);

}  // namespace physr::cli
