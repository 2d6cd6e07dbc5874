#include "physr/search/class_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "class_scoring.hpp"
#include "physr/core/error.hpp"
#include "physr/data/statistics.hpp"
#include "physr/eval/stability.hpp"
#include "physr/expr/canonical.hpp"
#include "physr/search/engine.hpp"
#include "physr/search/pareto_front.hpp"
#include "physr/search/simplify.hpp"
#include "search_internal.hpp"

namespace physr {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The single-dataset view of a class fit the engine ranks: nrmse the class loss, constants
// and errors the first dataset's.
FitResult Summary(const ClassFitResult& fit, double sum_weights) {
  FitResult out;
  const DatasetFit& first = fit.datasets.front();
  out.constants = first.constants;
  out.standard_errors = first.standard_errors;
  out.status = fit.status;
  out.converged = fit.converged;
  out.starts = fit.starts;
  out.iterations = fit.iterations;
  out.residual_evaluations = fit.residual_evaluations;
  out.jacobian_evaluations = fit.jacobian_evaluations;
  out.finite = fit.finite;
  if (!fit.finite) {
    out.cost = out.rmse = out.nrmse = kInf;
    out.r2 = -kInf;
    return out;
  }
  double r2 = 0.0;
  for (const DatasetFit& d : fit.datasets) r2 += d.r2 / static_cast<double>(fit.datasets.size());
  out.cost = fit.cost;
  out.nrmse = ClassLoss(fit);
  out.rmse = std::sqrt(fit.cost / sum_weights);
  out.r2 = r2;
  return out;
}

double SumWeights(const ClassDataset& data) {
  double sum = 0.0;
  for (const TargetStats& stats : ComputeClassTargetStats(data)) sum += stats.sum_weights;
  return sum;
}

ClassFormulaFit FormulaFit(ClassFitResult fit) {
  ClassFormulaFit out;
  out.datasets = std::move(fit.datasets);
  out.reward = fit.reward;
  out.worst_nrmse = fit.worst_nrmse;
  return out;
}

// Whether `program`, with each dataset's constants of `fit`, is numerically stable on every
// dataset: a formula whose fit rests on floating-point rounding anywhere is not reported.
bool StableOnEvery(const Program& program, const ClassFitResult& fit, const Library& library,
                   const ClassDataset& data) {
  for (int k = 0; k < data.size(); ++k) {
    Program fitted = program;
    fitted.constants = fit.datasets[static_cast<std::size_t>(k)].constants;
    if (!NumericallyStable(fitted, library, data.members[static_cast<std::size_t>(k)])) {
      return false;
    }
  }
  return true;
}

// The free-constant slots `program` uses, each once, in slot order.
std::vector<int> UsedSlots(const Program& program, const Library& library) {
  std::vector<int> slots;
  for (TokenId id : program.tokens) {
    if (library[id].kind == TokenKind::kFreeConstant) slots.push_back(library[id].index);
  }
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  return slots;
}

// Whether the rewrites of `original`, one per dataset with the same tokens, keep it a law of
// the class with no more parameters: no more class constants and no more specific ones than
// the original, and every class constant with one value (up to rounding) on every dataset. A
// merge of a class constant with a specific one (L*tau, one value per dataset) written into a
// class constant's slot fails the last test.
bool KeepsRoles(const Program& original, const std::vector<Program>& rewrites,
                const Library& library, const ClassConstantRoles& roles) {
  const auto count = [&](const std::vector<int>& slots, bool specific) {
    return std::count_if(slots.begin(), slots.end(),
                         [&](int s) { return roles.IsSpecific(s) == specific; });
  };
  const std::vector<int> before = UsedSlots(original, library);
  const std::vector<int> after = UsedSlots(rewrites.front(), library);
  if (count(after, true) > count(before, true) || count(after, false) > count(before, false)) {
    return false;
  }
  for (int slot : after) {
    if (roles.IsSpecific(slot)) continue;
    const double first = rewrites.front().constants[static_cast<std::size_t>(slot)];
    for (const Program& r : rewrites) {
      const double value = r.constants[static_cast<std::size_t>(slot)];
      if (!(std::abs(value - first) <= 1e-9 * std::max(std::abs(first), 1e-300))) return false;
    }
  }
  return true;
}

const ClassFitResult& FitOf(const std::vector<std::pair<Program, ClassFitResult>>& fits,
                            const FrontEntry& e) {
  for (const auto& [program, fit] : fits) {
    if (program == e.program) return fit;
  }
  PHYSR_CHECK(false, "front entry without its class fit");
}

using ClassFits = std::vector<std::pair<Program, ClassFitResult>>;

// Each entry of `front` rewritten by `rewrite` (program and class fit → the rewrite and its
// refit, or nullopt to keep the entry as it is); the front is rebuilt by Offer (forms that
// coincide become one) and `fits` gains the refits. With `keep_beside`, a rewrite shorter than
// its entry joins the front beside it rather than taking its place.
template <typename Rewrite>
void RewriteClassFront(ParetoFront& front, ClassFits& fits, const Library& library,
                       double exact_nrmse, bool keep_beside, const Rewrite& rewrite) {
  ParetoFront rewritten;
  for (const FrontEntry& e : front.entries()) {
    std::optional<std::pair<Program, ClassFitResult>> r = rewrite(e.program, FitOf(fits, e));
    if (!r) {
      rewritten.Offer(e);
      continue;
    }
    FrontEntry entry = e;
    entry.program = r->first;
    entry.complexity = Complexity(entry.program.tokens, library);
    entry.loss = std::max(ClassLoss(r->second), exact_nrmse);
    const bool beside = keep_beside && entry.complexity < e.complexity;
    rewritten.Offer(std::move(entry));
    fits.push_back(std::move(*r));
    if (beside) rewritten.Offer(e);
  }
  front = std::move(rewritten);
}

// Each entry of `front` in its canonical form where CanonicalClassFit passes.
void CanonicalizeClassFront(ParetoFront& front, ClassFits& fits, const Library& library,
                            const ClassConstantRoles& roles, const ClassDataset& data,
                            const ClassFitOptions& options, double exact_nrmse) {
  RewriteClassFront(front, fits, library, exact_nrmse, false,
                    [&](const Program& program, const ClassFitResult& fit) {
                      return CanonicalClassFit(program, fit, library, roles, data, options);
                    });
}

// Each entry of `front` simplified over the class (SimplifyClassFit) joins the front beside
// it, or takes its place when as long (only constants became numbers).
void SimplifyClassFront(ParetoFront& front, ClassFits& fits, const Library& library,
                        const ClassConstantRoles& roles, const ClassDataset& data,
                        const ClassFitOptions& options, double exact_nrmse) {
  RewriteClassFront(front, fits, library, exact_nrmse, true,
                    [&](const Program& program, const ClassFitResult& fit) {
                      return SimplifyClassFit(program, fit, library, roles, data, options);
                    });
}

void CheckClassOptions(const ClassSearchConfig& config) {
  // auto (the default) is off here: none is available over several datasets.
  if (config.search.groups == GroupsMode::kOn) {
    throw InputError("dimensionless groups are not available for a search over several datasets");
  }
  if (config.search.enumerate.mode == EnumerateMode::kOn) {
    throw InputError("--enumerate is not available for a search over several datasets");
  }
  if (config.search.features == FeaturesMode::kOn) {
    throw InputError("--features is not available for a search over several datasets");
  }
  if (config.search.screen > 0) {
    throw InputError(
        "screening is not available for a search over several datasets: every column is "
        "searched (--screen auto and off do so)");
  }
  if (!config.search.checkpoint.dir.empty() || !config.search.checkpoint.resume_dir.empty()) {
    throw InputError("checkpoints are not available for a search over several datasets");
  }
}

}  // namespace

