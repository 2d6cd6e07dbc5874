#include "physr/search/search.hpp"

#include <optional>
#include <utility>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/search/engine.hpp"
#include "physr/search/saved_result.hpp"
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

std::optional<Token> ShutOutInput(const Formula& best, const Library& library, bool units_rules) {
  if (!units_rules) return std::nullopt;
  for (const TokenId id : best.program.tokens) {
    if (library[id].kind == TokenKind::kVariable) return std::nullopt;
  }
  const auto tokens = library.tokens();
  const auto first = std::ranges::find_if(tokens, [](const Token& t) {
    return t.kind == TokenKind::kVariable && !t.dimension.IsDimensionless();
  });
  if (first == tokens.end()) return std::nullopt;
  return *first;
}

std::string NoInputAdvice(const Token& input, std::string_view declare,
                          std::string_view without_units) {
  return "the best formula uses none of the inputs. Under the unit rules an input enters a "
         "formula only where other inputs or constants cancel its units; if a law of the inputs "
         "is expected, declare constants with the units it needs (e.g. " +
         std::string(declare) + " for a scale of " + input.name + ") or search without units (" +
         std::string(without_units) + ")";
}

namespace {

// The token of `library` that plays the part of `token` (of another library over the same
// operators and constants): the terminal or operator of the same name.
TokenId SameToken(const Token& token, const Library& library) {
  std::optional<TokenId> id;
  if (token.IsTerminal()) {
    id = library.FindTerminal(token.name);
  } else if (token.op == OpCode::kDefined) {
    id = library.FindDefined(token.name);
  } else {
    id = library.FindOperator(token.op);
  }
  PHYSR_CHECK(id.has_value(), "screening: a token of the result is missing in the data's library");
  return *id;
}

// `result` of a search over some columns of `data`, its library widened to every column of
// `data` (the same operators and constants, in the same order) and its formulas' tokens
// renumbered; texts, constants and figures are unchanged.
void WidenLibrary(SearchResult& result, const Dataset& data) {
  LibrarySpec spec = SpecOfLibrary(result.library);
  spec.variables.clear();
  for (int j = 0; j < data.num_variables(); ++j) {
    const auto at = static_cast<std::size_t>(j);
    spec.variables.push_back({data.names[at], data.dimensions[at]});
  }
  Library wide = Library::Build(spec);
  std::vector<TokenId> map(result.library.size());
  for (std::size_t id = 0; id < map.size(); ++id) {
    map[id] = SameToken(result.library[static_cast<TokenId>(id)], wide);
  }
  const auto renumber = [&map](Formula& f) {
    for (TokenId& t : f.program.tokens) t = map[t];
  };
  for (Formula& f : result.pareto) renumber(f);
  if (result.best) renumber(*result.best);
  result.library = std::move(wide);
}

}  // namespace

SearchResult RunSearch(const Dataset& data, const SearchConfig& config,
                       const SearchCallbacks& callbacks) {
  const int keep = ScreenedColumns(config.screen, data.num_variables());
  if (keep < data.num_variables() && data.rows() >= 2 && data.X.allFinite() && data.y.allFinite()) {
    Screening screening;
    screening.columns = data.num_variables();
    std::vector<ColumnScore> ranking = RankColumns(data, keep);
    std::vector<int> columns;
    for (const ColumnScore& s : ranking) columns.push_back(s.column);
    if (config.priors.units) {
      std::vector<Dimension> constants;
      for (const FixedConstantSpec& c : config.library.fixed_constants)
        constants.push_back(c.dimension);
      for (const FreeConstantSpec& c : config.library.free_constants)
        constants.push_back(c.dimension);
      columns = CompleteUnits(data, std::move(columns), constants);
      for (std::size_t k = ranking.size(); k < columns.size(); ++k) {
        const auto j = static_cast<std::size_t>(columns[k]);
        ranking.push_back({data.names[j], columns[k], 0.0});
      }
    }
    screening.kept = std::move(ranking);
    SearchConfig screened = config;
    screened.screen = kScreenOff;
    SearchResult result = RunSearch(KeepColumns(data, columns), screened, callbacks);
    WidenLibrary(result, data);
    result.screening = std::move(screening);
    return result;
  }
  if (config.groups != GroupsMode::kOff) {
    if (std::optional<SearchResult> result = RunGroupedSearch(data, config, callbacks)) {
      return std::move(*result);
    }
  }
  return RunGivenSearch(data, config, callbacks);
}

}  // namespace physr
