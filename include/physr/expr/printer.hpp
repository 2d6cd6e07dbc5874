// Printers: infix text for people, SymPy-parsable text, and LaTeX. All take a complete
// program (PHYSR_CHECK otherwise) and print the minimum parentheses.
#pragma once

#include <string>

#include "physr/expr/program.hpp"

namespace physr {

struct PrintOptions {
  // Print free constants as their fitted values (from Program::constants) instead of their
  // names. When the program has no constants vector, names are printed regardless.
  bool substitute_constants = false;
  int precision = 17;  // significant digits for numbers; 17 round-trips a double
};

// "m*c^2/sqrt(1 - v^2/c^2)". Parseable by ParseFormula into the same program.
std::string ToInfix(const Program& program, const Library& library, const PrintOptions& = {});
// "m*c**2/sqrt(1 - v**2/c**2)": sympy.sympify accepts it; function names are SymPy's
// (asin, atan, Abs, ...).
std::string ToSympy(const Program& program, const Library& library, const PrintOptions& = {});
// "\frac{m c^{2}}{\sqrt{1 - \frac{v^{2}}{c^{2}}}}".
std::string ToLatex(const Program& program, const Library& library, const PrintOptions& = {});

}  // namespace physr
