// Whether a formula's values come from the data or from double rounding: the formula is
// evaluated again in long double and must agree. Used to keep rounding artefacts, such as
// (a + 1e-15·a − a)·sqrt(a), out of reported results.
// Not here: evaluation itself (evaluator.hpp).
#pragma once

#include "physr/data/dataset.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"

namespace physr {

// Whether `program` (its constants the fitted values) computes its values from the data and
// not from double rounding: evaluated in long double (EvaluateScalarExtended), its values must
// stay within 1e-6 of the target's standard deviation (rms over rows) and finite. A formula
// whose value is a rounding residue, such as (a + 1e-15·a − a)·sqrt(a), changes by orders of
// magnitude more; a well-conditioned one by about 1e-16. The scale is Spread(data.y)
// (data/statistics.hpp), or max(|y|, 1e-300) for a constant target. True for data without
// rows. Deterministic. Cost: two scalar evaluations per row, over at most max_rows (≥ 1)
// evenly spaced rows.
bool NumericallyStable(const Program& program, const Library& library, const Dataset& data,
                       Eigen::Index max_rows = 10000);

}  // namespace physr
