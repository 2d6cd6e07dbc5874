// Whole-program dimensional analysis, independent of the sampling priors: the reference the
// priors are tested against, and what `physr eval` runs on a user's formula.
#pragma once

#include <optional>
#include <string>

#include "physr/expr/program.hpp"

namespace physr {

struct UnitCheckResult {
  bool ok = false;
  Dimension dimension;  // the program's dimension when ok
  // When !ok: e.g. "add: cannot add L T^-1 and L at token 5" (0-based prefix position of the
  // offending operator), or "sin: argument must be dimensionless, got L at token 2".
  std::string error;
  int token_position = -1;
};

// Checks every operator's unit rule. With `required`, also that the result has that dimension
// ("result has dimension L, expected M L^2 T^-2"). Never throws for a complete program;
// PHYSR_CHECK fails on an incomplete one.
UnitCheckResult CheckUnits(const Program& program, const Library& library,
                           const std::optional<Dimension>& required = std::nullopt);

}  // namespace physr
