// Printers: infix text for people (and ParseFormula), SymPy-parsable text, and LaTeX.
// All take a complete program (PHYSR_CHECK otherwise) and print the minimum parentheses.
// Not here: simplification; the printed formula has exactly the program's structure.
#pragma once

#include <string>

#include "physr/expr/program.hpp"

namespace physr {

struct PrintOptions {
  // Print free constants as their fitted values (from Program::constants) instead of their
  // names. When the program has no constants vector, names are printed regardless.
  bool substitute_constants = false;
  // Significant digits for numbers (≥ 1): substituted constants and literal tokens (fixed
  // constants named by a numeral). 17 or more prints the shortest text that round-trips the
  // double (literal tokens then print their own name).
  int precision = 17;
};

// Precedence follows Python: sums < products < unary minus < powers < atoms; + - * / are
// left-associative and ^ right-associative, so a-(b-c), a/(b*c), (a+b)^2, -(a+b) and
// a^b^c = a^(b^c) print as written here, and -x^2 means -(x^2). A unary minus (or a
// negative number) as the right operand of + - * / is parenthesised: x*(-2), a - (-b).
// Operators print as: n2(x) → x^2, n3(x) → x^3, inv(x) → 1/x, neg(x) → -x, pow(a, b) →
// a^b, sqrt/exp/log/trig/abs → name(x).

// "m*c^2/sqrt(1 - v^2/c^2)". Uses the library's operator names (arcsin, abs, ...) and token
// names; operators always print as calls or symbols, so a terminal named like an operator
// prints bare and reads back as the terminal: "n2*exp(n2)". Parseable by ParseFormula into the same
// program: where the parser would fold a general form into a power operator, the printer
// parenthesises it (pow(x, 2) → "x^(2)", pow(x, neg 1) → "x^(-1)", div(1, x) → "(1)/x"); see
// parser.hpp.
std::string ToInfix(const Program& program, const Library& library, const PrintOptions& = {});
// "m*c**2/sqrt(1 - v**2/c**2)": sympy.sympify accepts it; function names are SymPy's
// (asin, acos, atan, Abs, ...); non-finite substituted values print as oo, -oo, nan. A
// token whose name SymPy reads as its own object (exp, log, sin, E, I, N, S, pi, gamma,
// lambda, ...) or that is not an identifier prints as Symbol('name'), so that a column
// named exp reads back as a symbol: "Symbol('exp') + sin(Symbol('exp'))". The fixed
// constant pi of value π prints as pi (SymPy's π). An exact-number token (exact_number.hpp:
// "1/2", "2*pi", "1/(4*pi)") prints as its text, a product (x*(1/2), (1/2)^2), which SymPy
// reads as Rational(1, 2) and pi; LaTeX writes \frac{1}{2}, 2 \pi. ParseFormula reads that
// text back as the same value but not the same token (1/2 → inv(2)).
std::string ToSympy(const Program& program, const Library& library, const PrintOptions& = {});
// "\frac{m c^{2}}{\sqrt{1 - \frac{v^{2}}{c^{2}}}}". Products by juxtaposition (\cdot before
// a number or a minus), \left( \right) parentheses, \sin\left(x\right), \left|x\right|,
// 1.5e-05 → 1.5 \cdot 10^{-5}. Names: Greek letters (alpha, theta, omega, Omega, hbar, ...)
// become \alpha etc.; a trailing number or an underscore starts a subscript (m1 → m_{1},
// x_1 → x_{1}, t_max → t_{\mathrm{max}}); other multi-letter names are \mathrm{mass}.
std::string ToLatex(const Program& program, const Library& library, const PrintOptions& = {});

}  // namespace physr
