#include "physr/expr/unit_check.hpp"

#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>
#include <vector>

#include "physr/core/error.hpp"

namespace physr {
namespace {

// The value as p/q with q ≤ 12 when it is one within 1e-12 (relative for large values).
std::optional<Rational> SimpleRational(double value) {
  if (!std::isfinite(value) || std::abs(value) > 1e6) return std::nullopt;
  const double tolerance = 1e-12 * std::max(1.0, std::abs(value));
  for (int q = 1; q <= 12; ++q) {
    const double p = std::round(value * q);
    if (std::abs(value - p / q) <= tolerance) {
      return Rational(static_cast<std::int64_t>(p), q);
    }
  }
  return std::nullopt;
}

std::string Sym(const Dimension& d) { return d.ToSymbolString(); }

// The value of the subtree starting at tokens[pos] (pos is left past it) when it is a
// number known before the data: fixed constants joined by + − × ÷, neg, inv, n2 and n3
// (3/2, -1, 1/3). nullopt otherwise, and for a non-finite value. Recursive.
std::optional<double> ConstantValue(std::span<const TokenId> tokens, std::size_t& pos,
                                    const Library& library) {
  const Token& t = library[tokens[pos++]];
  if (t.IsTerminal()) {
    if (t.kind != TokenKind::kFixedConstant) return std::nullopt;
    return t.value;
  }
  const std::optional<double> a = ConstantValue(tokens, pos, library);
  std::optional<double> b;
  if (t.arity == 2) b = ConstantValue(tokens, pos, library);
  if (!a || (t.arity == 2 && !b)) return std::nullopt;
  const double v = [&]() -> double {
    switch (t.op) {
      case OpCode::kAdd:
        return *a + *b;
      case OpCode::kSub:
        return *a - *b;
      case OpCode::kMul:
        return *a * *b;
      case OpCode::kDiv:
        return *a / *b;
      case OpCode::kNeg:
        return -*a;
      case OpCode::kInv:
        return 1.0 / *a;
      case OpCode::kN2:
        return *a * *a;
      case OpCode::kN3:
        return *a * *a * *a;
      default:
        return std::numeric_limits<double>::quiet_NaN();  // not arithmetic: not a number
    }
  }();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

// The dimension operator token `i` gives operands of dimensions a (first) and b (second;
// unused for unary operators), or the reason it gives none (without the position).
// `ends` (SubtreeEnds of the program) is computed on first need.
struct OperatorOutcome {
  Dimension dimension;
  std::string error;  // empty: ok
};

OperatorOutcome ApplyRule(std::span<const TokenId> tokens, std::size_t i, const Library& library,
                          const Dimension& a, const Dimension& b, std::vector<int>& ends) {
  const Token& token = library[tokens[i]];
  const std::string& name = token.name;
  OperatorOutcome r;
  try {
    switch (token.rule) {
      case UnitRule::kSame:
        if (a != b) {
          const char* verb = token.op == OpCode::kSub ? "subtract" : "add";
          r.error =
              token.op == OpCode::kDefined
                  ? name + ": arguments must have equal units, got " + Sym(a) + " and " + Sym(b)
                  : name + ": cannot " + verb + " " + Sym(a) + " and " + Sym(b);
        }
        r.dimension = a;
        break;
      case UnitRule::kProduct:
        r.dimension = a * b;
        break;
      case UnitRule::kQuotient:
        r.dimension = a / b;
        break;
      case UnitRule::kPower:
        r.dimension = a.Pow(token.power);
        break;
      case UnitRule::kPreserve:
        r.dimension = a;
        break;
      case UnitRule::kDimensionless:
        if (!a.IsDimensionless()) {
          r.error = name + ": argument must be dimensionless, got " + Sym(a);
        }
        break;
      case UnitRule::kPowRule: {
        if (!b.IsDimensionless()) {
          r.error = "pow: exponent must be dimensionless, got " + Sym(b);
          break;
        }
        if (a.IsDimensionless()) break;
        // A dimensioned base needs an exponent known before the data: a number with a
        // simple rational value (the exponent subtree starts right after the base's).
        if (ends.empty()) ends = SubtreeEnds(tokens, library);
        std::size_t pos = static_cast<std::size_t>(ends[i + 1]);
        std::optional<Rational> p;
        if (const std::optional<double> value = ConstantValue(tokens, pos, library)) {
          p = SimpleRational(*value);
        }
        if (!p) {
          r.error = "pow: base has dimension " + Sym(a) +
                    ", so the exponent must be a number with a simple rational value";
          break;
        }
        r.dimension = a.Pow(*p);
        break;
      }
      case UnitRule::kTerminal:
        PHYSR_CHECK(false, "terminal rule on an operator");
    }
  } catch (const std::overflow_error&) {
    r.error = name + ": dimension exponent overflow";
  } catch (const std::domain_error&) {
    r.error = name + ": dimension exponent overflow";
  }
  return r;
}

}  // namespace

UnitCheckResult CheckUnits(const Program& program, const Library& library,
                           const std::optional<Dimension>& required) {
  const std::span<const TokenId> tokens = program.tokens;
  PHYSR_CHECK(IsComplete(tokens, library), "CheckUnits needs a complete program");
  UnitCheckResult result;
  // Evaluate dimensions bottom-up by walking the prefix sequence backwards: the stack holds
  // the dimensions of finished subtrees, the first argument on top.
  std::vector<Dimension> stack;
  stack.reserve(tokens.size());
  std::vector<int> ends;
  for (std::size_t i = tokens.size(); i-- > 0;) {
    const Token& token = library[tokens[i]];
    if (token.IsTerminal()) {
      stack.push_back(token.dimension);
      continue;
    }
    const Dimension a = stack.back();
    stack.pop_back();
    Dimension b;
    if (token.arity == 2) {
      b = stack.back();
      stack.pop_back();
    }
    OperatorOutcome out = ApplyRule(tokens, i, library, a, b, ends);
    if (!out.error.empty()) {
      result.error = std::move(out.error) + " at token " + std::to_string(i);
      result.token_position = static_cast<int>(i);
      return result;
    }
    stack.push_back(out.dimension);
  }
  PHYSR_CHECK(stack.size() == 1, "unbalanced program");
  result.dimension = stack.back();
  if (required && *required != result.dimension) {
    result.error = "result has dimension " + Sym(result.dimension) + ", expected " + Sym(*required);
    result.token_position = 0;
    return result;
  }
  result.ok = true;
  return result;
}

std::vector<std::optional<Dimension>> SubtreeDimensions(std::span<const TokenId> tokens,
                                                        const Library& library) {
  PHYSR_CHECK(IsComplete(tokens, library), "SubtreeDimensions needs a complete program");
  std::vector<std::optional<Dimension>> dims(tokens.size());
  std::vector<std::size_t> stack;  // positions of finished subtrees, the first argument on top
  stack.reserve(tokens.size());
  std::vector<int> ends;
  for (std::size_t i = tokens.size(); i-- > 0;) {
    const Token& token = library[tokens[i]];
    if (token.IsTerminal()) {
      dims[i] = token.dimension;
      stack.push_back(i);
      continue;
    }
    const std::optional<Dimension>& a = dims[stack.back()];
    stack.pop_back();
    const std::optional<Dimension>* b = nullptr;
    if (token.arity == 2) {
      b = &dims[stack.back()];
      stack.pop_back();
    }
    if (a && (b == nullptr || *b)) {
      OperatorOutcome out = ApplyRule(tokens, i, library, *a, b ? **b : Dimension(), ends);
      if (out.error.empty()) dims[i] = out.dimension;
    }
    stack.push_back(i);
  }
  return dims;
}

}  // namespace physr
