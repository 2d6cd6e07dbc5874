// Structural simplification of a fitted formula against its data: drop the parts that do not
// help the fit (a term of a sum, a dimensionless factor, a sign), fold subtrees that only
// compute a dimensionless number into one free constant, and write a dimensionless free
// constant that fits as 1 or −1, or as an exact number the library has (exact_number.hpp: 1/2,
// 2, pi, 2*pi, ...), as that number, refitting after each change and keeping it only
// when the fit stays as good (on noisy data: as good as the noise can tell). Turns the
// bloated exact formulas a search finds first
// (m*c^2*sqrt(c)*sqrt(sin(1e-7*k)^2/c + c/(c^2 - v^2))) into their plain form.
// Not algebraic rewriting: it never changes what the formula computes beyond the fit's
// tolerance (or, with SimplifyOptions::rows, beyond what the noise hides), and never looks
// for identities the data cannot tell apart.
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "physr/data/dataset.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"
#include "physr/fit/constant_fitter.hpp"
#include "physr/search/pareto_front.hpp"

namespace physr {

struct SimplifyOptions {
  // A change is kept when the refitted NRMSE is at most max(accept_nrmse, the current NRMSE
  // × (1 + relative_slack)).
  double accept_nrmse = 1e-6;
  double relative_slack = 1e-9;
  // The largest refitted NRMSE that change of a formula fitting at `nrmse` may reach.
  double AcceptLimit(double nrmse) const {
    return std::max(accept_nrmse, nrmse * (1.0 + relative_slack));
  }
  // With rows > 0 (the data's effective row count), a change is also kept when it does not
  // raise the model-selection criterion (SelectionCriterion with `penalty`): on noisy data, a
  // part whose removal costs less than the noise of `rows` points explains goes, and a
  // constant that is ±1 or ± an exact number up to that noise becomes the number (the
  // criterion then falls by ln(rows), one fitted value fewer, less the rise of the error: the
  // constant is within about √ln(rows) standard errors of the number).
  double rows = 0.0;
  double penalty = kSelectionPenalty;
  // Bound on accepted changes (each shortens the program or fixes a constant as a number).
  int max_changes = 64;
  FitOptions fit;  // for the refits; uncertainties are never computed here
};

struct Simplified {
  Program program;  // constants fitted
  FitResult fit;
  int changes = 0;  // accepted changes (0: the input came back unchanged)
  int refits = 0;   // candidate changes tried
};

// Simplifies complete, dimensionally valid `program` (its constants the fitted values, `fit`
// its fit on `data`) greedily: at each round, the first change (in prefix order of the node
// it edits, larger edits first) whose refit passes is kept, until none does. Every candidate
// keeps the program's dimension; free constants used for folding are dimensionless ones the
// program does not use elsewhere. Deterministic. Cost: up to (changes + 1) × (3 × length)
// refits.
Simplified SimplifyProgram(const Program& program, const FitResult& fit, const Library& library,
                           const Dataset& data, const SimplifyOptions& options = {});

// The refit of a candidate change: its constants fitted (all slots) and its figures; the
// acceptance limit applies to its nrmse.
using SimplifyRefit = std::function<FitResult(const Program&)>;

// The same with each candidate refitted by `refit` instead of FitConstants on `data` (which
// then only gives the start value of a folded constant): a class search simplifies with a
// refit over the class (class_search.cpp), its nrmse the class loss. SimplifyOptions::fit is
// unused; with rows > 0 the criterion uses `refit`'s nrmse.
Simplified SimplifyProgram(const Program& program, const FitResult& fit, const Library& library,
                           const Dataset& data, const SimplifyOptions& options,
                           const SimplifyRefit& refit);

// Whether `rewrite`, an exact rewrite of `original` (each with its own constants), computes
// the same values on `data` before any refit: finite on every row, rms difference at most
// 1e-9 of the target's spread (only rounding may separate them). The first acceptance test of
// the canonical form (CanonicalizeFront, and its class analogue in class_search.cpp).
bool RewriteAgrees(const Program& original, const Program& rewrite, const Library& library,
                   const Dataset& data);

// The canonical form (expr/canonical.hpp) of each entry of `front`, whose refits on `data` are
// `fits` (one per entry, matched by tokens): the canonical program, its merged constants
// refitted on `data` with `fit` (uncertainties as `fit` asks), replaces the entry when its values
// before the refit agree with the entry's (rms difference at most 1e-9 of the target's spread:
// the rewrite is exact, so only rounding separates them), its refit is as good
// (SimplifyOptions::AcceptLimit of the entry's NRMSE) and NumericallyStable. Entries whose
// canonical forms coincide become one. The front is rebuilt by Offer with loss
// max(NRMSE, exact_nrmse); `fits` gains the new refits. Deterministic. Cost: per entry, one
// rewrite, two evaluations over the rows and one fit.
//
// With `noise` (the final pass's simplification against the noise), a rewrite whose merged
// constants the final simplification has not seen (log(2.7096) + x is C1 + x, C1 = 0.9968) is
// simplified once more: SimplifyProgram on noise->rows with noise->options, kept in canonical
// form when it only wrote constants as numbers (the same length: C1 + x → x + 1) and its refit
// on `data` passes the final pass's test (AcceptLimit, or a selection criterion no higher over
// the data's effective rows; NumericallyStable). Else a rewrite would displace, at its
// length, the entry whose constant the noise had already written as 1.
struct NoiseSimplification {
  SimplifyOptions options;        // rows > 0
  const Dataset* rows = nullptr;  // the rows it judges on (the search rows)
};
void CanonicalizeFront(ParetoFront& front, std::vector<std::pair<Program, FitResult>>& fits,
                       const Library& library, const Dataset& data, const FitOptions& fit,
                       double exact_nrmse, const NoiseSimplification* noise = nullptr);

// The final pass's simplification of one formula (`program` with its constants, `fit` its fit
// on `data`): SimplifyProgram judged on noise.rows (refitted there first unless they are
// `data`) with noise.options, the result refitted on `data` with `final_fit` and kept when that
// refit is within AcceptLimit of fit's NRMSE or does not raise the selection criterion over
// the data's effective rows, and it is NumericallyStable. nullopt when nothing changed or the
// change fails. SearchEngine::RefitFront and CanonicalizeFront (with `noise`) use it.
std::optional<std::pair<Program, FitResult>> SimplifyAgainstNoise(
    const Program& program, const FitResult& fit, const Library& library, const Dataset& data,
    const FitOptions& final_fit, const NoiseSimplification& noise);

}  // namespace physr
