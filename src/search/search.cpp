#include "physr/search/search.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <iterator>
#include <numeric>
#include <sstream>
#include <string_view>
#include <unordered_set>

#include <tbb/global_control.h>
#include <tbb/info.h>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/fit/batch_fitter.hpp"
#include "physr/fit/constant_fitter.hpp"
#include "physr/policy/adam.hpp"
#include "physr/policy/episode_buffer.hpp"
#include "physr/policy/lstm_policy.hpp"
#include "physr/priors/dimension_lattice.hpp"
#include "physr/priors/observation.hpp"
#include "physr/priors/partial_batch.hpp"
#include "physr/priors/default_priors.hpp"
#include "physr/search/checkpoint.hpp"
#include "physr/search/evolution.hpp"
#include "physr/search/pareto_front.hpp"
#include "physr/search/sampler.hpp"
#include "physr/search/simplify.hpp"

namespace physr {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Rows the search trains on: all of them, or a seeded subset when there are many.
Dataset SearchRows(const Dataset& data, Eigen::Index max_rows, std::uint64_t seed) {
  if (max_rows <= 0 || data.rows() <= max_rows) return data;
  Rng rng(seed, 0x5EA4C4);
  // Partial Fisher–Yates over row indices, then sorted so the subset keeps file order.
  std::vector<Eigen::Index> index(static_cast<std::size_t>(data.rows()));
  std::iota(index.begin(), index.end(), Eigen::Index{0});
  for (Eigen::Index i = 0; i < max_rows; ++i) {
    const auto j = i + static_cast<Eigen::Index>(rng.Below(static_cast<std::uint64_t>(data.rows() - i)));
    std::swap(index[static_cast<std::size_t>(i)], index[static_cast<std::size_t>(j)]);
  }
  index.resize(static_cast<std::size_t>(max_rows));
  std::sort(index.begin(), index.end());
  Dataset subset;
  subset.names = data.names;
  subset.dimensions = data.dimensions;
  subset.target_name = data.target_name;
  subset.target_dimension = data.target_dimension;
  subset.X.resize(max_rows, data.X.cols());
  subset.y.resize(max_rows);
  if (data.weights.size() > 0) subset.weights.resize(max_rows);
  for (Eigen::Index r = 0; r < max_rows; ++r) {
    const Eigen::Index src = index[static_cast<std::size_t>(r)];
    subset.X.row(r) = data.X.row(src);
    subset.y(r) = data.y(src);
    if (data.weights.size() > 0) subset.weights(r) = data.weights(src);
  }
  return subset;
}

// The goodness of fit is relative to the target's spread Σ(y − ȳ)²; where that overflows or
// underflows a double, no formula could be ranked, so say so instead of returning nothing.
void CheckTargetScale(const Dataset& data) {
  const double mean = data.y.mean();
  const double spread = (data.y.array() - mean).square().sum();
  const bool varies = (data.y.array() != data.y(0)).any();
  if (std::isfinite(spread) && (spread > 0.0 || !varies)) return;
  std::ostringstream message;
  message << "the target '" << data.target_name << "' (largest |value| "
          << data.y.cwiseAbs().maxCoeff() << ") is out of range for double-precision fit "
          << "statistics: its spread " << (std::isfinite(spread) ? "underflows to 0" : "overflows")
          << "; rescale the target column (e.g. by a power of ten)";
  throw InputError(message.str());
}

// Random stream of epoch e's evolution: Rng(seed, kEvolutionStream + e).
constexpr std::uint64_t kEvolutionStream = std::uint64_t{1} << 32;

// Sorts (reward, program) pairs best first (ties keep their order), drops repeated programs
// and keeps at most `limit`; returns the count kept.
std::size_t KeepBestDistinct(std::vector<std::pair<double, Program>>& scored,
                             std::size_t limit = std::numeric_limits<std::size_t>::max()) {
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::unordered_set<std::uint64_t> seen;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < scored.size() && kept < limit; ++i) {
    if (!seen.insert(HashTokens(scored[i].second.tokens)).second) continue;
    if (kept != i) scored[kept] = std::move(scored[i]);
    ++kept;
  }
  scored.resize(kept);
  return kept;
}

