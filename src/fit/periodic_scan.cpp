#include "physr/fit/periodic_scan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace physr {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The scan's data: the scan rows once per grid value (block b holds rows b·m … b·m + m − 1),
// over the columns the program reads, renumbered, plus one column for the scanned constant's
// value; block 0 is left for the fitted value.
struct ScanData {
  Eigen::Index m = 0;             // rows per block
  std::vector<double> values;     // by block; values[0] set per scanned constant
  std::vector<int> variable_map;  // data column → scan column (-1: unused)
  int value_column = 0;           // the scanned constant's column
  Eigen::MatrixXd X;              // (values.size()·m) × (value_column + 1)
};

std::vector<double> GridValues() {
  constexpr int kSteps = static_cast<int>((PeriodicScan::kLog10Max - PeriodicScan::kLog10Min) *
                                          PeriodicScan::kStepsPerDecade);
  std::vector<double> values{0.0};
  for (int step = 0; step <= kSteps; ++step) {
    const double magnitude = std::pow(
        10.0, PeriodicScan::kLog10Min + static_cast<double>(step) / PeriodicScan::kStepsPerDecade);
    values.push_back(magnitude);
    values.push_back(-magnitude);
  }
  return values;
}

ScanData MakeScanData(const CompiledProgram& program, const PeriodicScanSample& sample) {
  ScanData data;
  data.values = GridValues();
  data.variable_map.assign(static_cast<std::size_t>(sample.X.cols()), -1);
  std::vector<Eigen::Index> used;
  for (const Instruction& ins : program.code) {
    if (ins.op != OpCode::kVariable) continue;
    int& mapped = data.variable_map[static_cast<std::size_t>(ins.arg)];
    if (mapped >= 0) continue;
    mapped = static_cast<int>(used.size());
    used.push_back(ins.arg);
  }
  data.value_column = static_cast<int>(used.size());
  data.m = sample.X.rows();
  const auto blocks = static_cast<Eigen::Index>(data.values.size());
  data.X.resize(blocks * data.m, data.value_column + 1);
  for (Eigen::Index b = 0; b < blocks; ++b) {
    for (std::size_t j = 0; j < used.size(); ++j) {
      data.X.col(static_cast<Eigen::Index>(j)).segment(b * data.m, data.m) = sample.X.col(used[j]);
    }
    data.X.col(data.value_column)
        .segment(b * data.m, data.m)
        .setConstant(data.values[static_cast<std::size_t>(b)]);
  }
  return data;
}

// `program` with the constant of Jacobian column `column` read from the value column, and its
// variables renumbered to the scan's columns.
CompiledProgram WithConstantAsColumn(const CompiledProgram& program, int column,
                                     const ScanData& data) {
  CompiledProgram scanned = program;
  for (Instruction& ins : scanned.code) {
    if (ins.op == OpCode::kVariable) {
      ins.arg = data.variable_map[static_cast<std::size_t>(ins.arg)];
    } else if (ins.jacobian_column == column) {
      ins = Instruction{OpCode::kVariable, data.value_column};
    }
  }
  scanned.num_variables_used = data.value_column + 1;
  return scanned;
}

// 1 − ρ², ρ the weighted correlation of the predictions f with the scan rows' targets (0: an
// exact affine fit). +inf when f is not finite or constant.
double AffineMisfit(std::span<const double> f, const PeriodicScanSample& sample) {
  const auto w = [&](std::size_t i) { return sample.weights.empty() ? 1.0 : sample.weights[i]; };
  const std::vector<double>& y = sample.y;
  double sw = 0.0, sf = 0.0, sy = 0.0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (!std::isfinite(f[i])) return kInf;
    sw += w(i);
    sf += w(i) * f[i];
    sy += w(i) * y[i];
  }
  if (!(sw > 0.0)) return kInf;
  const double mf = sf / sw, my = sy / sw;
  double cfy = 0.0, cff = 0.0, cyy = 0.0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    const double df = f[i] - mf, dy = y[i] - my;
    cfy += w(i) * df * dy;
    cff += w(i) * df * df;
    cyy += w(i) * dy * dy;
  }
  if (!(cff > 0.0) || !(cyy > 0.0)) return kInf;
  return 1.0 - std::min(1.0, cfy * cfy / (cff * cyy));
}

