// A program compiled for evaluation: postfix instructions over a value stack, with the
// fixed-constant values inlined. Compile once, evaluate over many rows and constant values.
#pragma once

#include <cstdint>
#include <vector>

#include "physr/expr/program.hpp"

namespace physr {

struct Instruction {
  OpCode op;
  // kVariable: data column; kFixedConstant: the value is in `value`; kFreeConstant: the
  // free-constant slot (Token::index), and `jacobian_column` its column in Jacobians.
  std::int32_t arg = 0;
  std::int32_t jacobian_column = -1;
  double value = 0.0;
};

struct CompiledProgram {
  std::vector<Instruction> code;  // postfix order: arguments before their operator
  int max_stack = 0;              // deepest stack the code reaches
  // Free-constant slots the program uses, in order of first appearance; their position here
  // is their Jacobian column. The fitter optimises exactly these.
  std::vector<int> free_slots;
  int num_variables_used = 0;     // highest variable column used + 1

  int num_free() const { return static_cast<int>(free_slots.size()); }
};

// Requires a complete program (PHYSR_CHECK). Cost: linear in the program length.
CompiledProgram Compile(const Program& program, const Library& library);

}  // namespace physr
