#include "physr/expr/unit_check.hpp"

#include <cmath>
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

struct Failure {
  std::string message;
};

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
  for (std::size_t i = tokens.size(); i-- > 0;) {
    const Token& token = library[tokens[i]];
    const OperatorInfo& info = Info(token.op);
    const std::string at = " at token " + std::to_string(i);
    auto fail = [&](const std::string& message) {
      result.ok = false;
      result.error = message;
      result.token_position = static_cast<int>(i);
      return result;
    };
    if (token.IsTerminal()) {
      stack.push_back(token.dimension);
      continue;
    }
    const Dimension a = stack.back();
    stack.pop_back();
    Dimension b;
    if (info.arity == 2) {
      b = stack.back();
      stack.pop_back();
    }
    Dimension out;
    try {
      switch (info.rule) {
        case UnitRule::kSame:
          if (a != b) {
            const char* verb = token.op == OpCode::kSub ? "subtract" : "add";
            return fail(std::string(info.name) + ": cannot " + verb + " " + Sym(a) + " and " +
                        Sym(b) + at);
          }
          out = a;
          break;
        case UnitRule::kProduct:
          out = a * b;
          break;
        case UnitRule::kQuotient:
          out = a / b;
          break;
        case UnitRule::kPower:
          out = a.Pow(info.power);
          break;
        case UnitRule::kPreserve:
          out = a;
          break;
        case UnitRule::kDimensionless:
          if (!a.IsDimensionless()) {
            return fail(std::string(info.name) + ": argument must be dimensionless, got " + Sym(a) +
                        at);
          }
          break;
        case UnitRule::kPowRule: {
          if (!b.IsDimensionless()) {
            return fail("pow: exponent must be dimensionless, got " + Sym(b) + at);
          }
          if (a.IsDimensionless()) break;
          // A dimensioned base needs an exponent known before the data: one fixed constant
          // with a simple rational value (the exponent subtree starts right after the base's).
          const std::vector<int> ends = SubtreeEnds(tokens, library);
          const std::size_t exponent_pos = static_cast<std::size_t>(ends[i + 1]);
          const Token& exponent = library[tokens[exponent_pos]];
          std::optional<Rational> p;
          if (exponent.kind == TokenKind::kFixedConstant) p = SimpleRational(exponent.value);
          if (!p) {
            return fail("pow: base has dimension " + Sym(a) +
                        ", so the exponent must be a fixed constant with a simple rational "
                        "value" +
                        at);
          }
          out = a.Pow(*p);
          break;
        }
        case UnitRule::kTerminal:
          PHYSR_CHECK(false, "terminal rule on an operator");
      }
    } catch (const std::overflow_error&) {
      return fail(std::string(info.name) + ": dimension exponent overflow" + at);
    } catch (const std::domain_error&) {
      return fail(std::string(info.name) + ": dimension exponent overflow" + at);
    }
    stack.push_back(out);
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

}  // namespace physr