// 1/(1 + NRMSE); every exact formula (NRMSE ≤ perfect) gets the full reward 1, so exact
// formulas differing only by round-off do not rank against each other.
double RewardOf(double nrmse, double perfect_nrmse) {
  return nrmse <= perfect_nrmse ? 1.0 : 1.0 / (1.0 + nrmse);
}

double Reward(const FitResult& fit, double perfect_nrmse) {
  if (!fit.finite || !std::isfinite(fit.nrmse)) return 0.0;
  return RewardOf(fit.nrmse, perfect_nrmse);
}

// The loss a front entry carries. Exact formulas tie at perfect_nrmse, so among them the
// simplest wins, not round-off.
double FrontLoss(double nrmse, double perfect_nrmse) { return std::max(nrmse, perfect_nrmse); }

// How many rows the weighted losses are worth for model selection: (Σw)²/Σw², which is the row
// count when all weights are equal. Computed on w / max(w), which neither overflows nor
// underflows to 0.
double EffectiveRows(const Dataset& data) {
  const double largest = data.weights.size() > 0 ? data.weights.maxCoeff() : 0.0;
  if (!(largest > 0.0) || !std::isfinite(largest)) return static_cast<double>(data.rows());
  const Eigen::VectorXd w = data.weights / largest;
  return w.sum() * w.sum() / w.squaredNorm();
}

// The (1 − ε) quantile of the rewards, linear interpolation between order statistics.
double RiskQuantile(std::vector<double> rewards, double epsilon) {
  PHYSR_CHECK(!rewards.empty(), "quantile of an empty batch");
  std::sort(rewards.begin(), rewards.end());
  const double pos = (1.0 - epsilon) * static_cast<double>(rewards.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, rewards.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return rewards[lo] + frac * (rewards[hi] - rewards[lo]);
}

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

std::string UniqueName(const std::string& base, const Library& library,
                       const std::vector<std::string>& reserved) {
  for (int i = 0;; ++i) {
    std::string name = i == 0 ? base : base + "_" + std::to_string(i);
    if (!library.Find(name) && std::find(reserved.begin(), reserved.end(), name) == reserved.end()) {
      return name;
    }
  }
}

}  // namespace

const std::vector<std::string>& DefaultOperators() {
  static const std::vector<std::string> ops = {"add", "sub", "mul", "div", "neg", "inv",
                                               "n2",  "sqrt", "exp", "log", "sin", "cos"};
  return ops;
}

void SearchConfig::Validate() const {
  auto fail = [](const std::string& what) { throw InputError("invalid option: " + what); };
  if (operators.empty()) fail("--ops needs at least one operator");
  if (min_length < 1) fail("min length must be ≥ 1");
  if (max_length < min_length) fail("max length must be ≥ min length");
  if (max_length > 200) fail("max length must be ≤ 200");
  if (batch_size < 2) fail("batch size must be ≥ 2");
  if (!(risk_epsilon > 0.0 && risk_epsilon <= 1.0)) fail("risk epsilon must be in (0, 1]");
  if (hidden_size < 1) fail("hidden size must be ≥ 1");
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) fail("learning rate must be > 0");
  if (!(entropy_weight >= 0.0)) fail("entropy weight must be ≥ 0");
  if (!(entropy_gamma > 0.0 && entropy_gamma <= 1.0)) fail("entropy gamma must be in (0, 1]");
  if (fit_iterations < 0) fail("fit iterations must be ≥ 0");
  if (fit_restarts < 0) fail("fit restarts must be ≥ 0");
  if (max_epochs < 0) fail("epochs must be ≥ 0");
  if (!(time_limit_seconds >= 0.0)) fail("time limit must be ≥ 0");
  if (max_evaluations < 0) fail("max evaluations must be ≥ 0");
  if (perfect_nrmse && !(*perfect_nrmse >= 0.0)) fail("perfect-fit threshold must be ≥ 0");
  if (threads < 0) fail("threads must be ≥ 0");
  if (perfect_patience < 0) fail("perfect-fit patience must be ≥ 0");
  if (!(completion_length_weight >= 0.0)) fail("completion length weight must be ≥ 0");
  if (evolution_offspring < 0) fail("evolution offspring must be ≥ 0");
  if (evolution_generations < 1) fail("evolution generations must be ≥ 1");
  if (checkpoint_every < 0) fail("checkpoint interval must be ≥ 0 epochs");
  if (!(checkpoint_seconds >= 0.0)) fail("checkpoint interval must be ≥ 0 seconds");
}

