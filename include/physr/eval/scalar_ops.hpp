// Scalar semantics of every operator, with their exact derivatives: the one definition that the
// tiled evaluator, the Jacobian and the scalar reference evaluator share, so that they agree bit
// for bit. Standard IEEE/libm semantics: log and sqrt of negatives give NaN, x/0 gives ±inf,
// pow is std::pow; nothing traps. exp, sin and cos of a double are vector_math.hpp's
// (libm's, or with -DPHYSR_SLEEF=ON SLEEF's 1.0-ULP functions, within 1 ulp of libm's); in
// long double they are libm's. Not here: evaluation over rows (evaluator.hpp).
#pragma once

#include <cmath>
#include <type_traits>

#include "physr/core/error.hpp"
#include "physr/eval/vector_math.hpp"
#include "physr/expr/token.hpp"

namespace physr {

namespace detail {
template <OpCode>
inline constexpr bool kUnsupportedOp = false;
}  // namespace detail

// f(x) for a unary operator kOp, in the precision of T (double everywhere in the engine;
// long double for EvaluateScalarExtended). Cost: one libm call at most.
template <OpCode kOp, class T>
inline T UnaryValue(T x) {
  if constexpr (kOp == OpCode::kNeg) {
    return -x;
  } else if constexpr (kOp == OpCode::kInv) {
    return T{1} / x;
  } else if constexpr (kOp == OpCode::kN2) {
    return x * x;
  } else if constexpr (kOp == OpCode::kN3) {
    return x * x * x;
  } else if constexpr (kOp == OpCode::kSqrt) {
    return std::sqrt(x);
  } else if constexpr (kOp == OpCode::kExp) {
    if constexpr (std::is_same_v<T, double>) return detail::Math<detail::MathFn::kExp>(x);
    else return std::exp(x);
  } else if constexpr (kOp == OpCode::kLog) {
    return std::log(x);
  } else if constexpr (kOp == OpCode::kSin) {
    if constexpr (std::is_same_v<T, double>) return detail::Math<detail::MathFn::kSin>(x);
    else return std::sin(x);
  } else if constexpr (kOp == OpCode::kCos) {
    if constexpr (std::is_same_v<T, double>) return detail::Math<detail::MathFn::kCos>(x);
    else return std::cos(x);
  } else if constexpr (kOp == OpCode::kTan) {
    return std::tan(x);
  } else if constexpr (kOp == OpCode::kTanh) {
    return std::tanh(x);
  } else if constexpr (kOp == OpCode::kArcsin) {
    return std::asin(x);
  } else if constexpr (kOp == OpCode::kArccos) {
    return std::acos(x);
  } else if constexpr (kOp == OpCode::kArctan) {
    return std::atan(x);
  } else if constexpr (kOp == OpCode::kAbs) {
    return std::fabs(x);
  } else {
    static_assert(detail::kUnsupportedOp<kOp>, "not a unary operator");
  }
}

// f(x) and f'(x) together; `value` is bit-identical to UnaryValue<kOp>(x). Derivatives:
// abs' = sign (0 at 0), arcsin' = 1/sqrt(1-x²), arccos' = -1/sqrt(1-x²), tan' = 1 + tan²,
// tanh' = 1 - tanh², sqrt' = 0.5/sqrt(x), inv' = -1/x².
template <OpCode kOp>
inline void UnaryValueAndSlope(double x, double& value, double& slope) {
  value = UnaryValue<kOp>(x);
  if constexpr (kOp == OpCode::kNeg) {
    slope = -1.0;
  } else if constexpr (kOp == OpCode::kInv) {
    slope = -(value * value);
  } else if constexpr (kOp == OpCode::kN2) {
    slope = 2.0 * x;
  } else if constexpr (kOp == OpCode::kN3) {
    slope = 3.0 * (x * x);
  } else if constexpr (kOp == OpCode::kSqrt) {
    slope = 0.5 / value;
  } else if constexpr (kOp == OpCode::kExp) {
    slope = value;
  } else if constexpr (kOp == OpCode::kLog) {
    slope = 1.0 / x;
  } else if constexpr (kOp == OpCode::kSin) {
    slope = detail::Math<detail::MathFn::kCos>(x);
  } else if constexpr (kOp == OpCode::kCos) {
    slope = -detail::Math<detail::MathFn::kSin>(x);
  } else if constexpr (kOp == OpCode::kTan) {
    slope = 1.0 + value * value;
  } else if constexpr (kOp == OpCode::kTanh) {
    slope = 1.0 - value * value;
  } else if constexpr (kOp == OpCode::kArcsin) {
    slope = 1.0 / std::sqrt(1.0 - x * x);
  } else if constexpr (kOp == OpCode::kArccos) {
    slope = -1.0 / std::sqrt(1.0 - x * x);
  } else if constexpr (kOp == OpCode::kArctan) {
    slope = 1.0 / (1.0 + x * x);
  } else if constexpr (kOp == OpCode::kAbs) {
    slope = static_cast<double>((x > 0.0) - (x < 0.0));
  } else {
    static_assert(detail::kUnsupportedOp<kOp>, "not a unary operator");
  }
}

// a op b for a binary operator kOp, in the precision of T.
template <OpCode kOp, class T>
inline T BinaryValue(T a, T b) {
  if constexpr (kOp == OpCode::kAdd) {
    return a + b;
  } else if constexpr (kOp == OpCode::kSub) {
    return a - b;
  } else if constexpr (kOp == OpCode::kMul) {
    return a * b;
  } else if constexpr (kOp == OpCode::kDiv) {
    return a / b;
  } else if constexpr (kOp == OpCode::kPow) {
    return std::pow(a, b);
  } else {
    static_assert(detail::kUnsupportedOp<kOp>, "not a binary operator");
  }
}

// Calls fn.template operator()<kOp>() with the operator `op` as a compile-time constant; turns
// one switch per tile into specialised loops. PHYSR_CHECKs that op has arity `arity`.
template <int kArity, class Fn>
inline decltype(auto) DispatchOperator(OpCode op, Fn&& fn) {
  if constexpr (kArity == 1) {
    switch (op) {
      case OpCode::kNeg:
        return fn.template operator()<OpCode::kNeg>();
      case OpCode::kInv:
        return fn.template operator()<OpCode::kInv>();
      case OpCode::kN2:
        return fn.template operator()<OpCode::kN2>();
      case OpCode::kN3:
        return fn.template operator()<OpCode::kN3>();
      case OpCode::kSqrt:
        return fn.template operator()<OpCode::kSqrt>();
      case OpCode::kExp:
        return fn.template operator()<OpCode::kExp>();
      case OpCode::kLog:
        return fn.template operator()<OpCode::kLog>();
      case OpCode::kSin:
        return fn.template operator()<OpCode::kSin>();
      case OpCode::kCos:
        return fn.template operator()<OpCode::kCos>();
      case OpCode::kTan:
        return fn.template operator()<OpCode::kTan>();
      case OpCode::kTanh:
        return fn.template operator()<OpCode::kTanh>();
      case OpCode::kArcsin:
        return fn.template operator()<OpCode::kArcsin>();
      case OpCode::kArccos:
        return fn.template operator()<OpCode::kArccos>();
      case OpCode::kArctan:
        return fn.template operator()<OpCode::kArctan>();
      case OpCode::kAbs:
        return fn.template operator()<OpCode::kAbs>();
      default:
        break;
    }
    PHYSR_CHECK(false, "not a unary operator");
  } else {
    static_assert(kArity == 2, "operators have arity 1 or 2");
    switch (op) {
      case OpCode::kAdd:
        return fn.template operator()<OpCode::kAdd>();
      case OpCode::kSub:
        return fn.template operator()<OpCode::kSub>();
      case OpCode::kMul:
        return fn.template operator()<OpCode::kMul>();
      case OpCode::kDiv:
        return fn.template operator()<OpCode::kDiv>();
      case OpCode::kPow:
        return fn.template operator()<OpCode::kPow>();
      default:
        break;
    }
    PHYSR_CHECK(false, "not a binary operator");
  }
  // Unreachable: PHYSR_CHECK(false, ...) does not return. (A named constant, because
  // clang-format takes a conditional inside the template argument list for comparisons.)
  constexpr OpCode kUnreachable = kArity == 1 ? OpCode::kNeg : OpCode::kAdd;
  return fn.template operator()<kUnreachable>();
}

// Runtime-opcode forms, for scalar code paths. PHYSR_CHECK on a wrong arity.
template <class T>
inline T ApplyUnary(OpCode op, T x) {
  return DispatchOperator<1>(op, [x]<OpCode kOp>() { return UnaryValue<kOp>(x); });
}
template <class T>
inline T ApplyBinary(OpCode op, T a, T b) {
  return DispatchOperator<2>(op, [a, b]<OpCode kOp>() { return BinaryValue<kOp>(a, b); });
}

}  // namespace physr
