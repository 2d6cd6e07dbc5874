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

std::string Dataset::TargetLabel() const {
  return target_name + " [" + target_dimension.ToUnitString() + "]";
}

namespace {

std::string ConversionLine(const std::string& name, const Dimension& dimension,
                           const SourceUnit& unit) {
  char scale[32];
  std::snprintf(scale, sizeof scale, "%.15g", unit.scale);
  return "converted " + name + " from " + unit.text + " to " + dimension.ToUnitString() +
         " (\u00D7 " + scale + ")";
}

}  // namespace

std::vector<std::string> DescribeConversions(const Dataset& data) {
  std::vector<std::string> lines;
  for (std::size_t j = 0; j < data.source_units.size() && j < data.names.size(); ++j) {
    if (data.source_units[j].converted()) {
      lines.push_back(ConversionLine(data.names[j], data.dimensions[j], data.source_units[j]));
    }
  }
  if (data.target_source_unit.converted()) {
    lines.push_back(
        ConversionLine(data.target_name, data.target_dimension, data.target_source_unit));
  }
  return lines;
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

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// What MakeDataset makes of each column of the table.
struct ColumnRoles {
  std::size_t sigma = kNone;
  std::size_t weights = kNone;
  std::size_t target = kNone;
  std::vector<std::size_t> inputs;
};

// The target column: the one options.target names, else the last column that is not
// `excluded` (sigma or weights) or ignored.
std::size_t FindTarget(const CsvTable& table, const DatasetOptions& options,
                       const ColumnRoles& roles, const std::vector<bool>& excluded,
                       const std::vector<bool>& ignored, const TableReporter& report) {
  std::size_t target = kNone;
  if (!options.target.empty()) {
    target = report.Find(options.target, "--target");
    if (target == roles.sigma) {
      report.Fail("column '" + options.target + "' is both target and sigma");
    }
    if (target == roles.weights) {
      report.Fail("column '" + options.target + "' is both target and weights");
    }
    if (ignored[target]) report.Fail("column '" + options.target + "' is the target and ignored");
  } else {
    for (std::size_t c = table.names.size(); c-- > 0;) {
      if (!excluded[c] && !ignored[c]) {
        target = c;
        break;
      }
    }
    if (target == kNone) report.Fail("no column is left for the target");
  }
  return target;
}

// Assigns the columns their roles from the options (inputs: all the others, in table order).
ColumnRoles AssignColumns(const CsvTable& table, const DatasetOptions& options,
                          const TableReporter& report) {
  const std::size_t num_columns = table.names.size();
  ColumnRoles roles;
  std::vector<bool> excluded(num_columns, false);  // not an input
  if (!options.sigma.empty()) roles.sigma = report.Find(options.sigma, "--sigma");
  if (!options.weights.empty()) roles.weights = report.Find(options.weights, "--weights");
  if (roles.sigma != kNone) excluded[roles.sigma] = true;
  if (roles.weights != kNone) excluded[roles.weights] = true;
  std::vector<bool> ignored(num_columns, false);
  for (const auto& name : options.ignore) ignored[report.Find(name, "--ignore")] = true;

  roles.target = FindTarget(table, options, roles, excluded, ignored, report);
  excluded[roles.target] = true;

  for (std::size_t c = 0; c < num_columns; ++c) {
    if (!excluded[c] && !ignored[c]) roles.inputs.push_back(c);
  }
  if (roles.inputs.empty()) {
    report.Fail(
        "no input column: every column is the target, sigma, weights or ignored "
        "(columns: " +
        report.Columns() + ")");
  }
  return roles;
}

// The unit of column c, which the dataset uses.
Dimension UnitOf(const CsvTable& table, std::size_t c, const TableReporter& report) {
  if (!table.units[c]) {
    const std::string& n = table.names[c];
    report.Fail("column '" + n + "' has no unit: write " + n + "[<unit>] in the header (" + n +
                "[1] if dimensionless), or pass --units " + n + "=<unit>");
  }
  return *table.units[c];
}

// The unit column c was written in and its factor to coherent SI (1 where the table has none).
SourceUnit SourceUnitOf(const CsvTable& table, std::size_t c) {
  SourceUnit unit;
  if (c < table.unit_texts.size()) unit.text = table.unit_texts[c];
  if (c < table.scales.size()) unit.scale = table.scales[c];
  return unit;
}

// Copies the inputs and the target, with their names and units, converted to coherent SI.
void CopyColumns(const CsvTable& table, const ColumnRoles& roles, const TableReporter& report,
                 Dataset& dataset) {
  const auto num_rows = static_cast<Eigen::Index>(table.num_rows());
  dataset.X.resize(num_rows, static_cast<Eigen::Index>(roles.inputs.size()));
  for (std::size_t j = 0; j < roles.inputs.size(); ++j) {
    const std::size_t c = roles.inputs[j];
    dataset.names.push_back(table.names[c]);
    dataset.dimensions.push_back(UnitOf(table, c, report));
    dataset.source_units.push_back(SourceUnitOf(table, c));
    auto column = dataset.X.col(static_cast<Eigen::Index>(j));
    std::copy(table.columns[c].begin(), table.columns[c].end(), column.data());
    if (dataset.source_units.back().converted()) column *= dataset.source_units.back().scale;
  }
  dataset.target_name = table.names[roles.target];
  dataset.target_dimension = UnitOf(table, roles.target, report);
  dataset.target_source_unit = SourceUnitOf(table, roles.target);
  dataset.y = Eigen::Map<const Eigen::VectorXd>(table.columns[roles.target].data(), num_rows);
  if (dataset.target_source_unit.converted()) dataset.y *= dataset.target_source_unit.scale;
}

// Weights 1/σ² from the sigma column, which must be in the target's unit (or have none).
void WeightsFromSigma(const CsvTable& table, std::size_t sigma, const TableReporter& report,
                      Dataset& dataset) {
  const std::string& n = table.names[sigma];
  if (table.units[sigma] && *table.units[sigma] != dataset.target_dimension) {
    report.Fail("sigma column '" + n + "' has unit " + table.units[sigma]->ToUnitString() +
                ", but the target '" + dataset.target_name + "' has " +
                dataset.target_dimension.ToUnitString() + "; errors must be in the target's unit");
  }
  // σ in its own unit, or in the target's when the column has none.
  const double scale =
      table.units[sigma] ? SourceUnitOf(table, sigma).scale : dataset.target_source_unit.scale;
  const std::size_t rows = table.num_rows();
  dataset.weights.resize(static_cast<Eigen::Index>(rows));
  for (std::size_t r = 0; r < rows; ++r) {
    const double s = table.columns[sigma][r] * scale;
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
}

// Weights from the weights column: each finite and >= 0, with a positive, finite sum.
void WeightsFromColumn(const CsvTable& table, std::size_t weights, const TableReporter& report,
                       Dataset& dataset) {
  const std::string& n = table.names[weights];
  const std::size_t rows = table.num_rows();
  dataset.weights.resize(static_cast<Eigen::Index>(rows));
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

  const ColumnRoles roles = AssignColumns(table, options, report);
  Dataset dataset;
  CopyColumns(table, roles, report, dataset);
  if (roles.sigma != kNone) {
    WeightsFromSigma(table, roles.sigma, report, dataset);
  } else if (roles.weights != kNone) {
    WeightsFromColumn(table, roles.weights, report, dataset);
  }
  return dataset;
}

}  // namespace physr
