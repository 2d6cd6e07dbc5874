// Internal to the evaluator: the per-tile loops of every operator over value tiles, shared by
// the value and the Jacobian code paths. Each computes exactly what scalar_ops.hpp defines, so
// tiled and scalar evaluation agree bit for bit. Not a public interface.
#pragma once

#include <algorithm>

#include <Eigen/Core>

#include "physr/eval/evaluator.hpp"
#include "physr/eval/scalar_ops.hpp"
#include "physr/eval/vector_math.hpp"

namespace physr::detail {

using ArrayMap = Eigen::Map<Eigen::ArrayXd>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXd>;

// The vector_math.hpp function of an operator that has one (exp, sin, cos).
template <OpCode kOp>
inline constexpr bool kHasMathTile =
    kOp == OpCode::kExp || kOp == OpCode::kSin || kOp == OpCode::kCos;
template <OpCode kOp>
inline constexpr MathFn kMathFn = kOp == OpCode::kExp   ? MathFn::kExp
                                  : kOp == OpCode::kSin ? MathFn::kSin
                                                        : MathFn::kCos;

// dst[i] = f(x[i]), i < n. dst may equal x. Arithmetic operators use Eigen's vectorised
// expressions (IEEE-exact, like the scalar code); exp, sin and cos the vector functions of
// vector_math.hpp (the ones the scalar code calls); the other transcendental ones call libm per
// element.
template <OpCode kOp>
inline void UnaryTile(const double* x, double* dst, Eigen::Index n) {
  ArrayMap d(dst, n);
  const ConstArrayMap a(x, n);
  if constexpr (kOp == OpCode::kNeg) {
    d = -a;
  } else if constexpr (kOp == OpCode::kInv) {
    d = a.inverse();
  } else if constexpr (kOp == OpCode::kN2) {
    d = a * a;
  } else if constexpr (kOp == OpCode::kN3) {
    d = a * a * a;
  } else if constexpr (kOp == OpCode::kSqrt) {
    d = a.sqrt();
  } else if constexpr (kOp == OpCode::kAbs) {
    d = a.abs();
  } else if constexpr (kHasMathTile<kOp>) {
    MathTile<kMathFn<kOp>>(x, dst, n);
  } else {
    for (Eigen::Index i = 0; i < n; ++i) dst[i] = UnaryValue<kOp>(x[i]);
  }
}

// value[i], slope[i] = UnaryValueAndSlope<kOp>(x[i]) bit for bit, i < n: exp, sin and cos
// through MathTile (sin and cos with one tile call each for the value and the slope), the other
// operators element by element. value and slope must not overlap x or each other.
template <OpCode kOp>
inline void UnaryTileWithSlope(const double* x, double* value, double* slope, Eigen::Index n) {
  if constexpr (kOp == OpCode::kExp) {
    MathTile<MathFn::kExp>(x, value, n);
    std::copy_n(value, n, slope);
  } else if constexpr (kOp == OpCode::kSin) {
    MathTile<MathFn::kSin>(x, value, n);
    MathTile<MathFn::kCos>(x, slope, n);
  } else if constexpr (kOp == OpCode::kCos) {
    MathTile<MathFn::kCos>(x, value, n);
    MathTile<MathFn::kSin>(x, slope, n);
    ArrayMap(slope, n) = -ConstArrayMap(slope, n);
  } else {
    for (Eigen::Index i = 0; i < n; ++i) UnaryValueAndSlope<kOp>(x[i], value[i], slope[i]);
  }
}

// Calls fn(a_view, b_view) where each view is a ConstArrayMap over the operand's tile or the
// operand's scalar; at least one operand must be a tile (PHYSR_DCHECK).
template <class Fn>
inline void VisitTiles(const TileOperand& a, const TileOperand& b, Eigen::Index n, Fn&& fn) {
  if (a.data != nullptr && b.data != nullptr) {
    fn(ConstArrayMap(a.data, n), ConstArrayMap(b.data, n));
  } else if (a.data != nullptr) {
    fn(ConstArrayMap(a.data, n), b.scalar);
  } else {
    PHYSR_DCHECK(b.data != nullptr, "VisitTiles needs one tile operand");
    fn(a.scalar, ConstArrayMap(b.data, n));
  }
}

inline double At(double x, Eigen::Index) { return x; }
inline double At(const ConstArrayMap& x, Eigen::Index i) { return x[i]; }

// dst[i] = a[i] op b[i], i < n; a scalar operand stands for every row. dst may equal a tile.
template <OpCode kOp>
inline void BinaryTile(const TileOperand& a, const TileOperand& b, double* dst, Eigen::Index n) {
  ArrayMap d(dst, n);
  VisitTiles(a, b, n, [&](const auto& x, const auto& y) {
    if constexpr (kOp == OpCode::kAdd) {
      d = x + y;
    } else if constexpr (kOp == OpCode::kSub) {
      d = x - y;
    } else if constexpr (kOp == OpCode::kMul) {
      d = x * y;
    } else if constexpr (kOp == OpCode::kDiv) {
      d = x / y;
    } else {
      static_assert(kOp == OpCode::kPow, "not a binary operator");
      for (Eigen::Index i = 0; i < n; ++i) dst[i] = std::pow(At(x, i), At(y, i));
    }
  });
}

// True iff every x[i], i < n, is finite: x·0 is 0 for finite x and NaN otherwise.
inline bool AllFinite(const double* x, Eigen::Index n) {
  return !std::isnan((ConstArrayMap(x, n) * 0.0).sum());
}

}  // namespace physr::detail