struct ScanPoint {
  double misfit;
  int column;
  double value;
};

// The best points, at most kMaxStarts, pairwise distinct: another constant, or magnitudes
// more than kApart apart (the better of ±C stands for both: in sin(C*x)^2 or A*sin(C*x) the
// sign does not matter).
std::vector<PeriodicStart> Choose(std::vector<ScanPoint> points) {
  std::stable_sort(points.begin(), points.end(),
                   [](const ScanPoint& a, const ScanPoint& b) { return a.misfit < b.misfit; });
  std::vector<PeriodicStart> chosen;
  for (const ScanPoint& p : points) {
    if (static_cast<int>(chosen.size()) == PeriodicScan::kMaxStarts) break;
    const bool distinct = std::all_of(chosen.begin(), chosen.end(), [&](const PeriodicStart& q) {
      const double ratio = std::abs(p.value / q.value);
      return p.column != q.column || ratio > PeriodicScan::kApart ||
             ratio < 1.0 / PeriodicScan::kApart;
    });
    if (distinct) chosen.push_back({p.column, p.value});
  }
  return chosen;
}

}  // namespace

std::vector<Eigen::Index> PeriodicScanRows(Eigen::Index rows) {
  constexpr double kGolden = 0.6180339887498949;
  const Eigen::Index m = std::min(rows, PeriodicScan::kMaxRows);
  std::vector<Eigen::Index> picked;
  for (Eigen::Index i = 0; i < m; ++i) {
    const double offset = std::fmod(static_cast<double>(i) * kGolden, 1.0);
    const double at =
        (static_cast<double>(i) + offset) * static_cast<double>(rows) / static_cast<double>(m);
    picked.push_back(std::min(rows - 1, static_cast<Eigen::Index>(at)));
  }
  return picked;
}

PeriodicScanSample MakePeriodicScanSample(const ConstMatrixRef& X, std::span<const double> y,
                                          std::span<const double> weights) {
  const std::vector<Eigen::Index> rows = PeriodicScanRows(X.rows());
  PeriodicScanSample sample;
  sample.X = X(rows, Eigen::all);
  for (const Eigen::Index row : rows) {
    sample.y.push_back(y[static_cast<std::size_t>(row)]);
    if (!weights.empty()) sample.weights.push_back(weights[static_cast<std::size_t>(row)]);
  }
  return sample;
}

std::vector<PeriodicStart> PeriodicScanStarts(const CompiledProgram& program,
                                              std::span<const double> constants,
                                              const PeriodicScanSample& sample,
                                              Evaluator& evaluator) {
  const std::vector<int> columns = FrequencyConstantColumns(program);
  if (columns.empty() || sample.X.rows() == 0) return {};
  ScanData data = MakeScanData(program, sample);
  std::vector<double> out(static_cast<std::size_t>(data.X.rows()));
  std::vector<ScanPoint> points;
  for (const int column : columns) {
    const double fitted =
        constants[static_cast<std::size_t>(program.free_slots[static_cast<std::size_t>(column)])];
    data.X.col(data.value_column).head(data.m).setConstant(fitted);
    evaluator.Evaluate(WithConstantAsColumn(program, column, data), data.X, constants, out);
    const auto block = [&](std::size_t b) {
      return AffineMisfit(std::span<const double>(out).subspan(b * static_cast<std::size_t>(data.m),
                                                               static_cast<std::size_t>(data.m)),
                          sample);
    };
    const double base = block(0);
    for (std::size_t b = 1; b < data.values.size(); ++b) {
      const double misfit = block(b);
      if (std::isfinite(misfit) &&
          misfit <= std::max(PeriodicScan::kShare * base, base - PeriodicScan::kVariance)) {
        points.push_back({misfit, column, data.values[b]});
      }
    }
  }
  return Choose(std::move(points));
}

}  // namespace physr
