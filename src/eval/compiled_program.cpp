#include "physr/eval/compiled_program.hpp"

#include <algorithm>
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

}  // namespace physr
