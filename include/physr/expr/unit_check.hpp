// Whole-program dimensional analysis, independent of the sampling priors: the reference the
// priors are tested against, and what `physr eval` runs on a user's formula. Not here:
// which tokens may come next during sampling (priors).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "physr/expr/program.hpp"

namespace physr {

struct UnitCheckResult {
  bool ok = false;
  // The program's dimension when ok; also set when only the `required` comparison failed.
  Dimension dimension;
  // When !ok: e.g. "add: cannot add L T^-1 and L at token 5" (0-based prefix position of the
  // offending operator), "sin: argument must be dimensionless, got L at token 2",
  // "pow: exponent must be dimensionless, got L at token 0", "n3: dimension exponent
  // overflow at token 0", or "result has dimension L, expected M L^2 T^-2" (position 0).
  std::string error;
  int token_position = -1;
};

// Checks every operator's unit rule (UnitRule in token.hpp): add/sub need equal dimensions;
// mul/div add/subtract exponents; n2, n3, sqrt, inv scale them by 2, 3, 1/2, -1; neg/abs keep
// them; exp, log, trig, tanh need and give dimensionless. pow: the exponent must be
// dimensionless; a dimensionless base gives dimensionless; a dimensioned base needs an
// exponent that is a number known before the data (fixed constants joined by + − × ÷, neg,
// inv, n2, n3: `x^1.5`, `x^(3/2)`, `x^(-1)`) whose value is p/q with q ≤ 12 (within 1e-12),
// and gives base^(p/q). The first violation in bottom-up order (last prefix
// position first) is reported. With `required`, also checks the result's dimension.
// Never throws for a complete program (exponent overflow is reported as an error);
// PHYSR_CHECK fails on an incomplete one. Thread-safe. Cost: one pass, plus one more per
// pow with a dimensioned base.
UnitCheckResult CheckUnits(const Program& program, const Library& library,
                           const std::optional<Dimension>& required = std::nullopt);

// The dimension of every subtree of a complete program, by the rules above: entry i is the
// dimension of the subtree rooted at prefix position i, nullopt where that subtree breaks a
// rule (and so at every ancestor of it). One bottom-up pass (plus one per pow with a
// dimensioned base); PHYSR_CHECK on an incomplete program. Thread-safe.
std::vector<std::optional<Dimension>> SubtreeDimensions(std::span<const TokenId> tokens,
                                                        const Library& library);

}  // namespace physr
