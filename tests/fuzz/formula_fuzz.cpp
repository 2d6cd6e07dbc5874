// Fuzz harness: bytes → ParseFormula over a small library (every operator;
// x[m], t[s], z[1], c[m/s], free k). Only InputError may escape the parser. A
// parsed program must pass the unit checker without throwing, print in all
// three notations, read back from its infix text to the same tokens
// (parser.hpp's round-trip promise), and evaluate without faults.
#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_targets.hpp"
#include "physr/core/error.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/units/unit_parser.hpp"

namespace {

constexpr const char* kHarness = "formula_fuzz";

physr::Library MakeLibrary() {
  physr::Library library;
  for (physr::OpCode op : physr::AllOperators()) library.AddOperator(op);
  library.AddVariable("x", physr::units::ParseUnit("m"));
  library.AddVariable("t", physr::units::ParseUnit("s"));
  library.AddVariable("z", physr::units::ParseUnit("1"));
  library.AddFixedConstant("c", 3.0, physr::units::ParseUnit("m/s"));
  library.AddFreeConstant("k", physr::units::ParseUnit("1"), 1.5);
  return library;
}

// Operations on the longest root-to-leaf path (a terminal alone is 1).
int TreeDepth(const physr::Program& program, const physr::Library& library) {
  int deepest = 0;
  std::vector<int> open;      // per open operator: children still to come
  std::vector<int> depth_of;  // per open operator: its depth
  for (const physr::TokenId id : program.tokens) {
    const int depth = open.empty() ? 1 : depth_of.back() + 1;
    deepest = std::max(deepest, depth);
    if (!open.empty() && --open.back() == 0) {
      open.pop_back();
      depth_of.pop_back();
    }
    const int arity = library[id].arity;
    if (arity > 0) {
      open.push_back(arity);
      depth_of.push_back(depth);
    }
  }
  return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const physr::Library kBase = MakeLibrary();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  physr::Library library = kBase;
  physr::Program program;
  try {
    program = physr::ParseFormula(text, library);
  } catch (const physr::InputError&) {
    return 0;
  }
  if (!physr::IsComplete(program.tokens, library)) {
    physr::fuzz::Fail(kHarness, "the parser returned an incomplete program");
  }
  (void)physr::CheckUnits(program, library, physr::units::ParseUnit("m"));

  const std::string infix = physr::ToInfix(program, library);
  physr::PrintOptions values;
  values.substitute_constants = true;
  (void)physr::ToSympy(program, library, values);
  (void)physr::ToLatex(program, library, values);
  // parser.hpp promises the round trip for trees up to 250 operations deep.
  if (TreeDepth(program, library) <= 250) {
    physr::Library again_library = library;
    physr::Program again;
    try {
      again = physr::ParseFormula(infix, again_library);
    } catch (const physr::InputError&) {
      physr::fuzz::Fail(kHarness, "ToInfix printed text ParseFormula rejects");
    }
    if (again.tokens != program.tokens) {
      physr::fuzz::Fail(kHarness, "infix round trip changed the program");
    }
  }

  const physr::CompiledProgram compiled = physr::Compile(program, library);
  Eigen::MatrixXd X(3, library.num_variables());
  X << 0.5, 2.0, -1.0,  //
      -3.0, 0.0, 0.25,  //
      1e300, 1e-300, 7.0;
  std::array<double, 3> out{};
  physr::Evaluator evaluator;
  (void)evaluator.Evaluate(compiled, X, program.constants, out);
  for (Eigen::Index r = 0; r < X.rows(); ++r) {
    const Eigen::VectorXd row = X.row(r).transpose();
    (void)physr::EvaluateScalar(compiled, std::span<const double>(row.data(), 3),
                                program.constants);
  }
  return 0;
}
