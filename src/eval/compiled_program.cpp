#include "physr/eval/compiled_program.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "physr/core/error.hpp"
#include "physr/expr/definition.hpp"

namespace physr {

CompiledProgram Compile(const Program& program, const Library& library) {
  PHYSR_CHECK(IsComplete(program.tokens, library), "Compile needs a complete program");
  CompiledProgram compiled;

  // Prefix to postfix in one pass: operators wait on a stack with the count of arguments
  // still missing; a finished subtree (a terminal, or an operator whose last argument just
  // finished) completes one argument of the operator below it.
  std::vector<std::pair<Instruction, int>> pending;
  int depth = 0;
  auto emit = [&](const Instruction& ins, int arity) {
    compiled.code.push_back(ins);
    depth += 1 - arity;
    compiled.max_stack = std::max(compiled.max_stack, depth);
  };

  // Defined operators are compiled as their bodies (their arguments repeated where used).
  const std::vector<const Token*> tokens = ExpandDefinitions(program.tokens, library);
  compiled.code.reserve(tokens.size());
  pending.reserve(tokens.size());
  for (const Token* const expanded : tokens) {
    const Token& token = *expanded;
    Instruction ins{token.op};
    if (token.arity > 0) {
      pending.emplace_back(ins, token.arity);
      continue;
    }
    switch (token.kind) {
      case TokenKind::kVariable:
        PHYSR_CHECK(token.index >= 0, "variable token without a column");
        ins.arg = token.index;
        compiled.num_variables_used = std::max(compiled.num_variables_used, token.index + 1);
        break;
      case TokenKind::kFixedConstant:
        ins.value = token.value;
        break;
      case TokenKind::kFreeConstant: {
        PHYSR_CHECK(token.index >= 0, "free-constant token without a slot");
        ins.arg = token.index;
        auto it = std::find(compiled.free_slots.begin(), compiled.free_slots.end(), token.index);
        if (it == compiled.free_slots.end()) {
          compiled.free_slots.push_back(token.index);
          it = compiled.free_slots.end() - 1;
        }
        ins.jacobian_column = static_cast<std::int32_t>(it - compiled.free_slots.begin());
        compiled.num_constant_slots = std::max(compiled.num_constant_slots, token.index + 1);
        break;
      }
      case TokenKind::kOperator:
        PHYSR_CHECK(false, "operator token with arity 0");
    }
    emit(ins, 0);
    while (!pending.empty() && --pending.back().second == 0) {
      const Instruction op = pending.back().first;
      pending.pop_back();
      emit(op, Info(op.op).arity);
    }
  }
  PHYSR_CHECK(pending.empty() && depth == 1, "prefix to postfix conversion lost its balance");
  return compiled;
}

namespace {

bool IsPeriodic(OpCode op) {
  return op == OpCode::kSin || op == OpCode::kCos || op == OpCode::kTan;
}

// The program as a tree: each instruction's argument instructions (-1: none), and whether its
// subtree reads a variable.
struct Tree {
  std::vector<std::array<int, 2>> args;
  std::vector<bool> has_variable;
};

Tree MakeTree(const CompiledProgram& program) {
  const auto n = program.code.size();
  Tree tree{std::vector<std::array<int, 2>>(n, {-1, -1}), std::vector<bool>(n, false)};
  std::vector<int> open;
  for (std::size_t i = 0; i < n; ++i) {
    const OpCode op = program.code[i].op;
    const int arity = Info(op).arity;
    bool variable = op == OpCode::kVariable;
    for (int a = arity - 1; a >= 0; --a) {
      const int arg = open.back();
      open.pop_back();
      tree.args[i][static_cast<std::size_t>(a)] = arg;
      variable = variable || tree.has_variable[static_cast<std::size_t>(arg)];
    }
    tree.has_variable[i] = variable;
    open.push_back(static_cast<int>(i));
  }
  return tree;
}

// Marks the frequency constants under `node`, an argument of a periodic function reached
// through sums, products, quotients and powers; `scaled`: some product on the way multiplies
// the node by a factor that reads a variable.
void MarkFrequencies(const CompiledProgram& program, const Tree& tree, int node, bool scaled,
                     std::vector<bool>& marked) {
  const Instruction& ins = program.code[static_cast<std::size_t>(node)];
  const auto& args = tree.args[static_cast<std::size_t>(node)];
  switch (ins.op) {
    case OpCode::kFreeConstant:
      if (scaled) marked[static_cast<std::size_t>(ins.jacobian_column)] = true;
      return;
    case OpCode::kAdd:
    case OpCode::kSub:
      MarkFrequencies(program, tree, args[0], scaled, marked);
      MarkFrequencies(program, tree, args[1], scaled, marked);
      return;
    case OpCode::kNeg:
    case OpCode::kInv:
    case OpCode::kN2:
    case OpCode::kN3:
    case OpCode::kSqrt:
      MarkFrequencies(program, tree, args[0], scaled, marked);
      return;
    case OpCode::kMul:
    case OpCode::kDiv: {
      const auto var = [&](int a) { return tree.has_variable[static_cast<std::size_t>(a)]; };
      MarkFrequencies(program, tree, args[0], scaled || var(args[1]), marked);
      MarkFrequencies(program, tree, args[1], scaled || var(args[0]), marked);
      return;
    }
    default:
      return;
  }
}

}  // namespace

std::vector<int> FrequencyConstantColumns(const CompiledProgram& program) {
  const Tree tree = MakeTree(program);
  std::vector<bool> marked(static_cast<std::size_t>(program.num_free()), false);
  for (std::size_t i = 0; i < program.code.size(); ++i) {
    if (IsPeriodic(program.code[i].op))
      MarkFrequencies(program, tree, tree.args[i][0], false, marked);
  }
  std::vector<int> columns;
  for (std::size_t j = 0; j < marked.size(); ++j) {
    if (marked[j]) columns.push_back(static_cast<int>(j));
  }
  return columns;
}

}  // namespace physr
