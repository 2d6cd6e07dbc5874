// Tokens: the alphabet of physr programs. An operator (add, sin, ...) or a terminal: an
// input variable (a data column), a fixed constant (value and unit given, e.g. c) or a free
// constant (unit given, value fitted to the data). Each operator has a unit rule (UnitRule).
// Not here: how tokens are chosen (priors, policy) or evaluated (eval).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "physr/units/dimension.hpp"

namespace physr {

using units::Dimension;
using units::Rational;

enum class OpCode : std::uint8_t {
  // binary operators
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,  // x^y; optional. Both dimensionless, or y a number with a simple rational value
  // unary operators
  kNeg,
  kInv,
  kN2,
  kN3,
  kSqrt,
  kExp,
  kLog,
  kSin,
  kCos,
  kTan,
  kTanh,
  kArcsin,
  kArccos,
  kArctan,
  kAbs,
  // terminals
  kVariable,
  kFixedConstant,
  kFreeConstant,
  // an operator the user defined (`--define 'sinc(x)=sin(x)/x'`): its arity, unit rule and
  // body are the token's and its library's (Token, Library::definition), not Info's
  kDefined,
};
inline constexpr int kNumOpCodes = static_cast<int>(OpCode::kDefined) + 1;

// How an operator's result dimension follows from its arguments' (unit_check.hpp applies the
// rules to whole programs; docs/algorithms.md, "Dimensions and unit rules").
enum class UnitRule : std::uint8_t {
  kSame,           // add, sub: both arguments equal, result the same
  kProduct,        // mul: exponents add
  kQuotient,       // div: exponents subtract
  kPower,          // n2, n3, sqrt, inv: exponents scaled by OperatorInfo::power
  kPreserve,       // neg, abs: result = argument
  kDimensionless,  // exp, log, trig, tanh: argument dimensionless, result dimensionless
  kPowRule,        // pow: see OpCode::kPow
  kTerminal,       // variables and constants: the token's own dimension
};

enum class TokenKind : std::uint8_t { kOperator, kVariable, kFixedConstant, kFreeConstant };

struct OperatorInfo {
  OpCode op;
  std::string_view name;  // library name: "add", "n2", "arcsin", ...
  int arity;              // 0, 1 or 2
  UnitRule rule;
  Rational power;  // for UnitRule::kPower: 2, 3, 1/2, -1; 1 otherwise
};

// Static facts about every opcode, indexed by OpCode (kDefined: arity 0 and no name here; a
// defined operator's facts are its token's). Cost: a table lookup.
const OperatorInfo& Info(OpCode op);
// The operator named `name` ("add", "sqrt", ...), or nullopt. Terminal opcodes have no name.
std::optional<OpCode> OperatorByName(std::string_view name);
// All operator opcodes (not terminals), in OpCode order.
std::span<const OpCode> AllOperators();
// Their names, "add, sub, mul, ..., abs", for messages and help texts.
std::string BuiltinOperatorNames();
// True for ASCII identifiers [A-Za-z_][A-Za-z0-9_]*: the names a column, a constant or an
// operator may take, and the ones Python (so SymPy) reads as one name.
bool IsIdentifier(std::string_view name);

struct Token {
  std::string name;  // unique among a Library's operators, and among its terminals:
                     // "add", "v", "c", "C1", "0.5" (a column may be named n2 as well)
  OpCode op = OpCode::kVariable;
  TokenKind kind = TokenKind::kVariable;
  int arity = 0;
  double complexity = 1.0;
  // operators: the unit rule and its power (Info(op)'s for built-ins; derived from the body
  // for a defined operator, definition.hpp)
  UnitRule rule = UnitRule::kTerminal;
  Rational power = 1;
  Dimension dimension;  // terminals only: the dimension of the value
  double value = 0.0;   // fixed constants: the value; free constants: the default start value
  int index = -1;       // variables: data column; free constants: slot in Program::constants;
                        // defined operators: index into Library::definitions()

  bool IsTerminal() const { return arity == 0; }
};

}  // namespace physr
