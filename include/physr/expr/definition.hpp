// Defined operators: an operator the user writes in the formula syntax over built-in
// operators, its parameters and numbers, e.g. `sinc(x)=sin(x)/x` or
// `hyp(x,y)=sqrt(x^2+y^2)`. A defined operator is a library token of its own (OpCode::kDefined)
// that the search samples like a built-in; its unit rule is derived from the body's own unit
// check, and evaluation expands the body (ExpandDefinitions). Printers write it by name.
// Not here: the library that holds definitions (library.hpp).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "physr/expr/program.hpp"

namespace physr {

struct OperatorDefinition {
  std::string name;                     // "sinc"
  std::vector<std::string> parameters;  // one or two names: "x", "y"
  std::string text;                     // the definition as given, trimmed
  // The body over its own library: the parameters as dimensionless variables 0 and 1, then
  // the built-in operators and numbers the body uses.
  Library library;
  Program body;
  UnitRule rule = UnitRule::kPreserve;  // one of kSame, kProduct, kQuotient, kPower,
  Rational power = 1;                   // kPreserve, kDimensionless (see ParseDefinition)

  int arity() const { return static_cast<int>(parameters.size()); }
};

// Parses `NAME(x)=BODY` or `NAME(x,y)=BODY`. The unit rule follows from checking the body's
// units with probe dimensions for the parameters: a unary body that needs a dimensionless
// argument is kDimensionless (sinc); one that takes any argument and returns argument^p is
// kPreserve (p = 1) or kPower (p ≠ 0, |num|, den ≤ 12); a binary body that needs equal units
// and returns them is kSame (hyp); one returning x·y or x/y for any units is kProduct or
// kQuotient. Throws InputError naming the definition and the offending token for: no `=`, a
// bad name or parameter list, a name of a built-in function, not 1 or 2 parameters, a
// parameter named twice, a body that calls NAME itself, a syntax error or an unknown name in
// the body, and a body whose units follow none of the rules above.
OperatorDefinition ParseDefinition(std::string_view text);

// The tokens of the complete prefix program `tokens` with every defined operator replaced
// by its body, the body's parameters by the argument subtrees (repeated where a parameter
// is used more than once): built-in operators and terminals only, in prefix order. Pointers
// into `library` and its definitions' libraries, valid while `library` lives. Cost: linear
// in the expanded length.
std::vector<const Token*> ExpandDefinitions(std::span<const TokenId> tokens,
                                            const Library& library);

}  // namespace physr
