#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/data/class_dataset.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/printer.hpp"
#include "physr/search/class_search.hpp"
#include "physr/units/unit_parser.hpp"

namespace physr {
namespace {

// y[m] = L_k·exp(−t/τ): τ = 1.5 s for the class, L_k per dataset.
ClassDataset DecayClass(const std::vector<double>& lengths) {
  std::vector<Dataset> members;
  std::vector<std::string> names;
  Rng rng(5, 0);
  for (std::size_t k = 0; k < lengths.size(); ++k) {
    Dataset d;
    d.names = {"t"};
    d.dimensions = {units::ParseUnit("s")};
    d.target_name = "y";
    d.target_dimension = units::ParseUnit("m");
    d.X.resize(30, 1);
    d.y.resize(30);
    for (int i = 0; i < 30; ++i) {
      d.X(i, 0) = rng.Uniform(0.1, 4.0);
      d.y(i) = lengths[k] * std::exp(-d.X(i, 0) / 1.5);
    }
    members.push_back(std::move(d));
    names.push_back("run" + std::to_string(k) + ".csv");
  }
  return MakeClassDataset(std::move(members), std::move(names));
}

ClassSearchConfig DecayConfig(std::uint64_t seed, int epochs) {
  ClassSearchConfig config;
  config.search.training.batch_size = 300;
  config.search.evolution.offspring = 300;
  config.search.stopping.max_epochs = epochs;
  config.search.priors.max_length = 16;
  config.search.seed = seed;
  config.search.library.free_constants.push_back({"tau", units::ParseUnit("s"), 1.0});
  config.specific_constants.push_back({"L", units::ParseUnit("m"), 1.0});
  return config;
}

double Value(const ClassSearchResult& r, const DatasetFit& fit, const std::string& name) {
  const Token& token = r.result.library[*r.result.library.FindTerminal(name)];
  return fit.constants[static_cast<std::size_t>(token.index)];
}

TEST_CASE("A class search finds the shared law with class and specific constants") {
  const std::vector<double> lengths = {0.2, 1.0, 3.0};
  const ClassDataset data = DecayClass(lengths);
  const ClassSearchResult r = RunClassSearch(data, DecayConfig(1, 40));
  REQUIRE(r.result.best.has_value());
  REQUIRE(r.best.has_value());
  INFO(r.result.best->infix);
  CHECK(r.best->worst_nrmse <= 1e-6);
  REQUIRE(r.best->datasets.size() == 3);
  for (std::size_t k = 0; k < lengths.size(); ++k) {
    const DatasetFit& fit = r.best->datasets[k];
    CHECK(Value(r, fit, "L") == doctest::Approx(lengths[k]).epsilon(1e-6));
    CHECK(Value(r, fit, "tau") == doctest::Approx(1.5).epsilon(1e-6));
    CHECK(std::isfinite(fit.standard_errors[static_cast<std::size_t>(
        r.result.library[*r.result.library.FindTerminal("L")].index)]));
  }
  REQUIRE(r.pareto.size() == r.result.pareto.size());
  CHECK(r.dataset_names == data.names);
  CHECK(r.roles.IsSpecific(r.result.library[*r.result.library.FindTerminal("L")].index));
  CHECK_FALSE(r.roles.IsSpecific(r.result.library[*r.result.library.FindTerminal("tau")].index));
}

TEST_CASE("A class search writes its laws in canonical form, each dataset's constants kept") {
  const std::vector<double> lengths = {0.2, 1.0, 3.0};
  const ClassDataset data = DecayClass(lengths);
  ClassSearchConfig as_found = DecayConfig(1, 40);
  as_found.search.canonical = false;
  const ClassSearchResult before = RunClassSearch(data, as_found);
  const ClassSearchResult after = RunClassSearch(data, DecayConfig(1, 40));
  REQUIRE(before.best.has_value());
  REQUIRE(after.best.has_value());
  // The search writes 1/exp(t/tau)*L; its canonical form has one division.
  INFO(before.result.best->infix);
  CHECK(after.result.best->infix == "L/exp(t/tau)");
  CHECK(after.result.best->complexity <= before.result.best->complexity);
  CHECK(after.best->worst_nrmse <= 1e-6);
  for (std::size_t k = 0; k < lengths.size(); ++k) {
    const DatasetFit& fit = after.best->datasets[k];
    CHECK(Value(after, fit, "L") ==
          doctest::Approx(Value(before, before.best->datasets[k], "L")).epsilon(1e-9));
    CHECK(Value(after, fit, "L") == doctest::Approx(lengths[k]).epsilon(1e-9));
    CHECK(Value(after, fit, "tau") == doctest::Approx(1.5).epsilon(1e-9));
  }
  // Every reported formula is no longer than the search's form of the same fit.
  REQUIRE(after.pareto.size() == after.result.pareto.size());
  for (const Formula& f : after.result.pareto) CHECK(f.infix.find("1/exp") == std::string::npos);
}

// The library of a class search over DecayClass, with the class constants `tau` [s] and
// `A` [m], the specific constants `L` [m] and `s` (dimensionless), and C1 (dimensionless).
struct DecayLibrary {
  Library library;
  ClassConstantRoles roles;
};

DecayLibrary MakeDecayLibrary() {
  LibrarySpec spec;
  spec.operators = {"add", "sub", "mul", "div", "neg", "exp"};
  spec.variables = {{"t", units::ParseUnit("s")}};
  spec.fixed_constants = {{"1", 1.0, Dimension()}};
  spec.free_constants = {{"C1", Dimension(), 1.0},
                         {"tau", units::ParseUnit("s"), 1.0},
                         {"A", units::ParseUnit("m"), 1.0},
                         {"L", units::ParseUnit("m"), 1.0},
                         {"s", Dimension(), 1.0}};
  DecayLibrary out{Library::Build(spec), {}};
  out.roles.specific = {false, false, false, true, true};
  return out;
}

TEST_CASE("CanonicalClassFit merges constants only where the class keeps its roles") {
  const std::vector<double> lengths = {0.5, 2.0};
  const ClassDataset data = DecayClass(lengths);
  DecayLibrary lib = MakeDecayLibrary();
  ClassFitOptions options;
  options.fit.compute_uncertainties = true;

  // C1*L: a class and a specific constant, one value per dataset, written as L.
  const Program merged = ParseFormula("C1*L/exp(t/tau)", lib.library);
  const ClassFitResult fit = FitClassConstants(merged, lib.library, lib.roles, data, options);
  REQUIRE(fit.worst_nrmse <= 1e-9);
  const auto c = CanonicalClassFit(merged, fit, lib.library, lib.roles, data, options);
  REQUIRE(c.has_value());
  CHECK(ToInfix(c->first, lib.library) == "L/exp(t/tau)");
  CHECK(c->second.worst_nrmse <= 1e-9);
  for (std::size_t k = 0; k < lengths.size(); ++k) {
    CHECK(c->second.datasets[k].constants[3] == doctest::Approx(lengths[k]).epsilon(1e-9));
    CHECK(c->second.datasets[k].constants[1] == doctest::Approx(1.5).epsilon(1e-9));
  }

  // A*s: the product differs per dataset, and the rewrite writes it into the class constant
  // A (its origin, or the first free constant of its dimension): refused, though each
  // dataset's rewrite computes its values.
  const Program specific = ParseFormula("A*s/exp(t/tau)", lib.library);
  const ClassFitResult fit2 = FitClassConstants(specific, lib.library, lib.roles, data, options);
  REQUIRE(fit2.worst_nrmse <= 1e-9);
  CHECK_FALSE(CanonicalClassFit(specific, fit2, lib.library, lib.roles, data, options));

  // A formula already canonical is left alone.
  const Program plain = ParseFormula("L/exp(t/tau)", lib.library);
  const ClassFitResult fit3 = FitClassConstants(plain, lib.library, lib.roles, data, options);
  CHECK_FALSE(CanonicalClassFit(plain, fit3, lib.library, lib.roles, data, options));
}

TEST_CASE("SimplifyClassFit drops what the class does not need, judged over the class") {
  const std::vector<double> lengths = {0.5, 2.0};
  const ClassDataset data = DecayClass(lengths);
  DecayLibrary lib = MakeDecayLibrary();
  ClassFitOptions options;
  options.fit.compute_uncertainties = true;

  // The class constant A fits as 0 on every dataset: dropped, each L unchanged.
  const Program offset = ParseFormula("L/exp(t/tau) + A", lib.library);
  const ClassFitResult fit = FitClassConstants(offset, lib.library, lib.roles, data, options);
  REQUIRE(fit.worst_nrmse <= 1e-9);
  const auto s = SimplifyClassFit(offset, fit, lib.library, lib.roles, data, options);
  REQUIRE(s.has_value());
  CHECK(ToInfix(s->first, lib.library) == "L/exp(t/tau)");
  for (std::size_t k = 0; k < lengths.size(); ++k) {
    CHECK(s->second.datasets[k].constants[3] == doctest::Approx(lengths[k]).epsilon(1e-9));
  }

  // Of A + L, the first candidate drops L, which fits one dataset alone (its L fitted into A)
  // but not the class; A goes instead.
  const Program needed = ParseFormula("(A + L)/exp(t/tau)", lib.library);
  const ClassFitResult fit2 = FitClassConstants(needed, lib.library, lib.roles, data, options);
  REQUIRE(fit2.worst_nrmse <= 1e-9);
  const auto kept = SimplifyClassFit(needed, fit2, lib.library, lib.roles, data, options);
  REQUIRE(kept.has_value());
  CHECK(ToInfix(kept->first, lib.library) == "L/exp(t/tau)");
}

TEST_CASE("A class search gives the same front whatever the thread count") {
  const ClassDataset data = DecayClass({0.5, 2.0});
  ClassSearchConfig one = DecayConfig(3, 3);
  one.search.threads = 1;
  ClassSearchConfig two = DecayConfig(3, 3);
  two.search.threads = 2;
  const ClassSearchResult a = RunClassSearch(data, one);
  const ClassSearchResult b = RunClassSearch(data, two);
  REQUIRE(a.result.pareto.size() == b.result.pareto.size());
  for (std::size_t i = 0; i < a.result.pareto.size(); ++i) {
    CHECK(a.result.pareto[i].infix_values == b.result.pareto[i].infix_values);
    CHECK(a.pareto[i].reward == b.pareto[i].reward);
  }
}

TEST_CASE("A class search fits on its share of rows") {
  const ClassDataset data = DecayClass({0.2, 1.0, 3.0});
  ClassSearchConfig few = DecayConfig(1, 40);
  few.max_rows = 30;  // 10 of each dataset's 30 rows
  ClassSearchConfig all = DecayConfig(1, 40);
  all.max_rows = 0;
  const ClassSearchResult a = RunClassSearch(data, few);
  const ClassSearchResult b = RunClassSearch(data, all);
  REQUIRE(a.best.has_value());
  INFO(a.result.best->infix);
  CHECK(a.best->worst_nrmse <= 1e-6);  // the law, refitted on every row
  // The first epoch's best is scored on the search's rows: 10 a dataset against all 30.
  REQUIRE(!a.result.history.empty());
  REQUIRE(!b.result.history.empty());
  CHECK(a.result.history.front().best_nrmse != b.result.history.front().best_nrmse);
}

TEST_CASE("A class search refuses what it cannot do, naming it") {
  const ClassDataset data = DecayClass({0.5, 2.0});
  ClassSearchConfig groups = DecayConfig(1, 1);
  groups.search.groups = GroupsMode::kOn;
  CHECK_THROWS_WITH_AS(RunClassSearch(data, groups), doctest::Contains("groups"), InputError);
  ClassSearchConfig enumerate = DecayConfig(1, 1);
  enumerate.search.enumerate.mode = EnumerateMode::kOn;
  CHECK_THROWS_WITH_AS(RunClassSearch(data, enumerate), doctest::Contains("--enumerate"),
                       InputError);
  ClassSearchConfig features = DecayConfig(1, 1);
  features.search.features = FeaturesMode::kOn;
  CHECK_THROWS_WITH_AS(RunClassSearch(data, features), doctest::Contains("--features"), InputError);
  // auto, the default of both, is off over several datasets.
  ClassSearchConfig defaults = DecayConfig(1, 1);
  defaults.search.groups = GroupsMode::kAuto;
  defaults.search.enumerate.mode = EnumerateMode::kAuto;
  CHECK_NOTHROW(RunClassSearch(data, defaults));
  ClassSearchConfig checkpoint = DecayConfig(1, 1);
  checkpoint.search.checkpoint.dir = "somewhere";
  CHECK_THROWS_WITH_AS(RunClassSearch(data, checkpoint), doctest::Contains("checkpoints"),
                       InputError);
  ClassSearchConfig clash = DecayConfig(1, 1);
  clash.specific_constants.push_back({"tau", units::ParseUnit("s"), 1.0});
  CHECK_THROWS_WITH_AS(RunClassSearch(data, clash), doctest::Contains("tau"), InputError);
}

}  // namespace
}  // namespace physr
