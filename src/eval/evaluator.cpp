#include "physr/eval/evaluator.hpp"

#include <algorithm>

#include "eval/tile_kernels.hpp"
#include "physr/core/error.hpp"
#include "physr/eval/scalar_ops.hpp"

namespace physr {

using detail::TileOperand;
using Eigen::Index;

void Evaluator::CheckShapes(const CompiledProgram& program, const ConstMatrixRef& X,
                            std::span<const double> constants, std::span<double> out) const {
  PHYSR_CHECK(!program.code.empty() && program.max_stack >= 1, "evaluating an empty program");
  PHYSR_CHECK(X.cols() >= program.num_variables_used, "X has fewer columns than the program reads");
  PHYSR_CHECK(static_cast<Index>(out.size()) == X.rows(), "out.size() must equal X.rows()");
  PHYSR_CHECK(static_cast<int>(constants.size()) >= program.num_constant_slots,
              "fewer constant values than the program's free-constant slots");
}

bool Evaluator::Evaluate(const CompiledProgram& program, const ConstMatrixRef& X,
                         std::span<const double> constants, std::span<double> out) {
  CheckShapes(program, X, constants, out);
  const std::size_t levels = static_cast<std::size_t>(program.max_stack);
  if (stack_.size() < (levels + 2) * kTileRows) stack_.resize((levels + 2) * kTileRows);
  if (operands_.size() < levels) operands_.resize(levels);
  double* const buffers = stack_.data();
  TileOperand* const st = operands_.data();
  const Instruction* const code = program.code.data();
  const std::size_t count = program.code.size();
  const double* const x_data = X.data();
  const Index x_stride = X.outerStride();
  const Index rows = X.rows();

  bool finite = true;
  for (Index r0 = 0; r0 < rows; r0 += kTileRows) {
    const Index n = std::min(kTileRows, rows - r0);
    double* const out_tile = out.data() + r0;
    int depth = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const Instruction& ins = code[i];
      // Level `level` owns buffers[level * kTileRows ...]; the last instruction writes
      // straight into the output.
      auto target = [&](int level) {
        return i + 1 == count ? out_tile : buffers + static_cast<Index>(level) * kTileRows;
      };
      switch (ins.op) {
        case OpCode::kVariable:
          st[depth++] = {x_data + static_cast<Index>(ins.arg) * x_stride + r0, 0.0};
          break;
        case OpCode::kFixedConstant:
          st[depth++] = {nullptr, ins.value};
          break;
        case OpCode::kFreeConstant:
          st[depth++] = {nullptr, constants[static_cast<std::size_t>(ins.arg)]};
          break;
        case OpCode::kAdd:
        case OpCode::kSub:
        case OpCode::kMul:
        case OpCode::kDiv:
        case OpCode::kPow: {
          --depth;
          TileOperand& a = st[depth - 1];
          const TileOperand& b = st[depth];
          if (a.data == nullptr && b.data == nullptr) {
            a.scalar = ApplyBinary(ins.op, a.scalar, b.scalar);
          } else {
            double* dst = target(depth - 1);
            DispatchOperator<2>(ins.op,
                                [&]<OpCode kOp>() { detail::BinaryTile<kOp>(a, b, dst, n); });
            a.data = dst;
          }
          break;
        }
        default: {
          TileOperand& a = st[depth - 1];
          if (a.data == nullptr) {
            a.scalar = ApplyUnary(ins.op, a.scalar);
          } else {
            double* dst = target(depth - 1);
            DispatchOperator<1>(ins.op,
                                [&]<OpCode kOp>() { detail::UnaryTile<kOp>(a.data, dst, n); });
            a.data = dst;
          }
          break;
        }
      }
    }
    const TileOperand& top = st[0];
    if (top.data == nullptr) {
      std::fill_n(out_tile, n, top.scalar);
    } else if (top.data != out_tile) {
      std::copy_n(top.data, n, out_tile);
    }
    finite = detail::AllFinite(out_tile, n) && finite;
  }
  return finite;
}

namespace {

template <class T>
T EvaluateScalarAs(const CompiledProgram& program, std::span<const double> row,
                   std::span<const double> constants) {
  PHYSR_CHECK(static_cast<int>(row.size()) >= program.num_variables_used,
              "row has fewer values than the program reads");
  PHYSR_CHECK(static_cast<int>(constants.size()) >= program.num_constant_slots,
              "fewer constant values than the program's free-constant slots");
  std::vector<T> stack;
  stack.reserve(static_cast<std::size_t>(program.max_stack));
  for (const Instruction& ins : program.code) {
    switch (ins.op) {
      case OpCode::kVariable:
        stack.push_back(row[static_cast<std::size_t>(ins.arg)]);
        break;
      case OpCode::kFixedConstant:
        stack.push_back(ins.value);
        break;
      case OpCode::kFreeConstant:
        stack.push_back(constants[static_cast<std::size_t>(ins.arg)]);
        break;
      default:
        if (Info(ins.op).arity == 2) {
          const T b = stack.back();
          stack.pop_back();
          stack.back() = ApplyBinary(ins.op, stack.back(), b);
        } else {
          stack.back() = ApplyUnary(ins.op, stack.back());
        }
    }
  }
  PHYSR_CHECK(stack.size() == 1, "malformed compiled program");
  return stack.back();
}

}  // namespace

double EvaluateScalar(const CompiledProgram& program, std::span<const double> row,
                      std::span<const double> constants) {
  return EvaluateScalarAs<double>(program, row, constants);
}

long double EvaluateScalarExtended(const CompiledProgram& program, std::span<const double> row,
                                   std::span<const double> constants) {
  return EvaluateScalarAs<long double>(program, row, constants);
}

}  // namespace physr
