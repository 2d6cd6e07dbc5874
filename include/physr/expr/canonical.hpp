// The canonical form of a formula, as a physicist writes it: numbers folded and the numbers and
// fitted constants of a product merged into one coefficient written first, like factors merged
// into powers (m*c*c → m*c^2, (sqrt(c)^2)^2 → c^2), factors in a fixed order (the coefficient,
// then the library's terminals in library order, sums, calls), one division per product
// ((x*(1/y))/(1/(z*w)) → x*z*w/y), signs gathered (-(-(a)*b) → a*b, positive terms first:
// 1 - v^2/c^2), the radicand of a square root brought to a rational normal form
// (sqrt(1/((c/v)^2 - 1) + 1) → 1/sqrt(1 - v^2/c^2)) and phases of sin and cos reduced
// (sin(3*t + 8.2539816) → cos(3*t + 0.4)). Pure algebra on a Program: every rule is an
// identity of real arithmetic wherever the original is defined (docs/algorithms.md, "The
// canonical form", lists them and what is not done). Not here: refitting the merged
// constants on data (search/simplify.hpp, CanonicalizeFitted) or dropping parts the data do
// not need (SimplifyProgram).
#pragma once

#include <optional>

#include "physr/expr/program.hpp"

namespace physr {

struct CanonicalOptions {
  // A folded number that is no token of the library: with add_numbers, a literal token named by
  // its shortest numeral joins the library (as ParseFormula adds them); without, it becomes an
  // unused free constant of the library (dimensionless), whose value a refit then confirms.
  bool add_numbers = false;
};

// The canonical form of complete `program` over `library`, or nullopt when it is the program
// itself, or when writing it needs a token the library lacks (an operator such as n2, sqrt, neg
// or div; the number 1), or when it is more complex (Complexity over the library) than the
// program: then the program is its own best form. Where a merged constant has no free constant
// of its dimension, every free constant is kept as a symbol in its own slot and the rest is
// rewritten; where the rewrite turns a repeated free constant into one use (c*c → c^2), it is
// rewritten again, merging that use (c^2 → one constant). The result uses only the library's tokens
// (plus, with CanonicalOptions::add_numbers, new literal numbers), has the program's dimension when
// the program checks (CheckUnits), and computes the same values wherever the program is defined, up
// to rounding (about 1e-15 relative per folded operation). A free constant used once is a
// number here: merged constants get values in the result's `constants` (all library slots) and
// should be refitted; one used more than once is kept as a symbol, written before the other
// terminals. Deterministic. Not
// thread-safe on a shared `library` with add_numbers. Cost: polynomial in the program length
// (the rational normal form of a radicand expands products of sums).
std::optional<Program> Canonicalize(const Program& program, Library& library,
                                    const CanonicalOptions& options = {});
// The same without adding tokens (CanonicalOptions::add_numbers false).
std::optional<Program> Canonicalize(const Program& program, const Library& library);

}  // namespace physr