namespace {

// The standard deviation of `values`, scaled by the largest deviation so that it neither
// underflows nor overflows; 0 for constant or empty values, NaN for non-finite ones.
double Spread(const Eigen::VectorXd& values) {
  if (values.size() == 0) return 0.0;
  const Eigen::ArrayXd deviation = values.array() - values.mean();
  const double largest = deviation.abs().maxCoeff();
  if (!std::isfinite(largest)) return std::numeric_limits<double>::quiet_NaN();
  if (largest == 0.0) return 0.0;
  return largest *
         std::sqrt((deviation / largest).square().sum() / static_cast<double>(values.size()));
}

}  // namespace

bool NumericallyStable(const Program& program, const Library& library, const Dataset& data) {
  constexpr double kTolerance = 1e-6;
  constexpr Eigen::Index kMaxRows = 10000;  // evenly spaced rows beyond this
  const Eigen::Index n = data.rows();
  if (n == 0) return true;
  const CompiledProgram compiled = Compile(program, library);
  const double spread = Spread(data.y);
  const double scale = spread > 0.0 && std::isfinite(spread)
                           ? spread
                           : std::max(data.y.cwiseAbs().maxCoeff(), 1e-300);
  const Eigen::Index step = (n + kMaxRows - 1) / kMaxRows;
  std::vector<double> row(static_cast<std::size_t>(data.num_variables()));
  double sum_squares = 0.0;
  Eigen::Index checked = 0;
  for (Eigen::Index i = 0; i < n; i += step) {
    for (Eigen::Index j = 0; j < data.X.cols(); ++j) {
      row[static_cast<std::size_t>(j)] = data.X(i, j);
    }
    const double value = EvaluateScalar(compiled, row, program.constants);
    const long double extended = EvaluateScalarExtended(compiled, row, program.constants);
    if (!std::isfinite(value) || !std::isfinite(extended)) return false;
    const double change = static_cast<double>((extended - value) / scale);
    sum_squares += change * change;
    ++checked;
  }
  return std::sqrt(sum_squares / static_cast<double>(checked)) <= kTolerance;
}

double ExactThreshold(const Dataset& data) {
  constexpr double kLowest = 1e-9;
  constexpr double kHighest = 1e-6;
  const Eigen::Index n = data.y.size();
  const double spread = Spread(data.y);
  if (!(spread > 0.0) || !std::isfinite(spread)) return kHighest;
  // Each value's rounding step from its shortest round-trip decimal form d.ddd…e±X: half a
  // unit in its last digit. Its rounding error is uniform within ± that, rms step/√3.
  double sum_squares = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double v = data.y[i];
    if (v == 0.0 || !std::isfinite(v)) continue;
    char text[64];
    const std::to_chars_result written =
        std::to_chars(std::begin(text), std::end(text), v, std::chars_format::scientific);
    const std::string_view s(text, static_cast<std::size_t>(written.ptr - text));
    const std::size_t e = s.find('e');
    int digits = 0;
    for (std::size_t k = 0; k < e; ++k) {
      digits += std::isdigit(static_cast<unsigned char>(s[k])) != 0 ? 1 : 0;
    }
    int exponent = 0;
    std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exponent);
    // Relative to the spread before squaring, so that tiny or huge values neither underflow
    // nor overflow.
    const double half_step = 0.5 * std::pow(10.0, exponent - (digits - 1)) / spread;
    sum_squares += half_step * half_step / 3.0;
  }
  const double floor = std::sqrt(sum_squares / static_cast<double>(n));
  return std::clamp(100.0 * floor, kLowest, kHighest);
}

