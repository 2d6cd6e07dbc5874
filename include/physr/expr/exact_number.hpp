// Exact numbers a physicist writes: p/q·π^e with small p and q (1/2, 3/2, 2, pi, 2*pi, pi/2,
// 1/pi, ...). The final simplification of a search writes a fitted dimensionless constant that
// the data cannot tell from one of them as that number (search/simplify.hpp); here is the
// table of candidates, their exact text, and the library tokens that carry them. Such a token
// is a dimensionless fixed constant named by its infix text ("1/2", "2*pi"); the printers
// write it exactly (printer.hpp). Not here: when a constant is snapped (the simplifier decides,
// by refitting).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "physr/expr/library.hpp"

namespace physr {

// p/q·π^pi_power in lowest terms, p ≥ 1, q ≥ 1, pi_power ∈ {−1, 0, 1}.
struct ExactNumber {
  int p = 1;
  int q = 1;
  int pi_power = 0;

  // The nearest double, computed the same way everywhere.
  double Value() const;
  // Infix text, which is also SymPy text giving the exact Rational / pi: "2", "1/2", "pi",
  // "2*pi", "pi/2", "3*pi/4", "1/pi", "1/(2*pi)".
  std::string Text() const;
  // LaTeX: "\frac{1}{2}", "2 \pi", "\frac{\pi}{2}", "\frac{1}{2 \pi}".
  std::string Latex() const;
};

// The candidates, simplest first (shortest text, then smaller p + q, then no π before π
// before 1/π): the integers 2…6, then pi, the fractions p/q (max(p, q) ≤ 6), and
// p/q·π^±1 (max(p, q) ≤ 4); 1 itself is not among them (the library's "1" is). All are
// distinct and lie in [1/(4π), 4π]. Cost: built once.
std::span<const ExactNumber> SimpleNumbers();

// The exact number a library token stands for: a dimensionless fixed constant whose name is
// the Text() of a SimpleNumbers() entry and whose value is its Value(); nullopt otherwise.
std::optional<ExactNumber> ExactNumberOf(const Token& token);

// Adds to `library` a token for each SimpleNumbers() entry it lacks (named by its Text(), in
// table order); a terminal already of that name is left as it is (and carries the number only
// when ExactNumberOf says so). When the library's terminal pi is not π (a column named pi),
// the multiples of π are left out, as their text would read back as multiples of that
// terminal. Ids of existing tokens do not change.
void AddExactNumbers(Library& library);

}  // namespace physr
