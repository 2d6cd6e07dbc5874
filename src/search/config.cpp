#include "physr/search/config.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "physr/core/error.hpp"
#include "physr/core/hash.hpp"
#include "physr/expr/definition.hpp"
#include "physr/expr/dimension_hash.hpp"
#include "physr/search/saved_result.hpp"

namespace physr {
namespace {

// Changes whenever what the fingerprint covers changes.
constexpr std::uint64_t kFingerprintVersion = 4;
// Mixed before an option hashed only when set, so that it differs from another such option.
constexpr std::uint64_t kRestartAfterTag = 0x7265737461727431ULL;

// The options that shape a run's course (not its limits, schedules or thread count).
std::uint64_t MixShapingOptions(std::uint64_t h, const SearchConfig& c) {
  const PriorOptions& p = c.priors;
  const TrainingOptions& t = c.training;
  const FitOptions& f = c.fitting.fit;
  h = Mix(h, c.seed);
  for (const int v :
       {p.min_length, p.max_length, p.soft_length ? 1 : 0, p.no_useless_inverse ? 1 : 0,
        p.max_exp_nesting, p.max_log_nesting, p.max_trig_nesting, p.no_redundant_constants ? 1 : 0,
        p.units ? 1 : 0, t.batch_size, t.hidden_size, f.solver.max_iterations, f.restarts,
        c.stopping.perfect_patience.value_or(-1), c.evolution.offspring, c.evolution.generations,
        t.memory, c.search_stability ? 1 : 0}) {
    h = Mix(h, static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
  }
  for (const double v : {p.soft_length_loc, p.soft_length_variance, p.completion_length_weight,
                         t.risk_epsilon, t.learning_rate, t.loss.entropy_weight,
                         t.loss.entropy_gamma, c.stopping.perfect_nrmse.value_or(-1.0)}) {
    h = MixDouble(h, v);
  }
  h = Mix(h, static_cast<std::uint64_t>(c.rows.max_rows));
  h = Mix(h, static_cast<std::uint64_t>(c.rows.race_rows));
  h = MixDouble(h, c.rows.race_advance);
  if (c.training.restart_after > 0) {  // earlier runs' fingerprints still hold
    h = Mix(Mix(h, kRestartAfterTag), static_cast<std::uint64_t>(c.training.restart_after));
  }
  if (c.rows.race_iterations > 0) {  // earlier runs' fingerprints still hold
    h = Mix(h, static_cast<std::uint64_t>(c.rows.race_iterations));
  }
  if (c.enumerate.mode != EnumerateMode::kOff) {  // earlier runs' fingerprints still hold
    const EnumerateOptions& e = c.enumerate;
    for (const std::int64_t v :
         {static_cast<std::int64_t>(e.mode), std::int64_t{e.max_length},
          std::int64_t{e.max_free_constants}, e.max_candidates, e.max_stored,
          std::int64_t{e.probe_rows}, std::int64_t{e.screen_rows}, std::int64_t{e.keep}}) {
      h = Mix(h, static_cast<std::uint64_t>(v));
    }
  }
  return Mix(h, static_cast<std::uint64_t>(c.fitting.cache_capacity > 0 ? 1 : 0));
}

std::string UniqueName(const std::string& base, const std::vector<std::string>& taken) {
  for (int i = 0;; ++i) {
    std::string name = i == 0 ? base : base + "_" + std::to_string(i);
    if (std::find(taken.begin(), taken.end(), name) == taken.end()) return name;
  }
}

}  // namespace

const std::vector<std::string>& DefaultOperators() {
  static const std::vector<std::string> ops = {"add", "sub",  "mul", "div", "neg", "inv",
                                               "n2",  "sqrt", "exp", "log", "sin", "cos"};
  return ops;
}

namespace {

// The names of GroupsMode, FeaturesMode and SymmetryMode, indexed by the enumerators (kOff, kOn,
// kAuto).
constexpr std::array<std::string_view, 3> kModeNames = {"off", "on", "auto"};

template <class Mode>
Mode ParseMode(std::string_view text, const std::string& what) {
  for (std::size_t k = 0; k < kModeNames.size(); ++k) {
    if (text == kModeNames[k]) return static_cast<Mode>(k);
  }
  throw InputError(what + ": expected off, on or auto, not '" + std::string(text) + "'");
}

}  // namespace

std::string_view ToString(GroupsMode mode) { return kModeNames.at(static_cast<std::size_t>(mode)); }

GroupsMode ParseGroupsMode(std::string_view text) { return ParseMode<GroupsMode>(text, "groups"); }

std::string_view ToString(FeaturesMode mode) {
  return kModeNames.at(static_cast<std::size_t>(mode));
}

FeaturesMode ParseFeaturesMode(std::string_view text) {
  return ParseMode<FeaturesMode>(text, "features");
}

std::string_view ToString(SymmetryMode mode) {
  return kModeNames.at(static_cast<std::size_t>(mode));
}

SymmetryMode ParseSymmetryMode(std::string_view text) {
  return ParseMode<SymmetryMode>(text, "symmetry");
}

void SearchConfig::Validate() const {
  auto fail = [](const std::string& what) { throw InputError("invalid option: " + what); };
  const PriorOptions& p = priors;
  const TrainingOptions& t = training;
  const StoppingOptions& s = stopping;
  if (library.operators.empty()) fail("--ops needs at least one operator");
  // Operator names, definitions and complexities, checked as the library will take them.
  LibrarySpec spec;
  spec.operators = library.operators;
  spec.definitions = library.definitions;
  spec.complexity = library.complexity;
  (void)Library::Build(spec);
  if (p.min_length < 1) fail("min length must be ≥ 1");
  if (p.max_length < p.min_length) fail("max length must be ≥ min length");
  if (p.max_length > 200) fail("max length must be ≤ 200");
  if (screen < kScreenAuto) fail("screen must be auto, off or a number of columns ≥ 1");
  if (t.batch_size < 2) fail("batch size must be ≥ 2");
  if (!(t.risk_epsilon > 0.0 && t.risk_epsilon <= 1.0)) fail("risk epsilon must be in (0, 1]");
  if (t.hidden_size < 1) fail("hidden size must be ≥ 1");
  if (!(t.learning_rate > 0.0) || !std::isfinite(t.learning_rate)) {
    fail("learning rate must be > 0");
  }
  if (!(t.loss.entropy_weight >= 0.0)) fail("entropy weight must be ≥ 0");
  if (!(t.loss.entropy_gamma > 0.0 && t.loss.entropy_gamma <= 1.0)) {
    fail("entropy gamma must be in (0, 1]");
  }
  if (fitting.fit.solver.max_iterations < 0) fail("fit iterations must be ≥ 0");
  if (fitting.fit.restarts < 0) fail("fit restarts must be ≥ 0");
  if (s.max_epochs < 0) fail("epochs must be ≥ 0");
  if (!(s.time_limit_seconds >= 0.0)) fail("time limit must be ≥ 0");
  if (s.max_evaluations < 0) fail("max evaluations must be ≥ 0");
  if (s.perfect_nrmse && !(*s.perfect_nrmse >= 0.0)) fail("perfect-fit threshold must be ≥ 0");
  if (threads < 0) fail("threads must be ≥ 0");
  if (rows.race_rows < 0) fail("race rows must be ≥ 0");
  if (!(rows.race_advance > 0.0 && rows.race_advance <= 1.0)) {
    fail("race advance must be in (0, 1]");
  }
  if (rows.race_iterations < 0) fail("race iterations must be ≥ 0");
  if (s.perfect_patience && *s.perfect_patience < 0) fail("perfect-fit patience must be ≥ 0");
  if (!(p.completion_length_weight >= 0.0)) fail("completion length weight must be ≥ 0");
  if (t.memory < 0 || t.memory > t.batch_size) fail("memory must be in [0, batch size]");
  if (t.restart_after < 0) fail("restart after must be ≥ 0 epochs");
  if (evolution.offspring < 0) fail("evolution offspring must be ≥ 0");
  if (evolution.generations < 1) fail("evolution generations must be ≥ 1");
  const EnumerateOptions& e = enumerate;
  if (e.max_length < 1 || e.max_length > 30) fail("enumeration length must be in [1, 30]");
  if (e.max_free_constants < 0) fail("enumeration free constants must be ≥ 0");
  if (e.max_candidates < 0 || e.max_stored < 0) fail("enumeration budgets must be ≥ 0");
  if (e.probe_rows < 1 || e.screen_rows < 1 || e.keep < 0) {
    fail("enumeration probe rows, screen rows must be ≥ 1 and kept programs ≥ 0");
  }
  if (checkpoint.every_epochs < 0) fail("checkpoint interval must be ≥ 0 epochs");
  if (!(checkpoint.every_seconds >= 0.0)) fail("checkpoint interval must be ≥ 0 seconds");
}

Library BuildSearchLibrary(const Dataset& data, const LibraryOptions& options) {
  LibrarySpec spec;
  spec.operators = options.operators;
  spec.definitions = options.definitions;
  spec.complexity = options.complexity;
  std::vector<std::string> taken;  // every name so far, and the user's free constants'
  for (int i = 0; i < data.num_variables(); ++i) {
    const auto column = static_cast<std::size_t>(i);
    spec.variables.push_back({data.names[column], data.dimensions[column]});
    taken.push_back(data.names[column]);
  }
  spec.fixed_constants = options.fixed_constants;
  for (const FixedConstantSpec& c : options.fixed_constants) taken.push_back(c.name);
  if (std::find(taken.begin(), taken.end(), "1") == taken.end()) {
    spec.fixed_constants.push_back({"1", 1.0, Dimension()});
    taken.emplace_back("1");
  }
  for (const FreeConstantSpec& c : options.free_constants) taken.push_back(c.name);
  if (options.default_free_constants) {
    for (const char* base : {"C1", "C2"}) {
      std::string name = UniqueName(base, taken);
      taken.push_back(name);
      spec.free_constants.push_back({std::move(name), Dimension(), 1.0});
    }
  }
  spec.free_constants.insert(spec.free_constants.end(), options.free_constants.begin(),
                             options.free_constants.end());
  return Library::Build(spec);
}

std::uint64_t MixData(std::uint64_t h, const Dataset& data) {
  h = Mix(Mix(h, static_cast<std::uint64_t>(data.rows())),
          static_cast<std::uint64_t>(data.num_variables()));
  for (std::size_t i = 0; i < data.names.size(); ++i) {
    h = MixDimension(MixString(h, data.names[i]), data.dimensions[i]);
  }
  h = MixDimension(MixString(h, data.target_name), data.target_dimension);
  for (Eigen::Index i = 0; i < data.X.size(); ++i) h = MixDouble(h, data.X.data()[i]);
  for (Eigen::Index i = 0; i < data.y.size(); ++i) h = MixDouble(h, data.y(i));
  h = Mix(h, static_cast<std::uint64_t>(data.weights.size()));
  for (Eigen::Index i = 0; i < data.weights.size(); ++i) h = MixDouble(h, data.weights(i));
  return h;
}

std::uint64_t SearchFingerprint(const Dataset& data, const Library& library,
                                const SearchConfig& config) {
  std::uint64_t h = MixData(Mix(0x5048595352434b50ULL, kFingerprintVersion), data);
  for (const Token& t : library.tokens()) {
    h = MixDimension(MixString(h, t.name), t.dimension);
    h = MixDouble(Mix(h, static_cast<std::uint64_t>(t.op)), t.value);
    // Only what differs from a plain library, so that earlier runs' fingerprints still hold.
    if (t.complexity != 1.0) h = MixDouble(h, t.complexity);
  }
  for (const auto& d : library.definitions()) h = MixString(h, d->text);
  return MixShapingOptions(h, config);
}

}  // namespace physr
