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
#include "physr/fit/metrics.hpp"
#include "physr/search/evaluate_formula.hpp"
#include "report.hpp"

namespace physr::cli {
namespace {

// "data.csv:17" for row `row` of the table (its source line when known).
std::string RowPlace(const CsvTable& table, std::size_t row) {
  if (row < table.row_lines.size()) {
    return table.source + ":" + std::to_string(table.row_lines[row]);
  }
  return table.source + " row " + std::to_string(row + 1);
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
  FormulaEvaluationOptions options;
  options.definitions = ops.definitions;
  options.complexity = ops.complexity;
  for (const std::string& text : o.constants) {
    options.fixed_constants.push_back(ParseFixedConstant(text));
  }
  for (const std::string& text : o.free_constants) {
    options.free_constants.push_back(ParseFreeConstant(text));
  }
  options.fit = o.fit;
  options.weights_are_inverse_variances = !o.sigma.empty();
  options.free_constant_advice =
      "pass --fit to fit them, or give their values with --const NAME[UNIT]=VALUE";

  const LoadedData loaded = LoadData(o.data_path, csv_options, dataset_options);
  const CsvTable& table = loaded.table;
  const Dataset& data = loaded.data;
  options.row_place = [&table](std::size_t row) { return RowPlace(table, row); };

  const FormulaEvaluation evaluation = EvaluateFormula(data, o.formula, options);
  if (evaluation.fit) {
    for (const std::string& warning : FitWarnings(*evaluation.fit)) {
      std::cerr << "physr: warning: --fit: " << warning << '\n';
    }
  } else if (o.fit) {
    std::cerr << "physr: note: --fit: the formula has no free constants to fit\n";
  }
  FitMetrics metrics;
  metrics.rmse = evaluation.formula.rmse;
  metrics.nrmse = evaluation.formula.nrmse;
  metrics.r2 = evaluation.formula.r2;
  const FormulaReport report = MakeFormulaReport(evaluation.formula.program, evaluation.library,
                                                 metrics, evaluation.standard_errors);
  const std::string target_label = data.TargetLabel();

  std::ostringstream json;
  if (!o.json_path.empty()) {
    JsonWriter w(json);
    w.BeginObject();
    WriteFormulaFields(w, report);
    w.Field("data", table.source);
    w.Field("target", data.target_name);
    w.IntegerField("rows", static_cast<std::int64_t>(data.rows()));
    WriteDefinitions(w, evaluation.library);
    w.EndObject();
  }
  std::ostream& report_out = WriteJsonResult(o.json_path, json.str(), out);

  report_out << "data        " << table.source << ": " << data.rows() << " rows, target "
             << target_label;
  if (data.weights.size() > 0) {
    report_out << ", weighted by " << (o.sigma.empty() ? o.weights : "1/" + o.sigma + "^2");
  }
  report_out << '\n';
  PrintConversions(report_out, data);
  PrintDefinitions(report_out, evaluation.library);
  PrintFormulaReport(report_out, report, data.target_dimension.ToUnitString());
  PrintJsonPath(report_out, o.json_path);
  return 0;
}

}  // namespace physr::cli
