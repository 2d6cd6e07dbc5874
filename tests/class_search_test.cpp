#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/data/class_dataset.hpp"
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

TEST_CASE("A class search refuses what it cannot do, naming it") {
  const ClassDataset data = DecayClass({0.5, 2.0});
  ClassSearchConfig groups = DecayConfig(1, 1);
  groups.search.groups = GroupsMode::kOn;
  CHECK_THROWS_WITH_AS(RunClassSearch(data, groups), doctest::Contains("groups"), InputError);
  ClassSearchConfig enumerate = DecayConfig(1, 1);
  enumerate.search.enumerate.mode = EnumerateMode::kAuto;
  CHECK_THROWS_WITH_AS(RunClassSearch(data, enumerate), doctest::Contains("--enumerate"),
                       InputError);
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
