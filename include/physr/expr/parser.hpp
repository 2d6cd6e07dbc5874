// Infix formula parser: text → Program over a Library.
// Grammar: + - * / with the usual precedence, unary minus, ^ and ** (right-associative,
// binding tighter than unary minus: -x^2 = -(x^2)), parentheses, function calls
// (sqrt exp log sin cos tan tanh arcsin/asin arccos/acos arctan/atan abs inv n2 n3),
// names of library tokens, and numbers in plain or scientific notation (1.5e-3).
#pragma once

#include <string_view>

#include "physr/expr/program.hpp"

namespace physr {

// Parses `text` into a program whose tokens are those of `library`. The parser adds to
// `library` what the formula needs and it lacks: operator tokens, and numeric literals as
// dimensionless fixed constants named by the shortest text that round-trips their value
// ("2.0" and "2" both give the token "2"). x^2, x^3, x^0.5, x^-1 become n2, n3, sqrt,
// inv; other numeric powers become pow. Names not in the library are errors. The returned
// program's constants are the library's free-constant defaults.
// Throws InputError naming the column (1-based) and the token, e.g.
//   "formula 'm*': expected an operand at column 3 (end of input)".
Program ParseFormula(std::string_view text, Library& library);

}  // namespace physr
