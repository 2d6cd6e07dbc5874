#include "eval_command.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <span>
#include <sstream>

#include "options.hpp"
#include "physr/core/error.hpp"
#include "physr/data/csv.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/fit/constant_fitter.hpp"
#include "physr/fit/metrics.hpp"
#include "report.hpp"

namespace physr::cli {
namespace {

std::string ColumnLabel(const std::string& name, const Dimension& d) {
  return name + " [" + d.ToUnitString() + "]";
}

// "data.csv:17" for row `row` of the table (its source line when known).
std::string RowPlace(const CsvTable& table, std::size_t row) {
  if (row < table.row_lines.size()) {
    return table.source + ":" + std::to_string(table.row_lines[row]);
  }
  return table.source + " row " + std::to_string(row + 1);
}

[[noreturn]] void ReportNonFinite(const EvalOptions& options, const CsvTable& table,
                                  const Dataset& data, std::span<const double> prediction) {
  std::size_t count = 0;
  std::size_t first = prediction.size();
  for (std::size_t i = 0; i < prediction.size(); ++i) {
    if (!std::isfinite(prediction[i])) {
      ++count;
      if (first == prediction.size()) first = i;
    }
  }
  std::ostringstream msg;
  msg << "formula '" << options.formula << "' gives non-finite values on " << count << " of "
      << prediction.size() << " rows (first at " << RowPlace(table, first) << ":";
  const auto row = static_cast<Eigen::Index>(first);
  const int shown = std::min(data.num_variables(), 8);
  for (int j = 0; j < shown; ++j) {
    msg << ' ' << data.names[static_cast<std::size_t>(j)] << '='
        << FormatNumber(data.X(row, j), 17);
  }
  if (shown < data.num_variables()) msg << " ...";
  msg << ")";
  throw InputError(msg.str());
}

// Fits the free constants of `program` in place and returns their standard errors by slot
// (empty entries where not estimable are NaN).
std::vector<double> FitFreeConstants(Program& program, const Library& library, const Dataset& data,
                                     bool weights_are_inverse_variances) {
  FitOptions options;
  options.restarts = 8;  // seeded, so repeated runs agree
  options.covariance_scaling = weights_are_inverse_variances ? CovarianceScaling::kNone
                                                             : CovarianceScaling::kResidualVariance;
  const FitResult fit = FitConstants(program, library, data, options);
  if (!fit.finite) {
    std::cerr << "physr: warning: --fit: no start gave finite predictions (" << ToString(fit.status)
              << ")\n";
  } else if (!fit.converged) {
    std::cerr << "physr: warning: --fit: the fit did not converge (" << ToString(fit.status)
              << " after " << fit.iterations << " iterations, " << fit.starts << " starts)\n";
  }
  if (fit.covariance_singular) {
    std::cerr << "physr: warning: --fit: the constants are not all determined by the data "
                 "(singular normal matrix); no standard errors for them\n";
  }
  program.constants = fit.constants;
  return fit.standard_errors;
}

}  // namespace

CLI::App* AddEvalCommand(CLI::App& app, EvalOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "eval", "Check a formula against data: units, RMSE, NRMSE, R^2 (and fit its constants)");
  cmd->add_option("DATA", o.data_path,
                  "CSV file with a name[unit] header ('-': standard input); the last column is "
                  "the target")
      ->required();
  cmd->add_option("--formula,-f", o.formula,
                  "Formula over the column names and constants, e.g. 'm*c^2/sqrt(1-v^2/c^2)'")
      ->required();
  cmd->add_option("--target", o.target, "Target column (default: the last column)");
  cmd->add_option("--const", o.constants,
                  "Fixed constant with its unit and value, e.g. c[m/s]=299792458 (repeatable)")
      ->type_name("NAME[UNIT]=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--free-const", o.free_constants,
                  "Constant to fit with --fit, with its unit and optional start value, "
                  "e.g. k[kg] or k[kg]=2 (repeatable)")
      ->type_name("NAME[UNIT][=START]")
      ->allow_extra_args(false);
  cmd->add_flag("--fit", o.fit, "Fit the free constants before reporting");
  AddDataFlags(cmd, o.input);
  AddOperatorFlags(cmd, o.operators, /*with_ops=*/false);
  CLI::Option* sigma = cmd->add_option(
      "--sigma", o.sigma, "Column of per-row standard errors of the target (weights 1/sigma^2)");
  CLI::Option* weights = cmd->add_option("--weights", o.weights, "Column of per-row weights");
  sigma->excludes(weights);
  cmd->add_option("--json", o.json_path,
                  "Also write the result as JSON to this file ('-': to standard output, and "
                  "the report to standard error)")
      ->type_name("OUT.json");
  return cmd;
}