double ClassLoss(const ClassFitResult& fit) {
  if (!fit.finite || !(fit.reward > 0.0)) return kInf;
  return std::max(0.0, 1.0 / fit.reward - 1.0);
}

std::optional<std::pair<Program, ClassFitResult>> CanonicalClassFit(
    const Program& program, const ClassFitResult& fit, const Library& library,
    const ClassConstantRoles& roles, const ClassDataset& data, const ClassFitOptions& options) {
  std::vector<Program> rewrites;
  for (int k = 0; k < data.size(); ++k) {
    Program fitted = program;
    fitted.constants = fit.datasets[static_cast<std::size_t>(k)].constants;
    std::optional<Program> c = Canonicalize(fitted, library);
    if (!c || (!rewrites.empty() && c->tokens != rewrites.front().tokens)) return std::nullopt;
    if (!RewriteAgrees(fitted, *c, library, data.members[static_cast<std::size_t>(k)])) {
      return std::nullopt;
    }
    rewrites.push_back(std::move(*c));
  }
  if (rewrites.empty() || !KeepsRoles(program, rewrites, library, roles)) return std::nullopt;
  Program canonical = std::move(rewrites.front());
  ClassFitResult refit = FitClassConstants(canonical, library, roles, data, options);
  const SimplifyOptions accept;
  if (!refit.finite || ClassLoss(refit) > accept.AcceptLimit(ClassLoss(fit)) ||
      refit.worst_nrmse > accept.AcceptLimit(fit.worst_nrmse) ||
      !StableOnEvery(canonical, refit, library, data)) {
    return std::nullopt;
  }
  canonical.constants = refit.datasets.front().constants;
  return std::make_pair(std::move(canonical), std::move(refit));
}

