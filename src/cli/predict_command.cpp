#include "predict_command.hpp"

#include <cmath>
#include <iostream>
#include <sstream>
#include <vector>

#include "json.hpp"
#include "physr/core/error.hpp"
#include "physr/core/files.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "report.hpp"
#include "result_file.hpp"

namespace physr::cli {
namespace {

// The formula to apply: --formula K, else the selected one.
const SavedFormula& ChooseFormula(const SavedResult& saved, const std::optional<int>& k) {
  if (saved.pareto.empty()) throw InputError(saved.path + ": the result holds no formula");
  if (!k) {
    if (!saved.selected) {
      throw InputError(saved.path + ": no formula was selected; choose one with --formula K");
    }
    return saved.pareto[*saved.selected];
  }
  if (*k < 0 || static_cast<std::size_t>(*k) >= saved.pareto.size()) {
    throw InputError("--formula " + std::to_string(*k) + ": the result's Pareto front has " +
                     std::to_string(saved.pareto.size()) + " formulas (0 to " +
                     std::to_string(saved.pareto.size() - 1) + ")");
  }
  return saved.pareto[static_cast<std::size_t>(*k)];
}

// The inputs in SI, one column per variable of the library (zeros for those the formula does
// not use). Throws InputError for a missing column or a unit of another dimension.
Eigen::MatrixXd InputsInSi(const SavedResult& saved, const SavedFormula& formula,
                           const CsvTable& table) {
  const auto rows = static_cast<Eigen::Index>(table.num_rows());
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(rows, static_cast<Eigen::Index>(saved.inputs.size()));
  std::vector<bool> used(saved.inputs.size(), false);
  for (const TokenId id : formula.program.tokens) {
    const Token& token = saved.library[id];
    if (token.kind == TokenKind::kVariable) used[static_cast<std::size_t>(token.index)] = true;
  }
  for (std::size_t j = 0; j < saved.inputs.size(); ++j) {
    if (!used[j]) continue;
    const VariableSpec& input = saved.inputs[j];
    const std::string wanted = input.dimension.ToUnitString();
    const auto column = table.FindColumn(input.name);
    if (!column) {
      throw InputError(table.source + ": no column '" + input.name + "' (the formula needs " +
                       input.name + "[" + wanted + "])");
    }
    const std::optional<Dimension>& unit = table.units[*column];
    const Dimension got = unit.value_or(Dimension());
    if (!(got == input.dimension)) {
      throw InputError(table.source + ": column '" + input.name + "' is in [" +
                       (unit ? got.ToUnitString() : std::string("no unit")) +
                       "] but the result's input " + input.name + " is in [" + wanted + "]");
    }
    const double scale = *column < table.scales.size() ? table.scales[*column] : 1.0;
    const std::vector<double>& values = table.columns[*column];
    for (Eigen::Index r = 0; r < rows; ++r) {
      X(r, static_cast<Eigen::Index>(j)) = values[static_cast<std::size_t>(r)] * scale;
    }
  }
  return X;
}

std::string HeaderCell(const CsvTable& table, std::size_t c) {
  const bool has_unit = c < table.unit_texts.size() && !table.unit_texts[c].empty();
  return table.names[c] + (has_unit ? "[" + table.unit_texts[c] + "]" : std::string());
}

// The output CSV: the data's columns as read, then the prediction (empty where not finite).
std::string OutputCsv(const CsvTable& table, const SavedResult& saved,
                      const std::vector<double>& prediction) {
  std::ostringstream csv;
  for (std::size_t c = 0; c < table.names.size(); ++c) csv << HeaderCell(table, c) << ',';
  csv << saved.target << "_predicted[" << saved.target_dimension.ToUnitString() << "]\n";
  for (std::size_t r = 0; r < prediction.size(); ++r) {
    for (const std::vector<double>& column : table.columns) csv << JsonNumber(column[r]) << ',';
    if (std::isfinite(prediction[r])) csv << JsonNumber(prediction[r]);
    csv << '\n';
  }
  return csv.str();
}

// Reports the rows with a non-finite prediction on stderr; returns how many there are.
std::size_t ReportFailedRows(const CsvTable& table, const std::string& expression,
                             const std::vector<double>& prediction) {
  constexpr std::size_t kShown = 10;
  std::size_t failed = 0;
  for (std::size_t r = 0; r < prediction.size(); ++r) {
    if (std::isfinite(prediction[r])) continue;
    if (++failed > kShown) continue;
    const std::string place = r < table.row_lines.size()
                                  ? table.source + ":" + std::to_string(table.row_lines[r])
                                  : table.source + " row " + std::to_string(r + 1);
    std::cerr << "physr: error: " << place << ": the formula gives " << FormatNumber(prediction[r])
              << " on this row (its prediction is left empty)\n";
  }
  if (failed > 0) {
    std::cerr << "physr: error: " << failed << " of " << prediction.size()
              << " rows could not be predicted by " << expression << '\n';
  }
  return failed;
}

}  // namespace

CLI::App* AddPredictCommand(CLI::App& app, PredictOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "predict", "Apply a formula of a result file (physr fit --json) to new rows");
  cmd->add_option("RESULT", o.result_path, "Result file written by 'physr fit --json'")->required();
  cmd->add_option("DATA", o.data_path,
                  "CSV file with a name[unit] header ('-': standard input) holding the inputs")
      ->required();
  cmd->add_option("--formula", o.formula,
                  "Index of the formula in the result's Pareto front, from 0 (default: the "
                  "selected one)")
      ->type_name("K");
  cmd->add_option("-o,--output", o.output_path,
                  "Write the CSV to this file (default: standard output)")
      ->type_name("OUT.csv");
  AddDataFlags(cmd, o.input);
  return cmd;
}

int RunPredict(const PredictOptions& o, std::ostream& out) {
  const bool to_stdout = o.output_path.empty() || o.output_path == kStdoutPath;
  if (!to_stdout) CheckWritable(o.output_path, "--output");
  const CsvOptions csv_options = MakeCsvOptions(o.input, DatasetOptions{});
  const SavedResult saved = ReadResultFile(o.result_path);
  const SavedFormula& formula = ChooseFormula(saved, o.formula);
  const CsvTable table = ReadTable(o.data_path, csv_options);
  const Eigen::MatrixXd X = InputsInSi(saved, formula, table);

  std::vector<double> prediction(table.num_rows());
  if (!prediction.empty()) {
    Evaluator evaluator;
    (void)evaluator.Evaluate(Compile(formula.program, saved.library), X, formula.program.constants,
                             prediction);
  }
  const std::string csv = OutputCsv(table, saved, prediction);
  if (to_stdout) {
    out << csv << std::flush;
  } else {
    WriteFileAtomically(o.output_path, csv, "--output file");
  }
  return ReportFailedRows(table, formula.expression, prediction) > 0 ? kExitSomeRowsFailed : 0;
}

}  // namespace physr::cli