Library BuildSearchLibrary(const Dataset& data, const SearchConfig& config) {
  Library library;
  for (const std::string& name : config.operators) {
    const std::optional<OpCode> op = OperatorByName(name);
    if (!op) throw InputError("unknown operator '" + name + "' in --ops");
    library.AddOperator(*op);
  }
  for (int i = 0; i < data.num_variables(); ++i) {
    library.AddVariable(data.names[static_cast<std::size_t>(i)],
                        data.dimensions[static_cast<std::size_t>(i)]);
  }
  bool has_one = false;
  for (const FixedConstantSpec& c : config.fixed_constants) {
    library.AddFixedConstant(c.name, c.value, c.dimension);
    if (c.name == "1") has_one = true;
  }
  if (!has_one && !library.Find("1")) library.AddFixedConstant("1", 1.0, Dimension());
  std::vector<std::string> reserved;
  for (const FreeConstantSpec& c : config.free_constants) reserved.push_back(c.name);
  if (config.default_free_constants) {
    for (const char* base : {"k0", "k1"}) {
      const std::string name = UniqueName(base, library, reserved);
      library.AddFreeConstant(name, Dimension(), 1.0);
    }
  }
  for (const FreeConstantSpec& c : config.free_constants) {
    library.AddFreeConstant(c.name, c.dimension, c.initial_value);
  }
  return library;
}