std::optional<std::pair<Program, ClassFitResult>> SimplifyClassFit(
    const Program& program, const ClassFitResult& fit, const Library& library,
    const ClassConstantRoles& roles, const ClassDataset& data, const ClassFitOptions& options) {
  if (!fit.finite) return std::nullopt;
  const double sum_weights = SumWeights(data);
  ClassFitOptions quick = options;
  quick.fit.compute_uncertainties = false;
  const SimplifyRefit refit = [&](const Program& next) {
    return Summary(FitClassConstants(next, library, roles, data, quick), sum_weights);
  };
  Program start = program;
  start.constants = fit.datasets.front().constants;
  const Simplified simple = SimplifyProgram(start, Summary(fit, sum_weights), library,
                                            data.members.front(), SimplifyOptions{}, refit);
  if (simple.changes == 0) return std::nullopt;
  ClassFitResult full = FitClassConstants(simple.program, library, roles, data, options);
  const SimplifyOptions accept;
  if (!full.finite || ClassLoss(full) > accept.AcceptLimit(ClassLoss(fit)) ||
      full.worst_nrmse > accept.AcceptLimit(fit.worst_nrmse) ||
      !StableOnEvery(simple.program, full, library, data)) {
    return std::nullopt;
  }
  Program out = simple.program;
  out.constants = full.datasets.front().constants;
  return std::make_pair(std::move(out), std::move(full));
}

std::vector<FitResult> SearchEngine::FitClass(std::span<const Program> programs) {
  ClassFitOptions options;
  options.fit = config_.fitting.fit;
  options.fit.seed = config_.seed;
  options.fit.compute_uncertainties = false;
  std::vector<ClassFitResult> fits =
      FitClassBatch(programs, library_, class_->roles, class_->train, options);
  profile_.fitted += static_cast<std::int64_t>(programs.size());
  const double sum_weights = SumWeights(class_->train);
  std::vector<FitResult> out;
  out.reserve(fits.size());
  for (const ClassFitResult& fit : fits) out.push_back(Summary(fit, sum_weights));
  return out;
}

void SearchEngine::FinaliseClass(const Library& library, SearchResult& result) const {
  ClassFitOptions options;
  options.fit = config_.fitting.fit;
  options.fit.seed = config_.seed;
  options.fit.compute_uncertainties = true;
  options.fit.solver.max_iterations = std::max(100, options.fit.solver.max_iterations);
  const ClassDataset& data = *class_->data;
  const double sum_weights = SumWeights(data);
  ParetoFront front;
  std::vector<std::pair<Program, ClassFitResult>> fits;
  for (const FrontEntry& e : state_.front.entries()) {
    ClassFitResult fit = FitClassConstants(e.program, library, class_->roles, data, options);
    if (!fit.finite || !StableOnEvery(e.program, fit, library, data)) continue;
    FrontEntry entry = e;
    entry.program.constants = fit.datasets.front().constants;
    entry.loss = std::max(ClassLoss(fit), exact_nrmse_);
    if (front.Offer(entry)) fits.emplace_back(entry.program, std::move(fit));
  }
  // Their simplest forms, then the forms a physicist writes, refitted over the class.
  SimplifyClassFront(front, fits, library, class_->roles, data, options, exact_nrmse_);
  if (config_.canonical) {
    CanonicalizeClassFront(front, fits, library, class_->roles, data, options, exact_nrmse_);
  }
  for (const FrontEntry& e : front.entries()) {
    result.pareto.push_back(MakeFormula(e.program, library, Summary(FitOf(fits, e), sum_weights)));
    class_->pareto.push_back(FormulaFit(FitOf(fits, e)));
  }
  if (const FrontEntry* best = front.Best(exact_nrmse_, EffectiveRows(data_), library)) {
    result.best = MakeFormula(best->program, library, Summary(FitOf(fits, *best), sum_weights));
    class_->best = FormulaFit(FitOf(fits, *best));
  }
}

ClassSearchResult RunClassSearch(const ClassDataset& data, const ClassSearchConfig& config,
                                 const SearchCallbacks& callbacks) {
  CheckClassOptions(config);
  PHYSR_CHECK(data.size() >= 1, "a class has at least one dataset");
  const Dataset pooled = PoolClass(data);
  SearchConfig search = config.search;
  for (const FreeConstantSpec& spec : config.specific_constants) {
    search.library.free_constants.push_back(spec);
  }
  // The engine builds the same library; its slots give the roles.
  const Library library = BuildSearchLibrary(pooled, search.library);
  ClassScoring scoring;
  scoring.data = &data;
  scoring.roles.specific.assign(static_cast<std::size_t>(library.num_free_constants()), false);
  for (const FreeConstantSpec& spec : config.specific_constants) {
    const Token& token = library[*library.FindTerminal(spec.name)];
    scoring.roles.specific[static_cast<std::size_t>(token.index)] = true;
  }
  const Eigen::Index per_dataset =
      config.max_rows > 0 ? std::max<Eigen::Index>(1, config.max_rows / data.size()) : 0;
  std::vector<Dataset> train;
  for (const Dataset& member : data.members) {
    train.push_back(SearchRows(member, per_dataset, search.seed));
  }
  scoring.train = MakeClassDataset(std::move(train), data.names);

  ClassSearchResult out;
  out.result = SearchEngine(pooled, search, callbacks, &scoring).Run();
  out.dataset_names = data.names;
  out.pareto = std::move(scoring.pareto);
  out.best = std::move(scoring.best);
  out.roles = std::move(scoring.roles);
  out.search_rows = config.max_rows;
  return out;
}

}  // namespace physr
