#include "physr/data/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/data/csv.hpp"

namespace physr {

std::optional<int> Dataset::FindVariable(const std::string& name) const {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

namespace {

// Builds messages that name the table and, where known, the source line of a row.
class TableReporter {
 public:
  explicit TableReporter(const CsvTable& table) : table_(table) {}

  [[noreturn]] void Fail(const std::string& message) const {
    throw InputError(table_.source.empty() ? message : table_.source + ": " + message);
  }
  // Error about row r (0-based): "source:line: " when the table knows the row's line.
  [[noreturn]] void FailRow(std::size_t r, const std::string& message) const {
    if (r < table_.row_lines.size() && table_.row_lines.size() == table_.num_rows()) {
      const std::string place = table_.source.empty() ? "line " : table_.source + ":";
      throw InputError(place + std::to_string(table_.row_lines[r]) + ": " + message);
    }
    Fail("row " + std::to_string(r + 1) + ": " + message);
  }

  std::string Columns() const {
    std::string out;
    for (const auto& n : table_.names) {
      if (!out.empty()) out += ", ";
      out += n;
    }
    return out;
  }

  // Index of the column `name`, which the option `flag` named.
  std::size_t Find(const std::string& name, const char* flag) const {
    const auto c = table_.FindColumn(name);
    if (!c) Fail("no column '" + name + "' for " + flag + " (columns: " + Columns() + ")");
    return *c;
  }

 private:
  const CsvTable& table_;
};

std::string ShowValue(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

}  // namespace

Dataset MakeDataset(const CsvTable& table, const DatasetOptions& options) {
  const std::size_t num_columns = table.names.size();
  PHYSR_CHECK(table.units.size() == num_columns && table.columns.size() == num_columns,
              "CsvTable needs one unit and one column per name");
  const std::size_t rows = table.num_rows();
  for (const auto& column : table.columns) {
    PHYSR_CHECK(column.size() == rows, "CsvTable columns must have equal lengths");
  }
  const TableReporter report(table);
  if (num_columns == 0) report.Fail("the table has no columns");
  if (rows == 0) report.Fail("the table has no data rows");
  if (!options.sigma.empty() && !options.weights.empty()) {
    report.Fail("pass either --sigma or --weights, not both");
  }

  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<bool> excluded(num_columns, false);  // not an input
  const std::size_t sigma = options.sigma.empty() ? kNone : report.Find(options.sigma, "--sigma");
  const std::size_t weights =
      options.weights.empty() ? kNone : report.Find(options.weights, "--weights");
  if (sigma != kNone) excluded[sigma] = true;
  if (weights != kNone) excluded[weights] = true;
  std::vector<bool> ignored(num_columns, false);
  for (const auto& name : options.ignore) ignored[report.Find(name, "--ignore")] = true;

  std::size_t target = kNone;
  if (!options.target.empty()) {
    target = report.Find(options.target, "--target");
    if (target == sigma) report.Fail("column '" + options.target + "' is both target and sigma");
    if (target == weights) {
      report.Fail("column '" + options.target + "' is both target and weights");
    }
    if (ignored[target]) report.Fail("column '" + options.target + "' is the target and ignored");
  } else {
    for (std::size_t c = num_columns; c-- > 0;) {
      if (!excluded[c] && !ignored[c]) {
        target = c;
        break;
      }
    }
    if (target == kNone) report.Fail("no column is left for the target");
  }
  excluded[target] = true;

  std::vector<std::size_t> inputs;
  for (std::size_t c = 0; c < num_columns; ++c) {
    if (!excluded[c] && !ignored[c]) inputs.push_back(c);
  }
  if (inputs.empty()) {
    report.Fail("no input column: every column is the target, sigma, weights or ignored "
                "(columns: " + report.Columns() + ")");
  }

  auto unit_of = [&](std::size_t c) {
    if (!table.units[c]) {
      const std::string& n = table.names[c];
      report.Fail("column '" + n + "' has no unit: write " + n + "[<unit>] in the header (" + n +
                  "[1] if dimensionless), or pass --units " + n + "=<unit>");
    }
    return *table.units[c];
  };

  Dataset dataset;
  const auto num_rows = static_cast<Eigen::Index>(rows);
  dataset.X.resize(num_rows, static_cast<Eigen::Index>(inputs.size()));
  for (std::size_t j = 0; j < inputs.size(); ++j) {
    const std::size_t c = inputs[j];
    dataset.names.push_back(table.names[c]);
    dataset.dimensions.push_back(unit_of(c));
    std::copy(table.columns[c].begin(), table.columns[c].end(),
              dataset.X.col(static_cast<Eigen::Index>(j)).data());
  }
  dataset.target_name = table.names[target];
  dataset.target_dimension = unit_of(target);
  dataset.y = Eigen::Map<const Eigen::VectorXd>(table.columns[target].data(), num_rows);

  if (sigma != kNone) {
    const std::string& n = table.names[sigma];
    if (table.units[sigma] && *table.units[sigma] != dataset.target_dimension) {
      report.Fail("sigma column '" + n + "' has unit " + table.units[sigma]->ToUnitString() +
                  ", but the target '" + dataset.target_name + "' has " +
                  dataset.target_dimension.ToUnitString() +
                  "; errors must be in the target's unit");
    }
    dataset.weights.resize(num_rows);
    for (std::size_t r = 0; r < rows; ++r) {
      const double s = table.columns[sigma][r];
      if (!(std::isfinite(s) && s > 0)) {
        report.FailRow(r, "sigma column '" + n + "' holds " + ShowValue(s) +
                              "; every sigma must be finite and > 0");
      }
      const double w = 1.0 / (s * s);
      if (!std::isfinite(w)) {  // σ so small that 1/σ² overflows
        report.FailRow(r, "sigma column '" + n + "' holds " + ShowValue(s) +
                              ", too small for a weight 1/sigma^2");
      }
      dataset.weights[static_cast<Eigen::Index>(r)] = w;
    }
  } else if (weights != kNone) {
    const std::string& n = table.names[weights];
    dataset.weights.resize(num_rows);
    double sum = 0;
    for (std::size_t r = 0; r < rows; ++r) {
      const double w = table.columns[weights][r];
      if (!(std::isfinite(w) && w >= 0)) {
        report.FailRow(r, "weights column '" + n + "' holds " + ShowValue(w) +
                              "; every weight must be finite and >= 0");
      }
      sum += w;
      dataset.weights[static_cast<Eigen::Index>(r)] = w;
    }
    if (!(sum > 0 && std::isfinite(sum))) {
      report.Fail("weights column '" + n + "' must have a positive, finite sum (it is " +
                  ShowValue(sum) + ")");
    }
  }
  return dataset;
}

}  // namespace physr
