#include "physr/search/class_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "class_scoring.hpp"
#include "physr/core/error.hpp"
#include "physr/data/statistics.hpp"
#include "physr/eval/stability.hpp"
#include "physr/search/engine.hpp"
#include "physr/search/pareto_front.hpp"
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

void CheckClassOptions(const ClassSearchConfig& config) {
  if (config.search.groups != GroupsMode::kOff) {
    throw InputError("dimensionless groups are not available for a search over several datasets");
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
    if (!fit.finite) continue;
    // A formula whose fit rests on floating-point rounding on any dataset is not reported.
    bool stable = true;
    for (int k = 0; k < data.size() && stable; ++k) {
      Program fitted = e.program;
      fitted.constants = fit.datasets[static_cast<std::size_t>(k)].constants;
      stable = NumericallyStable(fitted, library, data.members[static_cast<std::size_t>(k)]);
    }
    if (!stable) continue;
    FrontEntry entry = e;
    entry.program.constants = fit.datasets.front().constants;
    entry.loss = std::max(ClassLoss(fit), exact_nrmse_);
    if (front.Offer(entry)) fits.emplace_back(entry.program, std::move(fit));
  }
  const auto fit_of = [&fits](const FrontEntry& e) -> const ClassFitResult& {
    for (const auto& [program, fit] : fits) {
      if (program.tokens == e.program.tokens) return fit;
    }
    PHYSR_CHECK(false, "front entry without its class fit");
  };
  for (const FrontEntry& e : front.entries()) {
    result.pareto.push_back(MakeFormula(e.program, library, Summary(fit_of(e), sum_weights)));
    class_->pareto.push_back(FormulaFit(fit_of(e)));
  }
  if (const FrontEntry* best = front.Best(exact_nrmse_, EffectiveRows(data_), library)) {
    result.best = MakeFormula(best->program, library, Summary(fit_of(*best), sum_weights));
    class_->best = FormulaFit(fit_of(*best));
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
      search.rows.max_rows > 0 ? std::max<Eigen::Index>(1, search.rows.max_rows / data.size()) : 0;
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
  return out;
}

}  // namespace physr
