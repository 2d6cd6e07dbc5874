// The search over dimensionless groups (SearchConfig::groups): the data reduced to the groups
// of its inputs (groups.hpp), the engine run on that, and the front written back in the
// data's variables, refitted there and written in canonical form.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/data/statistics.hpp"
#include "physr/eval/stability.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/search/engine.hpp"
#include "physr/search/groups.hpp"
#include "physr/search/pareto_front.hpp"
#include "physr/search/simplify.hpp"
#include "search_internal.hpp"

namespace physr {
namespace {

struct GroupedProblem {
  GroupBasis basis;
  Dataset data;
  SearchConfig config;
};

// The reduced problem, or nullopt when the groups do not apply and the mode is auto (with
// the mode on, the reason is thrown as InputError).
std::optional<GroupedProblem> PrepareGroups(const Dataset& data, const SearchConfig& config) {
  const LibraryOptions& library = config.library;
  try {
    std::vector<std::string> taken = {"1", "k0", "k1"};
    for (const FreeConstantSpec& c : library.free_constants) {
      if (!c.dimension.IsDimensionless()) {
        throw InputError("groups: the free constant " + c.name +
                         " has units; a search over dimensionless groups takes only "
                         "dimensionless free constants");
      }
      taken.push_back(c.name);
    }
    for (const FixedConstantSpec& c : library.fixed_constants) taken.push_back(c.name);
    GroupedProblem problem;
    problem.basis = FindGroups(data, library.fixed_constants, taken);
    if (problem.basis.groups.empty()) {
      // The units fix the law up to a number (target = C·monomial): nothing is left to search
      // over the groups, and the plain search finds C·monomial directly.
      throw InputError(
          "groups: the inputs form no dimensionless group, so the target is a "
          "number times " +
          problem.basis.target_text + "; search without --groups");
    }
    problem.data = ReduceDataset(data, problem.basis);
    if (config.groups == GroupsMode::kAuto &&
        problem.basis.groups.size() >= problem.basis.inputs.size()) {
      return std::nullopt;
    }
    problem.config = config;
    problem.config.groups = GroupsMode::kOff;
    std::vector<FixedConstantSpec>& fixed = problem.config.library.fixed_constants;
    fixed.erase(
        std::remove_if(fixed.begin(), fixed.end(),
                       [](const FixedConstantSpec& c) { return !c.dimension.IsDimensionless(); }),
        fixed.end());
    return problem;
  } catch (const InputError&) {
    if (config.groups == GroupsMode::kAuto) return std::nullopt;
    throw;
  }
}

// A copy of the reduced search's library whose group variables are named by their formulas
// in parentheses, "(v/c)", so that ToInfix writes a formula in the data's variables.
Library DisplayLibrary(const Library& reduced, const GroupBasis& basis) {
  Library display;
  for (const Token& t : reduced.tokens()) {
    switch (t.kind) {
      case TokenKind::kOperator:
        display.AddOperator(t.op);
        break;
      case TokenKind::kVariable: {
        const auto j = static_cast<std::size_t>(t.index);
        const bool single = basis.texts[j] == basis.names[j];
        display.AddVariable(single ? basis.texts[j] : '(' + basis.texts[j] + ')', t.dimension);
        break;
      }
      case TokenKind::kFixedConstant:
        display.AddFixedConstant(t.name, t.value, t.dimension);
        break;
      case TokenKind::kFreeConstant:
        display.AddFreeConstant(t.name, t.dimension, t.value);
        break;
    }
  }
  return display;
}

// The text of `program` (over the reduced search's `reduced` library) in the data's
// variables: (monomial)*(relation with each group's formula in place).
std::string InDataVariables(const Program& program, const Library& reduced, const GroupBasis& basis,
                            const PrintOptions& options = {}) {
  const std::string relation = ToInfix(program, DisplayLibrary(reduced, basis), options);
  return basis.target_text == "1" ? relation : '(' + basis.target_text + ")*(" + relation + ')';
}

// The formula `f` of the reduced search over the data's `library`, its free constants
// started at the reduced fit's values.
Program WriteBack(const Formula& f, const Library& reduced, const GroupBasis& basis,
                  Library& library) {
  Program program = ParseFormula(InDataVariables(f.program, reduced, basis), library);
  program.constants = library.FreeConstantDefaults();
  for (const Token& t : reduced.tokens()) {
    if (t.kind != TokenKind::kFreeConstant) continue;
    const auto from = static_cast<std::size_t>(t.index);
    const std::optional<TokenId> id = library.FindTerminal(t.name);
    if (!id || from >= f.program.constants.size()) continue;
    program.constants[static_cast<std::size_t>(library[*id].index)] = f.program.constants[from];
  }
  return program;
}

// The callbacks with each epoch report's best formula shown in the data's variables.
SearchCallbacks ShowInDataVariables(const SearchCallbacks& callbacks,
                                    const GroupedProblem& problem) {
  SearchCallbacks shown = callbacks;
  if (!callbacks.on_epoch) return shown;
  shown.on_epoch = [on_epoch = callbacks.on_epoch, basis = problem.basis,
                    library = BuildSearchLibrary(problem.data, problem.config.library)](
                       const EpochReport& report) mutable {
    EpochReport named = report;
    try {
      const Program program = ParseFormula(report.best_infix, library);
      named.best_infix = InDataVariables(program, library, basis);
    } catch (const InputError&) {
      // An empty or unreadable formula is shown as it is.
    }
    return on_epoch(named);
  };
  return shown;
}

SearchResult WriteBackFront(SearchResult reduced, const GroupBasis& basis, const Dataset& data,
                            const SearchConfig& config) {
  SearchResult result = std::move(reduced);
  Library library = BuildSearchLibrary(data, config.library);
  FitOptions options = config.fitting.fit;
  options.seed = config.seed;
  options.compute_uncertainties = true;
  options.solver.max_iterations = std::max(100, options.solver.max_iterations);
  const double exact = config.stopping.perfect_nrmse.value_or(ExactThreshold(data));
  ParetoFront front;
  std::vector<std::pair<Program, FitResult>> fits;
  for (const Formula& f : result.pareto) {
    Program program = WriteBack(f, result.library, basis, library);
    const UnitCheckResult units = CheckUnits(program, library);
    if (!units.ok || units.dimension != data.target_dimension) continue;
    FitResult fit = FitConstants(program, library, data, options);
    if (!fit.finite) continue;
    program.constants = fit.constants;
    if (!NumericallyStable(program, library, data)) continue;
    FrontEntry entry;
    entry.program = program;
    entry.complexity = Complexity(program.tokens, library);
    entry.loss = std::max(fit.nrmse, exact);
    if (front.Offer(entry)) fits.emplace_back(std::move(program), std::move(fit));
  }
  // The write-back substitutes each group's formula without simplifying across the groups
  // ((m*c^2)*(1/sqrt(1 - (v/c)^2))); the canonical form does that in the data's variables,
  // accepted on the data as for any search.
  if (config.canonical) CanonicalizeFront(front, fits, library, data, options, exact);
  const auto fit_of = [&fits](const FrontEntry& e) -> const FitResult& {
    for (const auto& [program, fit] : fits) {
      if (program == e.program) return fit;
    }
    PHYSR_CHECK(false, "front entry without its fit");
  };
  front.KeepDistinctModels(library, data);
  result.pareto.clear();
  result.best.reset();
  for (const FrontEntry& e : front.entries()) {
    result.pareto.push_back(MakeFormula(e.program, library, fit_of(e)));
  }
  if (const FrontEntry* best = front.Best(exact, EffectiveRows(data), library)) {
    result.best = MakeFormula(best->program, library, fit_of(*best));
  }
  result.library = std::move(library);
  result.exact_nrmse = exact;
  result.groups = basis;
  return result;
}

}  // namespace

std::optional<SearchResult> RunGroupedSearch(const Dataset& data, const SearchConfig& config,
                                             const SearchCallbacks& callbacks) {
  std::optional<GroupedProblem> problem = PrepareGroups(data, config);
  if (!problem) return std::nullopt;
  SearchResult reduced =
      SearchEngine(problem->data, problem->config, ShowInDataVariables(callbacks, *problem)).Run();
  return WriteBackFront(std::move(reduced), problem->basis, data, config);
}

}  // namespace physr
