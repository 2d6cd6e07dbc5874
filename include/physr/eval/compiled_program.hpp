// A program compiled for evaluation: postfix instructions over a value stack, with the
// fixed-constant values inlined and the free constants mapped to Jacobian columns. Compile once
// per candidate, then evaluate over many rows and constant values (evaluator.hpp).
// Not here: evaluation itself, simplification or printing.
#pragma once

#include <cstdint>
#include <vector>

#include "physr/expr/program.hpp"

namespace physr {

struct Instruction {
  OpCode op;
  // kVariable: the data column (Token::index); kFreeConstant: the free-constant slot
  // (Token::index, an index into Program::constants); 0 otherwise.
  std::int32_t arg = 0;
  // kFreeConstant: the column of this constant in Jacobians (its position in
  // CompiledProgram::free_slots); -1 otherwise.
  std::int32_t jacobian_column = -1;
  // kFixedConstant: the inlined value; 0 otherwise.
  double value = 0.0;
};

struct CompiledProgram {
  std::vector<Instruction> code;  // postfix order: arguments before their operator
  int max_stack = 0;              // deepest stack the code reaches (≥ 1)
  // Free-constant slots the program uses, in order of first appearance in the prefix program;
  // their position here is their Jacobian column. The fitter optimises exactly these.
  std::vector<int> free_slots;
  int num_variables_used = 0;  // highest variable column used + 1 (0 if none)
  int num_constant_slots = 0;  // highest free-constant slot used + 1 (0 if none)

  int num_free() const { return static_cast<int>(free_slots.size()); }
  // Node evaluations per row: the instruction count (terminals included).
  int size() const { return static_cast<int>(code.size()); }
};

// Compiles a complete prefix program (PHYSR_CHECK on an incomplete one or a token id outside
// `library`). The library is read, not kept. Program::constants are not read: values are
// passed at evaluation time. Cost: linear in the program length, a few small allocations.
CompiledProgram Compile(const Program& program, const Library& library);

// The Jacobian columns of the frequency constants: free constants inside the argument of a
// sin, cos or tan that scale a variable there, reached from the argument through sums,
// products, quotients and powers only: C in sin(C*x), cos(x/C + phi), tan((C*x*y)^2). The
// fit's cost oscillates in such a constant, with a local minimum in every period; not in a
// phase (phi: every period's minimum is the same law) nor below another function
// (sin(exp(C*x))). Ascending, each once. Cost: linear in the program's length.
std::vector<int> FrequencyConstantColumns(const CompiledProgram& program);

}  // namespace physr
