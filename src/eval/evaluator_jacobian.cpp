// Forward-mode Jacobian over row tiles. Every stack level carries, per free constant (Jacobian
// column), a flag saying whether its subtree depends on that constant; derivative tiles exist
// only for flagged columns, so subtrees without free constants cost what plain evaluation
// costs. A level whose value is one scalar (a subtree without variables) keeps scalar
// derivatives too.
#include <algorithm>
#include <type_traits>
#include <utility>

#include "eval/tile_kernels.hpp"
#include "physr/core/error.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/eval/scalar_ops.hpp"

namespace physr {
namespace {

using detail::ArrayMap;
using detail::At;
using detail::ConstArrayMap;
using detail::TileOperand;
using Eigen::Index;

template <class E>
void Store(ArrayMap& dst, const E& e) {
  if constexpr (std::is_arithmetic_v<E>) {
    dst.setConstant(e);
  } else {
    dst = e;
  }
}

// Derivative of r = a op b in one column: sink(dr) given the operands' values a, b, the result
// r and the operands' derivatives da, db (each a double or a tile). has_a/has_b say whether
// da/db are structurally non-zero; absent terms are left out, never multiplied by 0 (which
// would turn an inf partial into NaN).
template <OpCode kOp, class A, class B, class R, class DA, class DB, class Sink>
void BinaryDerivative(const A& a, const B& b, const R& r, const DA& da, const DB& db, bool has_a,
                      bool has_b, Sink&& sink) {
  if constexpr (kOp == OpCode::kAdd) {
    if (has_a && has_b) sink(da + db);
    else if (has_a) sink(da);
    else sink(db);
  } else if constexpr (kOp == OpCode::kSub) {
    if (has_a && has_b) sink(da - db);
    else if (has_a) sink(da);
    else sink(-db);
  } else if constexpr (kOp == OpCode::kMul) {
    if (has_a && has_b) sink(b * da + a * db);
    else if (has_a) sink(b * da);
    else sink(a * db);
  } else if constexpr (kOp == OpCode::kDiv) {
    if (has_a && has_b) sink((da - r * db) / b);
    else if (has_a) sink(da / b);
    else sink(-(r * db) / b);
  } else {
    static_assert(kOp == OpCode::kPow, "not a binary operator");
    (void)r;
    (void)da;
    (void)db;
    PHYSR_CHECK(false, "pow derivatives are computed element by element");
  }
}

// ∂(a^b) = b·a^(b−1)·da + a^b·log(a)·db. b·a^(b−1) rather than a^b·b/a keeps the derivative
// exact at a = 0 (e.g. d/dx x² = 0 there).
inline double PowDerivative(double a, double b, double r, double da, double db, bool has_a,
                            bool has_b) {
  double d = 0.0;
  if (has_a) d = b * std::pow(a, b - 1.0) * da;
  if (has_b) d = has_a ? d + r * std::log(a) * db : r * std::log(a) * db;
  return d;
}

}  // namespace

bool Evaluator::EvaluateWithJacobian(const CompiledProgram& program, const ConstMatrixRef& X,
                                     std::span<const double> constants, std::span<double> out,
                                     Eigen::Ref<Eigen::MatrixXd> jacobian) {
  // #lizard forgives: the value and derivative stacks of one tile loop share their state;
  // split across functions, every helper would take all of it, and this is the hot loop.
  CheckShapes(program, X, constants, out);
  const int nf = program.num_free();
  PHYSR_CHECK(jacobian.rows() == X.rows() && jacobian.cols() == nf,
              "jacobian must be X.rows() × program.num_free()");
  if (nf == 0) return Evaluate(program, X, constants, out);

  const std::size_t levels = static_cast<std::size_t>(program.max_stack);
  const std::size_t nfs = static_cast<std::size_t>(nf);
  if (stack_.size() < (levels + 2) * kTileRows) stack_.resize((levels + 2) * kTileRows);
  if (operands_.size() < levels) operands_.resize(levels);
  if (dstack_.size() < levels * nfs * kTileRows) dstack_.resize(levels * nfs * kTileRows);
  if (scalar_grads_.size() < levels * nfs) scalar_grads_.resize(levels * nfs);
  if (depends_.size() < levels * nfs) depends_.resize(levels * nfs);
  // Value tiles are swapped with the scratch tile rather than copied, so the level → tile map
  // is rebuilt for every call.
  value_tiles_.resize(levels + 2);
  for (std::size_t l = 0; l < levels + 2; ++l) value_tiles_[l] = stack_.data() + l * kTileRows;
  double*& scratch_value = value_tiles_[levels];
  double* const slope = value_tiles_[levels + 1];

  TileOperand* const st = operands_.data();
  double* const dbase = dstack_.data();
  double* const sgrad = scalar_grads_.data();
  std::uint8_t* const dep = depends_.data();
  auto dtile = [&](int level, int k) {
    return dbase + (static_cast<Index>(level) * nf + k) * kTileRows;
  };
  const double* const x_data = X.data();
  const Index x_stride = X.outerStride();
  const Index rows = X.rows();

  bool finite = true;
  for (Index r0 = 0; r0 < rows; r0 += kTileRows) {
    const Index n = std::min(kTileRows, rows - r0);
    int depth = 0;
    for (const Instruction& ins : program.code) {
      switch (ins.op) {
        case OpCode::kVariable:
        case OpCode::kFixedConstant:
        case OpCode::kFreeConstant: {
          std::uint8_t* d = dep + static_cast<std::size_t>(depth) * nfs;
          std::fill_n(d, nfs, std::uint8_t{0});
          if (ins.op == OpCode::kVariable) {
            st[depth] = {x_data + static_cast<Index>(ins.arg) * x_stride + r0, 0.0};
          } else if (ins.op == OpCode::kFixedConstant) {
            st[depth] = {nullptr, ins.value};
          } else {
            st[depth] = {nullptr, constants[static_cast<std::size_t>(ins.arg)]};
            d[ins.jacobian_column] = 1;
            sgrad[static_cast<std::size_t>(depth) * nfs +
                  static_cast<std::size_t>(ins.jacobian_column)] = 1.0;
          }
          ++depth;
          break;
        }
        case OpCode::kAdd:
        case OpCode::kSub:
        case OpCode::kMul:
        case OpCode::kDiv:
        case OpCode::kPow: {
          --depth;
          const int p = depth - 1;
          TileOperand& a = st[p];
          const TileOperand& b = st[depth];
          std::uint8_t* const dep_a = dep + static_cast<std::size_t>(p) * nfs;
          const std::uint8_t* const dep_b = dep_a + nfs;
          double* const sg_a = sgrad + static_cast<std::size_t>(p) * nfs;
          const double* const sg_b = sg_a + nfs;
          DispatchOperator<2>(ins.op, [&]<OpCode kOp>() {
            if (a.data == nullptr && b.data == nullptr) {
              const double r = BinaryValue<kOp>(a.scalar, b.scalar);
              for (int k = 0; k < nf; ++k) {
                const bool ha = dep_a[k] != 0, hb = dep_b[k] != 0;
                if (!ha && !hb) continue;
                if constexpr (kOp == OpCode::kPow) {
                  sg_a[k] = PowDerivative(a.scalar, b.scalar, r, sg_a[k], sg_b[k], ha, hb);
                } else {
                  BinaryDerivative<kOp>(a.scalar, b.scalar, r, sg_a[k], sg_b[k], ha, hb,
                                        [&](double v) { sg_a[k] = v; });
                }
                dep_a[k] = 1;
              }
              a.scalar = r;
              return;
            }
            const bool any =
                std::any_of(dep_a, dep_a + 2 * nfs, [](std::uint8_t f) { return f != 0; });
            double*& value_tile = value_tiles_[static_cast<std::size_t>(p)];
            if (!any) {
              detail::BinaryTile<kOp>(a, b, value_tile, n);
              a.data = value_tile;
              return;
            }
            detail::BinaryTile<kOp>(a, b, scratch_value, n);
            const ConstArrayMap r(scratch_value, n);
            detail::VisitTiles(a, b, n, [&](const auto& av, const auto& bv) {
              using AV = std::decay_t<decltype(av)>;
              for (int k = 0; k < nf; ++k) {
                const bool ha = dep_a[k] != 0, hb = dep_b[k] != 0;
                if (!ha && !hb) continue;
                double* const dst = dtile(p, k);
                // A tile operand's derivatives are tiles; a scalar operand's are scalars.
                auto grad = [&](const auto& v, int level, const double* sg) {
                  if constexpr (std::is_same_v<std::decay_t<decltype(v)>, double>) {
                    return sg[k];
                  } else {
                    return ConstArrayMap(dtile(level, k), n);
                  }
                };
                const auto da = grad(av, p, sg_a);
                const auto db = grad(bv, p + 1, sg_b);
                if constexpr (kOp == OpCode::kPow) {
                  for (Index i = 0; i < n; ++i) {
                    dst[i] = PowDerivative(At(av, i), At(bv, i), r[i], ha ? At(da, i) : 0.0,
                                           hb ? At(db, i) : 0.0, ha, hb);
                  }
                } else if (kOp == OpCode::kAdd && ha && !hb && !std::is_same_v<AV, double>) {
                  // d(a + b) = da, already in place.
                } else {
                  ArrayMap out_d(dst, n);
                  BinaryDerivative<kOp>(av, bv, r, da, db, ha, hb,
                                        [&](const auto& e) { Store(out_d, e); });
                }
                dep_a[k] = 1;
              }
            });
            std::swap(value_tile, scratch_value);
            a.data = value_tile;
          });
          break;
        }
        default: {
          const int p = depth - 1;
          TileOperand& a = st[p];
          std::uint8_t* const dep_a = dep + static_cast<std::size_t>(p) * nfs;
          double* const sg_a = sgrad + static_cast<std::size_t>(p) * nfs;
          DispatchOperator<1>(ins.op, [&]<OpCode kOp>() {
            if (a.data == nullptr) {
              double v = 0.0, s = 0.0;
              UnaryValueAndSlope<kOp>(a.scalar, v, s);
              for (int k = 0; k < nf; ++k) {
                if (dep_a[k] != 0) sg_a[k] *= s;
              }
              a.scalar = v;
              return;
            }
            double*& value_tile = value_tiles_[static_cast<std::size_t>(p)];
            if (std::none_of(dep_a, dep_a + nfs, [](std::uint8_t f) { return f != 0; })) {
              detail::UnaryTile<kOp>(a.data, value_tile, n);
              a.data = value_tile;
              return;
            }
            detail::UnaryTileWithSlope<kOp>(a.data, scratch_value, slope, n);
            const ConstArrayMap t(slope, n);
            for (int k = 0; k < nf; ++k) {
              if (dep_a[k] != 0) ArrayMap(dtile(p, k), n) *= t;
            }
            std::swap(value_tile, scratch_value);
            a.data = value_tile;
          });
          break;
        }
      }
    }

    const TileOperand& top = st[0];
    double* const out_tile = out.data() + r0;
    if (top.data == nullptr) {
      std::fill_n(out_tile, n, top.scalar);
    } else {
      std::copy_n(top.data, n, out_tile);
    }
    finite = detail::AllFinite(out_tile, n) && finite;
    for (int k = 0; k < nf; ++k) {
      double* const jcol = jacobian.data() + static_cast<Index>(k) * jacobian.outerStride() + r0;
      if (dep[k] == 0) {
        std::fill_n(jcol, n, 0.0);
      } else if (top.data == nullptr) {
        std::fill_n(jcol, n, sgrad[k]);
      } else {
        std::copy_n(dtile(0, k), n, jcol);
      }
      finite = detail::AllFinite(jcol, n) && finite;
    }
  }
  return finite;
}

}  // namespace physr
