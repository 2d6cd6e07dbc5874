#include "physr/search/search.hpp"

#include <optional>
#include <utility>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/search/engine.hpp"
#include "search_internal.hpp"

namespace physr {

Formula MakeFormula(const Program& program, const Library& library, const FitResult& fit) {
  Formula f;
  f.program = program;
  f.program.constants = fit.constants;
  f.complexity = Complexity(program.tokens, library);
  f.rmse = fit.rmse;
  f.nrmse = fit.nrmse;
  f.r2 = fit.r2;
  const UnitCheckResult units = CheckUnits(f.program, library);
  if (units.ok) f.dimension = units.dimension;
  std::vector<bool> seen(static_cast<std::size_t>(library.num_free_constants()), false);
  for (TokenId id : program.tokens) {
    const Token& t = library[id];
    if (t.kind != TokenKind::kFreeConstant) continue;
    const auto slot = static_cast<std::size_t>(t.index);
    if (seen[slot]) continue;
    seen[slot] = true;
    FittedConstant c;
    c.name = t.name;
    c.value = slot < fit.constants.size() ? fit.constants[slot] : t.value;
    if (slot < fit.standard_errors.size()) c.standard_error = fit.standard_errors[slot];
    c.dimension = t.dimension;
    f.constants.push_back(std::move(c));
  }
  PrintOptions names;
  PrintOptions values;
  values.substitute_constants = true;
  f.infix = ToInfix(f.program, library, names);
  f.infix_values = ToInfix(f.program, library, values);
  f.sympy = ToSympy(f.program, library, values);
  f.latex = ToLatex(f.program, library, values);
  return f;
}

std::string_view ToString(StopReason reason) {
  switch (reason) {
    case StopReason::kPerfectFit:
      return "perfect fit";
    case StopReason::kEpochs:
      return "epochs";
    case StopReason::kTimeLimit:
      return "time limit";
    case StopReason::kEvaluations:
      return "evaluations";
    case StopReason::kInterrupted:
      return "interrupted";
  }
  PHYSR_CHECK(false, "unknown stop reason");
}

SearchResult RunSearch(const Dataset& data, const SearchConfig& config,
                       const SearchCallbacks& callbacks) {
  if (config.groups != GroupsMode::kOff) {
    if (std::optional<SearchResult> result = RunGroupedSearch(data, config, callbacks)) {
      return std::move(*result);
    }
  }
  return SearchEngine(data, config, callbacks).Run();
}

}  // namespace physr