SearchResult RunSearch(const Dataset& data, const SearchConfig& config,
                       const SearchCallbacks& callbacks) {
  config.Validate();
  if (data.rows() == 0) throw InputError("the dataset has no rows");
  if (data.num_variables() == 0) throw InputError("the dataset has no input columns");
  if (!data.X.allFinite() || !data.y.allFinite()) {
    throw InputError("the dataset holds non-finite values");
  }
  CheckTargetScale(data);
  const Clock::time_point start = Clock::now();
  const int threads =
      config.threads > 0 ? config.threads : std::max(1, tbb::info::default_concurrency());
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));

  SearchResult result;
  result.seed = config.seed;
  result.library = BuildSearchLibrary(data, config);
  const double perfect_nrmse =
      config.perfect_nrmse ? *config.perfect_nrmse : ExactThreshold(data);
  result.exact_nrmse = perfect_nrmse;
  const Library& library = result.library;

  DimensionLatticeOptions lattice_options;
  lattice_options.max_length = config.max_length;
  const DimensionLattice lattice(
      library, config.units_prior ? std::optional<Dimension>(data.target_dimension) : std::nullopt,
      lattice_options);
  PriorOptions prior_options;
  prior_options.min_length = config.min_length;
  prior_options.max_length = config.max_length;
  prior_options.soft_length_loc = config.soft_length_loc;
  prior_options.soft_length_variance = config.soft_length_variance;
  prior_options.completion_length_weight = config.completion_length_weight;
  prior_options.units = config.units_prior;
  const PriorSet priors = MakeDefaultPriors(lattice, prior_options);
  const ObservationEncoder encoder(lattice);

  LstmPolicyOptions policy_options;
  policy_options.input_size = encoder.feature_size();
  policy_options.num_tokens = static_cast<int>(library.size());
  policy_options.hidden_size = config.hidden_size;
  policy_options.seed = config.seed;
  LstmPolicy policy(policy_options);
  AdamOptions adam_options;
  adam_options.learning_rate = static_cast<float>(config.learning_rate);
  AdamOptimizer adam(policy.parameters(), adam_options);

  const Dataset train = SearchRows(data, config.max_search_rows, config.seed);
  BatchFitOptions fit_options;
  fit_options.fit.solver.max_iterations = config.fit_iterations;
  fit_options.fit.restarts = config.fit_restarts;
  fit_options.fit.seed = config.seed;
  fit_options.fit.compute_uncertainties = false;
  fit_options.cache_capacity = config.cache_capacity;
  BatchFitter fitter(library, fit_options);

  SimplifyOptions simplify_options;
  simplify_options.accept_nrmse = perfect_nrmse;
  simplify_options.fit = fit_options.fit;
  Sampler sampler(lattice, priors, encoder, config.batch_size, config.max_length);
  BreedOptions breed_options;
  breed_options.min_length = config.min_length;
  breed_options.max_length = config.max_length;
  if (config.units_prior) breed_options.target = data.target_dimension;
  const Breeder breeder(library, breed_options);
  ParetoFront front;
  Rng rng(config.seed, 1);
  LossOptions loss_options;
  loss_options.entropy_weight = config.entropy_weight;
  loss_options.entropy_gamma = config.entropy_gamma;
  LstmParameters<float> gradient;

  std::unordered_set<std::uint64_t> offered;  // token hashes already offered to the front
  double best_nrmse = std::numeric_limits<double>::infinity();
  int first_perfect_epoch = 0;  // 0 until an exact formula is found
  Checkpointer checkpointer(config, SearchFingerprint(data, library, config));
  const SearchStateRefs state{&policy, &adam, &rng, &front, &result, &best_nrmse,
                              &first_perfect_epoch};
  const int resumed_epochs = checkpointer.Resume(state);
  result.stop_reason = "epochs";
  for (int epoch = resumed_epochs + 1;; ++epoch) {
    const SampleBatch& batch = sampler.Sample(policy, rng);
    result.sampled += batch.sampled;
    result.dead_ends += batch.dead_ends;

    // Drop the (never expected) dimensionally invalid programs before they reach the fitter.
    std::vector<Program> programs;
    std::vector<int> episode_of;
    programs.reserve(batch.programs.size());
    for (std::size_t i = 0; i < batch.programs.size(); ++i) {
      if (config.units_prior &&
          !CheckUnits(batch.programs[i], library, data.target_dimension).ok) {
        ++result.invalid;
        continue;
      }
      programs.push_back(batch.programs[i]);
      episode_of.push_back(batch.episode[i]);
    }
    const std::vector<FitResult> fits = fitter.FitAll(programs, train);
    result.evaluations += static_cast<std::int64_t>(programs.size());

    // Offers a scored program to the front, once per distinct program (its fit is
    // deterministic); an exact formula is often found in a bloated form, so its simplest form
    // is offered too.
    const auto consider = [&](const Program& program, const FitResult& fit) {
      if (!fit.finite) return;
      best_nrmse = std::min(best_nrmse, fit.nrmse);
      // The set is bounded: past the cap it restarts, costing only repeated offers.
      if (offered.size() >= (std::size_t{1} << 22)) offered.clear();
      if (!offered.insert(HashTokens(program.tokens)).second) return;
      FrontEntry entry;
      entry.program = program;
      entry.program.constants = fit.constants;
      entry.complexity = Complexity(program.tokens, library);
      // The final pass refits and reports the real losses.
      entry.loss = FrontLoss(fit.nrmse, perfect_nrmse);
      entry.epoch = static_cast<std::uint64_t>(epoch);
      const bool exact = fit.nrmse <= perfect_nrmse;
      const bool kept = front.Offer(entry);
      if (exact && kept) {
        const Simplified simple =
            SimplifyProgram(entry.program, fit, library, train, simplify_options);
        if (simple.changes > 0) {
          offered.insert(HashTokens(simple.program.tokens));
          entry.program = simple.program;
          entry.complexity = Complexity(simple.program.tokens, library);
          entry.loss = FrontLoss(simple.fit.nrmse, perfect_nrmse);
          front.Offer(std::move(entry));
        }
      }
    };

    std::vector<double> rewards(programs.size());
    for (std::size_t i = 0; i < programs.size(); ++i) {
      rewards[i] = Reward(fits[i], perfect_nrmse);
      consider(programs[i], fits[i]);
    }

    // Risk-seeking policy gradient on the top ε of the batch.
    std::vector<std::pair<double, Program>> parents;  // the elite, for evolution
    if (!programs.empty()) {
      const double r_eps = RiskQuantile(rewards, config.risk_epsilon);
      std::vector<int> elite;
      std::vector<float> advantages;
      for (std::size_t i = 0; i < programs.size(); ++i) {
        if (rewards[i] >= r_eps) {
          elite.push_back(episode_of[i]);
          advantages.push_back(static_cast<float>(rewards[i] - r_eps));
          parents.emplace_back(rewards[i], programs[i]);
        }
      }
      // When the quantile is the best reward (e.g. once exact formulas fill the top ε) no
      // program has an advantage; the entropy bonus alone would then only spread the policy
      // out, towards long programs, so the step is skipped.
      const bool signal =
          std::any_of(advantages.begin(), advantages.end(), [](float a) { return a > 0.0f; });
      if (signal) {
        policy.ComputeGradient(sampler.episodes(), elite, advantages, loss_options, &gradient);
        adam.Step(policy.mutable_parameters(), gradient);
      }
    }

    // Evolution from the elite and the front. Its random stream depends only on the seed and
    // the epoch, so a resumed run breeds as an uninterrupted one.
    if (config.evolution_offspring > 0) {
      for (const FrontEntry& e : front.entries()) {
        Program p;
        p.tokens = e.program.tokens;
        parents.emplace_back(RewardOf(e.loss, perfect_nrmse), std::move(p));
      }
      Rng breed_rng(config.seed, kEvolutionStream + static_cast<std::uint64_t>(epoch));
      // Every generation breeds from as many parents as the first: the best distinct ones.
      const std::size_t keep = KeepBestDistinct(parents);
      for (int generation = 0; generation < config.evolution_generations; ++generation) {
        std::vector<Program> pool;
        pool.reserve(parents.size());
        for (const auto& parent : parents) pool.push_back(parent.second);
        std::vector<Program> children =
            breeder.Breed(pool, config.evolution_offspring, breed_rng);
        if (children.empty()) break;
        const std::vector<FitResult> child_fits = fitter.FitAll(children, train);
        result.evaluations += static_cast<std::int64_t>(children.size());
        result.bred += static_cast<std::int64_t>(children.size());
        for (std::size_t i = 0; i < children.size(); ++i) {
          consider(children[i], child_fits[i]);
          parents.emplace_back(Reward(child_fits[i], perfect_nrmse), std::move(children[i]));
        }
        KeepBestDistinct(parents, keep);
      }
    }

    result.epochs = epoch;
    const double seconds = checkpointer.seconds_before() + SecondsSince(start);
    if (first_perfect_epoch == 0 && best_nrmse <= perfect_nrmse) {
      first_perfect_epoch = epoch;
      result.first_exact_seconds = seconds;
    }
    result.first_exact_epoch = first_perfect_epoch;
    EpochReport report;
    report.epoch = epoch;
    report.evaluations = result.evaluations;
    report.seconds = seconds;
    report.candidates_per_second =
        seconds > 0.0 ? static_cast<double>(result.evaluations) / seconds : 0.0;
    report.valid_share = batch.sampled > 0 ? static_cast<double>(programs.size()) /
                                                 static_cast<double>(batch.sampled)
                                           : 0.0;
    report.best_nrmse = best_nrmse;
    report.best_reward = std::isfinite(best_nrmse) ? 1.0 / (1.0 + best_nrmse) : 0.0;
    if (const FrontEntry* best = front.MostAccurate()) {
      PrintOptions values;
      values.substitute_constants = true;
      values.precision = 6;
      report.best_infix = ToInfix(best->program, library, values);
    }
    bool stop = false;
    if (callbacks.on_epoch && !callbacks.on_epoch(report)) {
      result.stop_reason = "interrupted";
      stop = true;
    } else if (best_nrmse <= perfect_nrmse &&
               epoch >= (first_perfect_epoch == 0 ? epoch : first_perfect_epoch) +
                            config.perfect_patience) {
      result.stop_reason = "perfect fit";
      stop = true;
    } else if (callbacks.stop_requested != nullptr && callbacks.stop_requested->load()) {
      result.stop_reason = "interrupted";
      stop = true;
    } else if (config.max_epochs > 0 && epoch >= config.max_epochs) {
      result.stop_reason = "epochs";
      stop = true;
    } else if (config.max_evaluations > 0 && result.evaluations >= config.max_evaluations) {
      result.stop_reason = "evaluations";
      stop = true;
    } else if (config.time_limit_seconds > 0.0 && seconds >= config.time_limit_seconds) {
      result.stop_reason = "time limit";
      stop = true;
    }
    checkpointer.AfterEpoch(epoch, seconds, stop, state);
    if (stop) break;
  }

  // Refit the front on every row (the search may have used a subset) with uncertainties,
  // then select the model on the refitted losses.
  FitOptions final_options = fit_options.fit;
  final_options.compute_uncertainties = true;
  final_options.solver.max_iterations = std::max(100, config.fit_iterations);
  ParetoFront final_front;
  std::vector<std::pair<Program, FitResult>> refits;
  // Here, unlike during the search, simplification also weighs a change against the noise.
  SimplifyOptions final_simplify = simplify_options;
  final_simplify.rows = EffectiveRows(train);
  const double rows = EffectiveRows(data);
  const auto criterion = [&](const Program& p, double nrmse) {
    return SelectionCriterion(p.tokens, library, nrmse, rows, final_simplify.penalty);
  };
  for (const FrontEntry& e : front.entries()) {
    FitResult fit = FitConstants(e.program, library, data, final_options);
    if (!fit.finite) continue;
    FrontEntry entry;
    entry.program = e.program;
    entry.program.constants = fit.constants;
    // A formula whose fit rests on floating-point rounding is not reported.
    if (!NumericallyStable(entry.program, library, data)) continue;
    entry.complexity = e.complexity;
    entry.loss = FrontLoss(fit.nrmse, perfect_nrmse);
    entry.epoch = e.epoch;
    // Its simplest form that loses nothing the data can tell (judged on the search rows, kept
    // only if the full data agrees), refitted with uncertainties. It joins the front beside
    // the original, or in its place when it is as long (only constants became numbers).
    const FitResult search_fit = train.rows() == data.rows()
                                     ? fit
                                     : FitConstants(entry.program, library, train, fit_options.fit);
    bool replaced = false;
    if (search_fit.finite) {
      const Simplified simple =
          SimplifyProgram(entry.program, search_fit, library, train, final_simplify);
      if (simple.changes > 0) {
        FitResult refit = FitConstants(simple.program, library, data, final_options);
        const double limit = simplify_options.AcceptLimit(fit.nrmse);
        Program fitted = simple.program;
        fitted.constants = refit.constants;
        if (refit.finite &&
            (refit.nrmse <= limit ||
             criterion(simple.program, refit.nrmse) <= criterion(entry.program, fit.nrmse)) &&
            NumericallyStable(fitted, library, data)) {
          FrontEntry simpler = entry;
          simpler.program = std::move(fitted);
          simpler.complexity = Complexity(simple.program.tokens, library);
          simpler.loss = FrontLoss(refit.nrmse, perfect_nrmse);
          replaced = simpler.complexity >= entry.complexity;
          final_front.Offer(simpler);
          refits.emplace_back(simpler.program, std::move(refit));
        }
      }
    }
    if (!replaced) {
      final_front.Offer(entry);
      refits.emplace_back(entry.program, std::move(fit));
    }
  }
  auto fit_of = [&](const FrontEntry& e) -> const FitResult& {
    for (const auto& [program, fit] : refits) {
      if (program.tokens == e.program.tokens) return fit;
    }
    PHYSR_CHECK(false, "front entry without its refit");
  };
  for (const FrontEntry& e : final_front.entries()) {
    result.pareto.push_back(MakeFormula(e.program, library, fit_of(e)));
  }
  if (const FrontEntry* best = final_front.Best(perfect_nrmse, rows, library)) {
    result.best = MakeFormula(best->program, library, fit_of(*best));
  }
  result.seconds = checkpointer.seconds_before() + SecondsSince(start);
  return result;
}

}  // namespace physr
