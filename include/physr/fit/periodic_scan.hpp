// Starts for constants inside periodic functions (FitOptions::periodic_scan; docs/algorithms.md,
// "Constants inside periodic functions"). With C inside sin(C*x) the fit's cost has a local
// minimum in every period of C, so Levenberg–Marquardt from one start settles in the period
// nearest it. The scan sets each such constant to every value of a logarithmic grid, on a few
// rows, and returns the values whose predictions correlate best with the target, to start
// Levenberg–Marquardt from. Not here: the fit itself (constant_fitter.hpp).
#pragma once

#include <span>
#include <vector>

#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"

namespace physr {

// The grid: ±10^u, u = kLog10Min, kLog10Min + 1/kStepsPerDecade, ..., kLog10Max.
struct PeriodicScan {
  static constexpr double kLog10Min = -1.0;
  static constexpr double kLog10Max = 2.0;
  static constexpr int kStepsPerDecade = 24;
  static constexpr Eigen::Index kMaxRows = 32;  // one from each of as many equal stretches
  static constexpr int kMaxStarts = 2;
  static constexpr double kApart = 1.5;  // two starts of one constant: magnitudes this far apart
  // A grid value becomes a start only if it explains at least half of what the fitted
  // constants leave unexplained, or a tenth of the target's variance more than they do:
  // misfit ≤ kShare × theirs, or ≤ theirs − kVariance.
  static constexpr double kShare = 0.5;
  static constexpr double kVariance = 0.1;
};

// The scan's rows among `rows`: min(rows, kMaxRows) of them, ascending, row i drawn from the
// i-th of as many equal stretches at a golden-ratio offset within it (spread like an even
// spacing, without the lattice that would alias a high frequency onto a low one in data
// sorted by time).
std::vector<Eigen::Index> PeriodicScanRows(Eigen::Index rows);

// The scan's rows of a fit's data (PeriodicScanRows), copied once: the scan evaluates on them,
// and the fitter solves its candidate starts on them before it solves them on all rows.
struct PeriodicScanSample {
  Eigen::MatrixXd X;
  std::vector<double> y;
  std::vector<double> weights;  // empty when the data has none
};

// X, y and weights as FitConstants takes them.
PeriodicScanSample MakePeriodicScanSample(const ConstMatrixRef& X, std::span<const double> y,
                                          std::span<const double> weights);

struct PeriodicStart {
  int column;    // the constant's Jacobian column (CompiledProgram::free_slots position)
  double value;  // its start value; the other constants keep theirs
};

// Scans every constant of FrequencyConstantColumns(program) in turn, the others at `constants`
// (values by slot, as Evaluator takes them): for each grid value, the misfit 1 − ρ² of the
// predictions on the scan rows, ρ their weighted correlation with y (scale and offset free:
// an amplitude fitted to nearly 0 at the wrong frequency does not hide the right one). Returns
// at most kMaxStarts starts, best first, each better than `constants` as kShare and kVariance
// ask; two starts differ in the constant or in magnitude by more than kApart. Empty
// when the program has no such constant. Deterministic.
// Cost: one evaluation of (2·73 + 1)·kMaxRows rows per scanned constant.
std::vector<PeriodicStart> PeriodicScanStarts(const CompiledProgram& program,
                                              std::span<const double> constants,
                                              const PeriodicScanSample& sample,
                                              Evaluator& evaluator);

}  // namespace physr
