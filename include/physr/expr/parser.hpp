// Infix formula parser: text → Program over a Library. For formulas typed by people
// (`physr eval --formula`) and for reading back what ToInfix prints; not a general CAS.
// Grammar: + - * / with the usual precedence, unary minus, ^ and ** (right-associative,
// binding tighter than unary minus: -x^2 = -(x^2)), parentheses, function calls
// (sqrt exp log sin cos tan tanh arcsin/asin arccos/acos arctan/atan abs/Abs inv n2 n3),
// names of library tokens, and numbers in plain or scientific notation (1.5e-3).
#pragma once

#include <string_view>

#include "physr/expr/program.hpp"

namespace physr {

// Parses `text` into a program whose tokens are those of `library`.
//
// Syntax, loosest binding first (Python's order):
//   sum     := product (('+' | '-') product)*          left-associative: a-b-c = (a-b)-c
//   product := unary (('*' | '/') unary)*               left-associative: a/b/c = (a/b)/c
//   unary   := ('-' | '+') unary | power                -x → neg(x); unary plus is dropped
//   power   := primary (('^' | '**') unary)?            right-associative: 2^3^2 = 2^(3^2)
//   primary := number | name | function '(' sum ')' | 'pow' '(' sum ',' sum ')' | '(' sum ')'
// Names are identifiers [A-Za-z_][A-Za-z0-9_]* naming library terminals; `pi` not in the
// library adds the dimensionless fixed constant pi = π. A name followed by '(' is a
// function, a bare name a terminal, so terminals may be named like functions (a column
// n2, exp, log, inv or sin): `n2*exp(n2)`, `exp + sin(exp)`; a terminal named pi hides π. Also
// accepted as functions: neg, pow(x, y), and the aliases ln (log), sq (n2), cube (n3). Whitespace
// is ignored.
//
// Numbers are unsigned (a minus is always neg: x*-2 → mul x neg 2) and become
// dimensionless fixed constants named by the shortest text that round-trips their value
// ("2.0" and "2" both give the token "2"); a dimensionless fixed constant whose name is a
// differently spelled numeral of the same value ("2.0") is reused instead.
//
// Folding rules, applied only to bare (unparenthesised) numbers:
//   x^2 → n2(x), x^3 → n3(x), x^0.5 → sqrt(x), x^-1 → inv(x) (also x^2.0, x**2, ...);
//   1/x → inv(x).
// Parentheses or a call keep the general form: x^(2) → pow(x, 2), x^(-1) → pow(x, neg 1),
// pow(x, 2) → pow, (1)/x → div(1, x). Other exponents give pow: x^2.5, x^-2 = pow(x, neg 2),
// x^(1/2) = pow(x, inv 2) (expressions are not constant-folded). One exception: where the
// library has exact-number tokens (exact_number.hpp: "1/2", "3*pi/4", "1/(2*pi)"), numbers
// and pi written as such a token's text read back as that token (1/2*m → mul 1/2 m). ToInfix
// uses the same rules, so ParseFormula(ToInfix(p)) == p for every program whose token names
// are identifiers, canonical non-negative numerals or exact numbers and whose tree is at
// most 250 operations deep (every program a search can write: those are at most 200 tokens
// long).
//
// The parser adds to `library` what the formula needs and it lacks: operator tokens, literal
// constants and pi, all only after the whole text parsed (a syntax error leaves `library`
// unchanged). Names not in the library are errors. The returned program's constants are
// the library's free-constant defaults.
//
// Throws InputError naming the 1-based column and the offending text, e.g.
//   "formula 'm*': expected an operand at column 3 (end of input)"
//   "formula 'x+)': unexpected ')' at column 3"
//   "formula 'q*2': unknown name 'q' at column 1 (known: m, v, c)"
//   "formula '(x+1': unclosed '(' at column 1: expected ')' at column 5 (end of input)"
//   "formula '1e': bad number '1e' at column 1", "formula '': empty formula",
//   "formula 'sqrt x': function 'sqrt' needs parentheses at column 1".
// Nesting (parentheses, unary minus, exponents) deeper than 500 levels, or a tree deeper
// than 1000 operations, is an error rather than a stack overflow. Not thread-safe on a
// shared `library` (it may be modified). Cost: linear in the text length.
Program ParseFormula(std::string_view text, Library& library);

// Whether `name` is a function the grammar knows (sqrt, ln, asin, pow, neg, ...); a defined
// operator (definition.hpp) may not take such a name. A defined operator in `library` is
// called like a function: `sinc(x)`, `hyp(a, b)`.
bool IsBuiltinFunctionName(std::string_view name);

}  // namespace physr
