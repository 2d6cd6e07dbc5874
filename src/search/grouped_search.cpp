// The search over dimensionless groups (SearchConfig::groups): the data reduced to the groups
// of its inputs (groups.hpp), the engine run on that, and the front written back in the
// data's variables, refitted there and written in canonical form; with groups auto, merged
// with the front of a search over the data as given (the portfolio).
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
#include "physr/search/checkpoint.hpp"
#include "physr/search/engine.hpp"
#include "physr/search/groups.hpp"
#include "physr/search/pareto_front.hpp"
#include "physr/search/simplify.hpp"
#include "physr/search/symmetry.hpp"
#include "search_internal.hpp"

namespace physr {
namespace {

struct GroupedProblem {
  GroupBasis basis;  // over the data's columns after the merges
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
    const MergedInputs merged =
        MergeSymmetricInputs(data, config.symmetry == SymmetryMode::kOff  ? 0
                                   : config.symmetry == SymmetryMode::kOn ? data.num_variables()
                                                                          : kMergeAutoColumns);
    problem.basis = FindGroups(merged.data, library.fixed_constants, taken);
    problem.basis.merges = merged.merges;
    if (problem.basis.groups.empty()) {
      // The units fix the law up to a number (target = C·monomial): nothing is left to search
      // over the groups, and the plain search finds C·monomial directly.
      throw InputError(
          "groups: the inputs form no dimensionless group, so the target is a "
          "number times " +
          problem.basis.target_text + "; search without --groups");
    }
    problem.data = ReduceDataset(merged.data, problem.basis);
    // Fewer variables than the data's inputs (columns and constants with units), by the groups
    // or by the merges.
    if (config.groups == GroupsMode::kAuto &&
        problem.basis.groups.size() >= problem.basis.inputs.size() + merged.merges.size()) {
      return std::nullopt;
    }
    problem.config = config;
    problem.config.groups = GroupsMode::kOff;
    // Exact as the data's digits allow, not as the reduced target's full double precision.
    problem.config.stopping.perfect_nrmse =
        config.stopping.perfect_nrmse.value_or(ExactThreshold(data, problem.data));
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
  std::vector<std::string> names;
  // A group that is one input keeps the input's name: an identifier, or a merged input's
  // formula, parenthesised already.
  for (const std::string& text : basis.texts) {
    const bool input =
        std::find(basis.inputs.begin(), basis.inputs.end(), text) != basis.inputs.end();
    names.push_back(input ? text : '(' + text + ')');
  }
  return WithVariableNames(reduced, names);
}

// The text of `program` (over the reduced search's `reduced` library) in the data's
// variables: (monomial)*(relation with each group's formula in place).
std::string InDataVariables(const Program& program, const Library& reduced, const GroupBasis& basis,
                            const PrintOptions& options = {}) {
  const std::string relation = ToInfix(program, DisplayLibrary(reduced, basis), options);
  return basis.target_text == "1" ? relation : '(' + basis.target_text + ")*(" + relation + ')';
}

}  // namespace

Library WithVariableNames(const Library& library, const std::vector<std::string>& names) {
  Library out;
  for (const Token& t : library.tokens()) {
    switch (t.kind) {
      case TokenKind::kOperator:
        out.AddOperator(t.op);
        break;
      case TokenKind::kVariable:
        out.AddVariable(names[static_cast<std::size_t>(t.index)], t.dimension);
        break;
      case TokenKind::kFixedConstant:
        out.AddFixedConstant(t.name, t.value, t.dimension);
        break;
      case TokenKind::kFreeConstant:
        out.AddFreeConstant(t.name, t.dimension, t.value);
        break;
    }
  }
  return out;
}

Program WriteBackText(const std::string& text, const Formula& f, const Library& from,
                      Library& library) {
  Program program = ParseFormula(text, library);
  program.constants = library.FreeConstantDefaults();
  for (const Token& t : from.tokens()) {
    if (t.kind != TokenKind::kFreeConstant) continue;
    const auto index = static_cast<std::size_t>(t.index);
    const std::optional<TokenId> id = library.FindTerminal(t.name);
    if (!id || index >= f.program.constants.size()) continue;
    program.constants[static_cast<std::size_t>(library[*id].index)] = f.program.constants[index];
  }
  return program;
}

namespace {

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

// The reduced search's front written back in the data's variables over `library`.
WrittenBack WriteBackGroups(const SearchResult& reduced, const GroupBasis& basis,
                            const Dataset& data, const SearchConfig& config, Library& library,
                            double exact) {
  const WriteBackFn write = [&](const Formula& f, Library& to) {
    return WriteBackText(InDataVariables(f.program, reduced.library, basis), f, reduced.library,
                         to);
  };
  return WriteBackEntries(reduced.pareto, write, data, config, library, exact);
}

}  // namespace

WrittenBack WriteBackEntries(const std::vector<Formula>& pareto, const WriteBackFn& write,
                             const Dataset& data, const SearchConfig& config, Library& library,
                             double exact) {
  const FitOptions options = FinalFitOptions(SearchFitOptions(config).fit);
  WrittenBack out{ParetoFront(library, EffectiveRows(data)), {}};
  for (const Formula& f : pareto) {
    Program program = write(f, library);
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
    if (out.front.Offer(entry)) out.fits.emplace_back(std::move(program), std::move(fit));
  }
  // The write-back substitutes each group's formula without simplifying across the groups
  // ((m*c^2)*(1/sqrt(1 - (v/c)^2))); the canonical form does that in the data's variables,
  // accepted on the data as for any search.
  if (config.canonical) {
    // The reduced search simplified its formulas against its own noise; the canonical form's
    // merged constants are simplified here, on the data's search rows, as the engine does.
    const Dataset rows = SearchRows(data, config.rows.max_rows, config.seed);
    NoiseSimplification noise{SimplifyOptions{}, &rows};
    noise.options.accept_nrmse = exact;
    noise.options.rows = EffectiveRows(rows);
    noise.options.fit = SearchFitOptions(config).fit;
    CanonicalizeFront(out.front, out.fits, library, data, options, exact, &noise);
  }
  return out;
}

void MergeFronts(WrittenBack written, const std::vector<Formula>& given, const Library& library,
                 const Dataset& data, double exact, SearchResult& result, bool from_groups) {
  ParetoFront& front = written.front;
  for (const Formula& f : given) {
    FrontEntry entry;
    entry.program = f.program;
    entry.complexity = f.complexity;
    entry.loss = std::max(f.nrmse, exact);
    front.Offer(std::move(entry));
  }
  front.KeepDistinctModels(library, data);
  const auto formula_of = [&](const FrontEntry& e) {
    for (const auto& [program, fit] : written.fits) {
      if (program != e.program) continue;
      Formula f = MakeFormula(e.program, library, fit);
      f.from_groups = from_groups;
      return f;
    }
    for (const Formula& f : given) {
      if (f.program == e.program) return f;
    }
    PHYSR_CHECK(false, "front entry without its fit");
  };
  result.pareto.clear();
  result.best.reset();
  for (const FrontEntry& e : front.entries()) result.pareto.push_back(formula_of(e));
  if (const FrontEntry* best = front.Best(exact, EffectiveRows(data), library)) {
    result.best = formula_of(*best);
  }
}

namespace {

// The stopping options of the portfolio's first search, over the groups: `share` (that search's
// own, with its perfect-fit threshold) with half of each limit of `total` (epochs and
// evaluations rounded up).
StoppingOptions FirstShare(StoppingOptions share, const StoppingOptions& total) {
  share.max_epochs = (total.max_epochs + 1) / 2;
  share.max_evaluations = (total.max_evaluations + 1) / 2;
  share.time_limit_seconds = total.time_limit_seconds / 2.0;
  return share;
}

// What the first search left of each limit of `total`, at least a tenth of it.
StoppingOptions LeftBy(const StoppingOptions& total, const SearchResult& first) {
  StoppingOptions share = total;
  if (total.max_epochs > 0) {
    share.max_epochs =
        std::max(total.max_epochs - first.epochs, std::max(1, total.max_epochs / 10));
  }
  if (total.max_evaluations > 0) {
    share.max_evaluations = std::max(total.max_evaluations - first.evaluations,
                                     std::max<std::int64_t>(1, total.max_evaluations / 10));
  }
  if (total.time_limit_seconds > 0.0) {
    share.time_limit_seconds =
        std::max(total.time_limit_seconds - first.seconds, total.time_limit_seconds / 10.0);
  }
  return share;
}

// The limits of its second search, over the data as given: what the first (`first`) left of
// each limit of `total`, at least a tenth of it (at least one epoch and one evaluation). When
// the first found an exact law (a perfect fit), no more than it spent: enough to find a
// simpler form in the data's own variables, not a second full search.
StoppingOptions SecondShare(const StoppingOptions& total, const SearchResult& first) {
  StoppingOptions share = LeftBy(total, first);
  if (first.stop_reason != StopReason::kPerfectFit) return share;
  const int epochs = std::max(1, first.epochs);
  const std::int64_t evaluations = std::max<std::int64_t>(1, first.evaluations);
  share.max_epochs = share.max_epochs > 0 ? std::min(share.max_epochs, epochs) : epochs;
  share.max_evaluations =
      share.max_evaluations > 0 ? std::min(share.max_evaluations, evaluations) : evaluations;
  return share;
}

// `report` of the portfolio's second search numbered on from the first search's counters.
void NumberOn(const SearchResult& first, EpochReport& report) {
  report.epoch += first.epochs;
  report.evaluations += first.evaluations;
  report.seconds += first.seconds;
}

// The callbacks of the portfolio's second search: each epoch report numbered on from `first`.
SearchCallbacks NumberedOn(const SearchCallbacks& callbacks, const SearchResult& first) {
  SearchCallbacks numbered = callbacks;
  if (!callbacks.on_epoch) return numbered;
  numbered.on_epoch = [on_epoch = callbacks.on_epoch, &first](const EpochReport& report) {
    EpochReport shown = report;
    NumberOn(first, shown);
    return on_epoch(shown);
  };
  return numbered;
}

// `into` (the second search's result) with the counters, history and profile of `first`
// counted before its own; its epoch reports numbered on from the first's.
void AddFirstSearch(const SearchResult& first, SearchResult& into) {
  for (EpochReport& report : into.history) NumberOn(first, report);
  if (first.first_exact_epoch > 0) {
    into.first_exact_epoch = first.first_exact_epoch;
    into.first_exact_seconds = first.first_exact_seconds;
  } else if (into.first_exact_epoch > 0) {
    into.first_exact_epoch += first.epochs;
    into.first_exact_seconds += first.seconds;
  }
  into.epochs += first.epochs;
  into.evaluations += first.evaluations;
  into.sampled += first.sampled;
  into.dead_ends += first.dead_ends;
  into.invalid += first.invalid;
  into.bred += first.bred;
  into.seconds += first.seconds;
  into.history.insert(into.history.begin(), first.history.begin(), first.history.end());
  SearchProfile& p = into.profile;
  const SearchProfile& q = first.profile;
  for (auto [field, add] : {std::pair{&SearchProfile::sample_priors, q.sample_priors},
                            {&SearchProfile::sample_policy, q.sample_policy},
                            {&SearchProfile::fit, q.fit},
                            {&SearchProfile::train, q.train},
                            {&SearchProfile::breed, q.breed},
                            {&SearchProfile::enumerate, q.enumerate},
                            {&SearchProfile::simplify, q.simplify},
                            {&SearchProfile::finalise, q.finalise},
                            {&SearchProfile::other, q.other},
                            {&SearchProfile::seconds, q.seconds}}) {
    p.*field += add;
  }
  p.fitted += q.fitted;
  p.advanced += q.advanced;
}

// Groups on: the search over the groups alone, its front written back in the data's
// variables.
SearchResult GroupsOnly(SearchResult reduced, const GroupBasis& basis, const Dataset& data,
                        const SearchConfig& config) {
  Library library = BuildSearchLibrary(data, config.library);
  const double exact = config.stopping.perfect_nrmse.value_or(ExactThreshold(data));
  WrittenBack grouped = WriteBackGroups(reduced, basis, data, config, library, exact);
  SearchResult result = std::move(reduced);
  MergeFronts(std::move(grouped), {}, library, data, exact, result, true);
  result.library = std::move(library);
  result.exact_nrmse = exact;
  result.groups = basis;
  return result;
}

// Groups auto, when they apply: the portfolio. The search over the groups gets half of each
// limit, the search over the data as given what it left (SecondShare); both fronts, in the
// data's variables, are merged and the best chosen on the merged front. The search over the
// groups keeps no checkpoint (it is run again, the same, when a run resumes); one stopped by
// the caller ends the run with its front alone.
SearchResult RunPortfolio(const Dataset& data, const SearchConfig& config,
                          const SearchCallbacks& callbacks, GroupedProblem& problem) {
  StoppingOptions total = config.stopping;
  total.ApplyDefaultLimit();
  problem.config.stopping = FirstShare(problem.config.stopping, total);
  problem.config.checkpoint = CheckpointOptions{};
  SearchResult reduced =
      SearchEngine(problem.data, problem.config, ShowInDataVariables(callbacks, problem)).Run();
  if (reduced.stop_reason == StopReason::kInterrupted) {
    return GroupsOnly(std::move(reduced), problem.basis, data, config);
  }
  SearchConfig given = config;
  given.groups = GroupsMode::kOff;
  given.stopping = SecondShare(total, reduced);
  SearchResult result = RunGivenSearch(data, given, NumberedOn(callbacks, reduced));
  Library library = result.library;
  const double exact = result.exact_nrmse;
  WrittenBack grouped = WriteBackGroups(reduced, problem.basis, data, config, library, exact);
  const std::vector<Formula> front = result.pareto;
  MergeFronts(std::move(grouped), front, library, data, exact, result, true);
  AddFirstSearch(reduced, result);
  result.library = std::move(library);
  result.groups = problem.basis;
  result.groups_portfolio = true;
  return result;
}

}  // namespace

std::optional<SearchResult> RunGroupedSearch(const Dataset& data, const SearchConfig& config,
                                             const SearchCallbacks& callbacks) {
  std::optional<GroupedProblem> problem = PrepareGroups(data, config);
  if (!problem) return std::nullopt;
  if (config.groups == GroupsMode::kAuto) return RunPortfolio(data, config, callbacks, *problem);
  SearchResult reduced =
      SearchEngine(problem->data, problem->config, ShowInDataVariables(callbacks, *problem)).Run();
  return GroupsOnly(std::move(reduced), problem->basis, data, config);
}

}  // namespace physr