int RunEval(const EvalOptions& o, std::ostream& out) {
  // Validate every option before touching the data.
  DatasetOptions dataset_options;
  dataset_options.target = o.target;
  dataset_options.sigma = o.sigma;
  dataset_options.weights = o.weights;
  const CsvOptions csv_options = MakeCsvOptions(o.input, dataset_options);
  CheckJsonPath(o.json_path, o.data_path);
  const OperatorChoices ops = ParseOperatorFlags(o.operators);
  LibrarySpec spec;
  spec.definitions = ops.definitions;
  for (const std::string& text : o.constants) {
    spec.fixed_constants.push_back(ParseFixedConstant(text));
  }
  for (const std::string& text : o.free_constants) {
    spec.free_constants.push_back(ParseFreeConstant(text));
  }

  const LoadedData loaded = LoadData(o.data_path, csv_options, dataset_options);
  const CsvTable& table = loaded.table;
  const Dataset& data = loaded.data;

  for (int j = 0; j < data.num_variables(); ++j) {
    const auto k = static_cast<std::size_t>(j);
    spec.variables.push_back({data.names[k], data.dimensions[k]});
  }
  Library library = Library::Build(spec);
  Program program = ParseFormula(o.formula, library);
  library.SetComplexity(ops.complexity);  // also of the operators the formula added
  const std::string target_label = ColumnLabel(data.target_name, data.target_dimension);
  const UnitCheckResult check = CheckUnits(program, library, data.target_dimension);
  if (!check.ok) {
    // Name the target when the whole formula has the wrong dimension.
    const bool about_result = check.error.rfind("result", 0) == 0;
    throw InputError("formula '" + o.formula + "': " + check.error +
                     (about_result ? " (the target is " + target_label + ")" : std::string()));
  }

  const bool uses_free = UsesFreeConstants(program.tokens, library);
  if (program.constants.empty()) program.constants = library.FreeConstantDefaults();
  std::vector<double> standard_errors;
  if (uses_free && !o.fit) {
    throw InputError("formula '" + o.formula +
                     "' uses free constants: pass --fit to fit them, or give their values "
                     "with --const NAME[UNIT]=VALUE");
  }
  if (o.fit) {
    if (uses_free) {
      standard_errors = FitFreeConstants(program, library, data, !o.sigma.empty());
    } else {
      std::cerr << "physr: note: --fit: the formula has no free constants to fit\n";
    }
  }

  const CompiledProgram compiled = Compile(program, library);
  std::vector<double> prediction(static_cast<std::size_t>(data.rows()));
  Evaluator evaluator;
  if (!evaluator.Evaluate(compiled, data.X, program.constants, prediction)) {
    ReportNonFinite(o, table, data, prediction);
  }
  const FitMetrics metrics = ComputeMetrics(
      std::span<const double>(data.y.data(), static_cast<std::size_t>(data.y.size())), prediction,
      std::span<const double>(data.weights.data(), static_cast<std::size_t>(data.weights.size())));
  const FormulaReport report = MakeFormulaReport(program, library, metrics, standard_errors);

  const bool json_to_stdout = o.json_path == kStdoutPath;
  if (!o.json_path.empty()) {
    std::ostringstream json;
    JsonWriter w(json);
    w.BeginObject();
    WriteFormulaFields(w, report);
    w.Field("data", table.source);
    w.Field("target", data.target_name);
    w.IntegerField("rows", static_cast<std::int64_t>(data.rows()));
    WriteDefinitions(w, library);
    w.EndObject();
    // First, so a failure leaves stdout empty.
    if (json_to_stdout) {
      out << json.str() << std::flush;
    } else {
      WriteJsonFile(o.json_path, json.str());
    }
  }
  // With the JSON on stdout, the report goes to stderr.
  std::ostream& report_out = json_to_stdout ? std::cerr : out;

  report_out << "data        " << table.source << ": " << data.rows() << " rows, target "
             << target_label;
  if (data.weights.size() > 0) {
    report_out << ", weighted by " << (o.sigma.empty() ? o.weights : "1/" + o.sigma + "^2");
  }
  report_out << '\n';
  PrintConversions(report_out, data);
  PrintDefinitions(report_out, library);
  PrintFormulaReport(report_out, report, data.target_dimension.ToUnitString());
  if (!o.json_path.empty() && !json_to_stdout) report_out << "json        " << o.json_path << '\n';
  return 0;
}

}  // namespace physr::cli
