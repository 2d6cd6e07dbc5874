#include "physr/expr/token.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "physr/core/error.hpp"

namespace physr {
namespace {

const std::array<OperatorInfo, kNumOpCodes>& Table() {
  static const std::array<OperatorInfo, kNumOpCodes> table = {{
      {OpCode::kAdd, "add", 2, UnitRule::kSame, 1},
      {OpCode::kSub, "sub", 2, UnitRule::kSame, 1},
      {OpCode::kMul, "mul", 2, UnitRule::kProduct, 1},
      {OpCode::kDiv, "div", 2, UnitRule::kQuotient, 1},
      {OpCode::kPow, "pow", 2, UnitRule::kPowRule, 1},
      {OpCode::kNeg, "neg", 1, UnitRule::kPreserve, 1},
      {OpCode::kInv, "inv", 1, UnitRule::kPower, -1},
      {OpCode::kN2, "n2", 1, UnitRule::kPower, 2},
      {OpCode::kN3, "n3", 1, UnitRule::kPower, 3},
      {OpCode::kSqrt, "sqrt", 1, UnitRule::kPower, Rational(1, 2)},
      {OpCode::kExp, "exp", 1, UnitRule::kDimensionless, 1},
      {OpCode::kLog, "log", 1, UnitRule::kDimensionless, 1},
      {OpCode::kSin, "sin", 1, UnitRule::kDimensionless, 1},
      {OpCode::kCos, "cos", 1, UnitRule::kDimensionless, 1},
      {OpCode::kTan, "tan", 1, UnitRule::kDimensionless, 1},
      {OpCode::kTanh, "tanh", 1, UnitRule::kDimensionless, 1},
      {OpCode::kArcsin, "arcsin", 1, UnitRule::kDimensionless, 1},
      {OpCode::kArccos, "arccos", 1, UnitRule::kDimensionless, 1},
      {OpCode::kArctan, "arctan", 1, UnitRule::kDimensionless, 1},
      {OpCode::kAbs, "abs", 1, UnitRule::kPreserve, 1},
      {OpCode::kVariable, "", 0, UnitRule::kTerminal, 1},
      {OpCode::kFixedConstant, "", 0, UnitRule::kTerminal, 1},
      {OpCode::kFreeConstant, "", 0, UnitRule::kTerminal, 1},
      {OpCode::kDefined, "", 0, UnitRule::kTerminal, 1},
  }};
  return table;
}

}  // namespace

const OperatorInfo& Info(OpCode op) {
  const auto i = static_cast<std::size_t>(op);
  PHYSR_CHECK(i < kNumOpCodes, "opcode out of range");
  const OperatorInfo& info = Table()[i];
  PHYSR_DCHECK(info.op == op, "operator table out of order");
  return info;
}

std::optional<OpCode> OperatorByName(std::string_view name) {
  for (const OperatorInfo& info : Table()) {
    if (info.arity > 0 && info.name == name) return info.op;
  }
  return std::nullopt;
}

std::span<const OpCode> AllOperators() {
  static const std::vector<OpCode> ops = [] {
    std::vector<OpCode> v;
    for (const OperatorInfo& info : Table()) {
      if (info.arity > 0) v.push_back(info.op);
    }
    return v;
  }();
  return ops;
}

bool IsIdentifier(std::string_view name) {
  const auto letter = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (name.empty() || !letter(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

std::string BuiltinOperatorNames() {
  std::string names;
  for (const OpCode op : AllOperators()) {
    names += (names.empty() ? "" : ", ") + std::string(Info(op).name);
  }
  return names;
}

}  // namespace physr
