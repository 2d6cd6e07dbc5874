// Internal to the evaluator: the per-tile loops of every operator over value tiles, shared by
// the value and the Jacobian code paths. Each computes exactly what scalar_ops.hpp defines, so
// tiled and scalar evaluation agree bit for bit. Not a public interface.
#pragma once

#include <Eigen/Core>

#include "physr/eval/evaluator.hpp"
#include "physr/eval/scalar_ops.hpp"

namespace physr::detail {

using ArrayMap = Eigen::Map<Eigen::ArrayXd>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXd>;

// dst[i] = f(x[i]), i < n. dst may equal x. Arithmetic operators use Eigen's vectorised
// expressions (IEEE-exact, like the scalar code); transcendental ones call libm per element,
// which is what keeps edge values (subnormals, overflow) standard.
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
  } else {
    for (Eigen::Index i = 0; i < n; ++i) dst[i] = UnaryValue<kOp>(x[i]);
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
