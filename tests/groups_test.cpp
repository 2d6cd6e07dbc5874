// Dimensionless groups: the basis, the reduced dataset and the search over it written back in
// the data's variables (physr/search/groups.hpp, RunSearch with SearchConfig::groups).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/parser.hpp"
#include "physr/search/groups.hpp"
#include "physr/search/search.hpp"
#include "physr/units/unit_parser.hpp"
#include "support/uniform_data.hpp"

using namespace physr;

namespace {

using Column = testing::UniformColumn;

Dataset MakeData(const std::vector<Column>& inputs, const std::string& target,
                 const std::string& target_unit,
                 const std::function<double(const Eigen::VectorXd&)>& law, int rows = 200,
                 std::uint64_t seed = 1) {
  return testing::UniformData(inputs, target, target_unit, law, rows, seed);
}

double One(const Eigen::VectorXd&) { return 1.0; }

// The exponent of input `name` in group j.
int Exponent(const GroupBasis& b, std::size_t j, const std::string& name) {
  for (std::size_t i = 0; i < b.inputs.size(); ++i) {
    if (b.inputs[i] == name) return b.groups[j][i];
  }
  FAIL("no input " << name);
  return 0;
}

// `text` evaluated over the data's columns, row r.
double Evaluate(const std::string& text, const Dataset& data, Eigen::Index r) {
  LibrarySpec spec;
  for (std::size_t i = 0; i < data.names.size(); ++i) {
    spec.variables.push_back({data.names[i], data.dimensions[i]});
  }
  Library library = Library::Build(spec);
  const Program program = ParseFormula(text, library);
  const CompiledProgram code = Compile(program, library);
  std::vector<double> row;
  for (Eigen::Index c = 0; c < data.X.cols(); ++c) row.push_back(data.X(r, c));
  return EvaluateScalar(code, row, program.constants);
}

// The portfolio's cases: operators and lengths chosen so that one strategy cannot write the law.
SearchConfig PortfolioConfig(std::vector<std::string> operators, int max_length,
                             GroupsMode groups) {
  SearchConfig config;
  config.library.operators = std::move(operators);
  config.training.batch_size = 500;
  config.stopping.max_evaluations = 12000;
  config.priors.max_length = max_length;
  config.seed = 2;
  config.threads = 1;
  config.groups = groups;
  return config;
}

// m, v, c and E = m*c^2/sqrt(1 - v^2/c^2).
Dataset RelativisticEnergy() {
  return MakeData(
      {{"m", "kg"}, {"v", "m/s", 1, 2.5}, {"c", "m/s", 3, 10}}, "E", "J",
      [](const Eigen::VectorXd& x) {
        return x(0) * x(2) * x(2) / std::sqrt(1 - x(1) * x(1) / (x(2) * x(2)));
      },
      200, 7);
}

// m, v, u, w and E = m*(v^2 + u^2 + w^2)/2.
Dataset SumOfSquares() {
  return MakeData({{"m", "kg"}, {"v", "m/s", 1, 3}, {"u", "m/s", 1, 3}, {"w", "m/s", 1, 3}}, "E",
                  "J", [](const Eigen::VectorXd& x) {
                    return 0.5 * x(0) * (x(1) * x(1) + x(2) * x(2) + x(3) * x(3));
                  });
}

// The portfolio on `data`, after checking that the search `alone` (groups on or off) with the
// same budget does not find the law; the portfolio finds it exactly.
SearchResult PortfolioWhereAloneFails(const Dataset& data, const std::vector<std::string>& ops,
                                      int max_length, GroupsMode alone) {
  const SearchResult single = RunSearch(data, PortfolioConfig(ops, max_length, alone));
  REQUIRE(single.best.has_value());
  CHECK(single.best->nrmse > 1e-6);
  SearchResult result = RunSearch(data, PortfolioConfig(ops, max_length, GroupsMode::kAuto));
  CHECK(result.groups_portfolio);
  REQUIRE(result.best.has_value());
  INFO(result.best->infix);
  CHECK(result.best->nrmse < 1e-9);
  return result;
}

std::vector<std::string> Infixes(const SearchResult& result) {
  std::vector<std::string> texts;
  for (const Formula& f : result.pareto) texts.push_back(f.infix_values);
  return texts;
}

}  // namespace

TEST_CASE("groups: v and c give v/c, oriented as a small parameter") {
  const Dataset data = MakeData({{"c", "m/s", 3, 10}, {"v", "m/s", 1, 2}}, "W", "1", One);
  const GroupBasis b = FindGroups(data, {});
  REQUIRE(b.groups.size() == 1);
  CHECK(b.texts[0] == "v/c");
  CHECK(b.names[0] == "pi1");
  CHECK(b.target_text == "1");
}

TEST_CASE("groups: E from k_B, T, h, omega: one group h*omega/(k_B*T) and an energy scale") {
  const Dataset data =
      MakeData({{"h", "J*s"}, {"omega", "1/s"}, {"k_B", "J/K"}, {"T", "K"}}, "E", "J", One);
  const GroupBasis b = FindGroups(data, {});
  REQUIRE(b.groups.size() == 1);
  CHECK(std::abs(Exponent(b, 0, "h")) == 1);
  CHECK(Exponent(b, 0, "h") == Exponent(b, 0, "omega"));
  CHECK(Exponent(b, 0, "k_B") == -Exponent(b, 0, "h"));
  CHECK(Exponent(b, 0, "T") == -Exponent(b, 0, "h"));
  CHECK((b.target_text == "h*omega" || b.target_text == "k_B*T"));
  CHECK(b.target_denominator == 1);
}

TEST_CASE("groups: a pendulum's L, g, t, m give t^2*g/L and leave the mass out") {
  const Dataset data =
      MakeData({{"L", "m"}, {"g", "m/s^2"}, {"t", "s"}, {"m", "kg"}}, "phi", "1", One);
  const GroupBasis b = FindGroups(data, {});
  REQUIRE(b.groups.size() == 1);
  CHECK(Exponent(b, 0, "m") == 0);
  CHECK(std::abs(Exponent(b, 0, "t")) == 2);
  CHECK(Exponent(b, 0, "g") * 2 == Exponent(b, 0, "t"));
  CHECK(Exponent(b, 0, "L") == -Exponent(b, 0, "g"));
}

TEST_CASE("groups: a period from L and g needs the half power sqrt(L/g)") {
  const Dataset data = MakeData({{"L", "m"}, {"g", "m/s^2"}}, "t", "s", One);
  const GroupBasis b = FindGroups(data, {});
  CHECK(b.groups.empty());
  CHECK(b.target_denominator == 2);
  CHECK(b.target_text == "sqrt(L/g)");
}

TEST_CASE("groups: fixed constants with units count as inputs; constants alone make no group") {
  const Dataset data = MakeData({{"v", "m/s"}}, "E", "J", One);
  const std::vector<FixedConstantSpec> constants = {
      {"c", 299792458.0, units::ParseUnit("m/s")},
      {"c2", 2.0 * 299792458.0, units::ParseUnit("m/s")},
      {"alpha", 0.0073, Dimension()}};
  CHECK_THROWS_AS(FindGroups(data, constants), InputError);  // no mass: no energy scale
  const Dataset with_mass = MakeData({{"m", "kg"}, {"v", "m/s"}}, "E", "J", One);
  const GroupBasis b = FindGroups(with_mass, constants);
  CHECK(b.inputs == std::vector<std::string>{"m", "v", "c", "c2"});
  REQUIRE(b.groups.size() == 1);
  CHECK(b.texts[0] == "v/c");
  CHECK(b.target_text == "m*c^2");  // c is constant: E/(m*c^2) varies least
}

TEST_CASE("groups: a dimensionless column is its own group, named as the column") {
  const Dataset data = MakeData({{"theta", "1"}, {"L", "m"}}, "x", "m", One);
  const GroupBasis b = FindGroups(data, {});
  REQUIRE(b.groups.size() == 1);
  CHECK(b.names[0] == "theta");
  CHECK(b.target_text == "L");
}

TEST_CASE("groups: ten inputs give n - rank groups; eleven are refused") {
  std::vector<Column> inputs = {{"L", "m"}, {"t", "s"}, {"m", "kg"}, {"v", "m/s"}, {"a", "m/s^2"},
                                {"F", "N"}, {"E", "J"}, {"P", "W"},  {"f", "Hz"},  {"T", "K"}};
  const Dataset data = MakeData(inputs, "y", "J/K", One, 20);
  const GroupBasis b = FindGroups(data, {});
  CHECK(b.groups.size() == 6);  // 10 inputs of rank 4 (L, M, T, Θ)
  for (const std::vector<int>& g : b.groups) {
    Dimension d;
    for (std::size_t i = 0; i < g.size(); ++i) d = d * data.dimensions[i].Pow(g[i]);
    CHECK(d.IsDimensionless());
  }
  CHECK(b.target_text == "E/T");
  inputs.push_back({"q", "C"});
  CHECK_THROWS_WITH_AS(FindGroups(MakeData(inputs, "y", "1", One, 5), {}),
                       doctest::Contains("at most 10 inputs"), InputError);
}

TEST_CASE("groups: the reduced data equal the groups' formulas and y / monomial") {
  Dataset data = MakeData(
      {{"m", "kg"}, {"v", "m/s", 1, 2}, {"c", "m/s", 3, 10}}, "E", "J",
      [](const Eigen::VectorXd& x) {
        return x(0) * x(2) * x(2) / std::sqrt(1 - x(1) * x(1) / (x(2) * x(2)));
      },
      50);
  const GroupBasis b = FindGroups(data, {});
  const Dataset reduced = ReduceDataset(data, b);
  REQUIRE(reduced.num_variables() == 1);
  CHECK(reduced.dimensions[0].IsDimensionless());
  for (Eigen::Index r = 0; r < data.rows(); ++r) {
    CHECK(reduced.X(r, 0) == doctest::Approx(Evaluate(b.texts[0], data, r)).epsilon(1e-14));
    CHECK(reduced.y(r) * Evaluate(b.target_text, data, r) ==
          doctest::Approx(data.y(r)).epsilon(1e-14));
    // Σ w·M²·(y/M − f)² is the data's own Σ w·(y − M·f)²: weights M² without weights, w·M²
    // with.
    const double m = Evaluate(b.target_text, data, r);
    CHECK(reduced.weights(r) == doctest::Approx(m * m).epsilon(1e-14));
  }
  data.weights = Eigen::VectorXd::LinSpaced(data.rows(), 1.0, 2.0);
  const Dataset weighted = ReduceDataset(data, b);
  for (Eigen::Index r = 0; r < data.rows(); ++r) {
    const double m = Evaluate(b.target_text, data, r);
    CHECK(weighted.weights(r) == doctest::Approx(data.weights(r) * m * m).epsilon(1e-14));
  }
}

TEST_CASE("groups: a monomial that is zero in a row is an error naming the row") {
  Dataset data = MakeData({{"L", "m"}}, "x", "m", One, 5);
  data.X(3, 0) = 0.0;
  const GroupBasis b = FindGroups(data, {});
  CHECK_THROWS_WITH_AS(ReduceDataset(data, b), doctest::Contains("row 4"), InputError);
}

TEST_CASE("groups on: relativistic energy is found over v/c and written back in m, v, c") {
  const Dataset data = MakeData(
      {{"m", "kg"}, {"v", "m/s", 1, 2.5}, {"c", "m/s", 3, 10}}, "E", "J",
      [](const Eigen::VectorXd& x) {
        return x(0) * x(2) * x(2) / std::sqrt(1 - x(1) * x(1) / (x(2) * x(2)));
      },
      200, 7);
  SearchConfig config;
  config.training.batch_size = 500;
  config.stopping.max_epochs = 60;
  config.priors.max_length = 20;
  config.seed = 3;
  config.threads = 1;
  config.groups = GroupsMode::kOn;
  std::string shown;  // the last epoch report's best formula
  SearchCallbacks callbacks;
  callbacks.on_epoch = [&shown](const EpochReport& report) {
    shown = report.best_infix;
    return true;
  };
  const SearchResult result = RunSearch(data, config, callbacks);
  CHECK(shown.find("(m*c^2)*(") == 0);  // progress in the data's variables too
  CHECK(shown.find("v/c") != std::string::npos);
  REQUIRE(result.groups.has_value());
  CHECK(result.groups->texts == std::vector<std::string>{"v/c"});
  REQUIRE(result.best.has_value());
  CHECK(result.best->nrmse < 1e-9);
  CHECK(result.best->dimension == data.target_dimension);
  // In canonical form across the groups: the write-back m*c^2*(1/sqrt(1 - (v/c)^2)).
  CHECK(result.best->infix == "m*c^2/sqrt(1 - v^2/c^2)");
  // Every formula of the front is in the data's variables and units.
  for (const Formula& f : result.pareto) CHECK(f.dimension == data.target_dimension);
}

TEST_CASE("groups on: the written-back formula is simplified across the groups") {
  // E = m*v*c: the basis takes the monomial m*v*c, the relation over v/c is the number 1, and
  // the write-back (m*v*c)*(1) keeps it; the canonical form drops it.
  const Dataset data = MakeData({{"m", "kg"}, {"v", "m/s", 1, 2.5}, {"c", "m/s", 3, 10}}, "E", "J",
                                [](const Eigen::VectorXd& x) { return x(0) * x(1) * x(2); });
  SearchConfig config;
  config.training.batch_size = 500;
  config.stopping.max_epochs = 5;
  config.priors.max_length = 12;
  config.seed = 3;
  config.threads = 1;
  config.groups = GroupsMode::kOn;
  config.canonical = false;
  const SearchResult written_back = RunSearch(data, config);
  config.canonical = true;
  const SearchResult canonical = RunSearch(data, config);
  REQUIRE(written_back.best.has_value());
  REQUIRE(canonical.best.has_value());
  REQUIRE(canonical.groups.has_value());
  CHECK(canonical.groups->texts == std::vector<std::string>{"v/c"});
  INFO(written_back.best->infix << " -> " << canonical.best->infix);
  CHECK(written_back.best->infix == "m*v*c*1");
  CHECK(canonical.best->infix == "m*v*c");
  CHECK(canonical.best->complexity < written_back.best->complexity);
  CHECK(canonical.best->nrmse < 1e-9);
}

TEST_CASE("groups on refuses a free constant with units; auto searches the data as given") {
  const Dataset data = MakeData({{"m", "kg"}, {"v", "m/s"}}, "E", "J",
                                [](const Eigen::VectorXd& x) { return x(0) * x(1) * x(1); });
  SearchConfig config;
  config.training.batch_size = 100;
  config.stopping.max_epochs = 2;
  config.threads = 1;
  config.library.free_constants.push_back({"g", units::ParseUnit("m/s^2")});
  config.groups = GroupsMode::kOn;
  CHECK_THROWS_WITH_AS(RunSearch(data, config), doctest::Contains("free constant g"), InputError);
  config.groups = GroupsMode::kAuto;
  CHECK_FALSE(RunSearch(data, config).groups.has_value());
}

TEST_CASE("groups: inputs that form no group are refused by on and searched as given by auto") {
  // E = m*v^2/2: m and v make no dimensionless product, so the law is a number times m*v^2.
  const Dataset data = MakeData({{"m", "kg"}, {"v", "m/s", 1, 3}}, "E", "J",
                                [](const Eigen::VectorXd& x) { return 0.5 * x(0) * x(1) * x(1); });
  SearchConfig config;
  config.training.batch_size = 200;
  config.stopping.max_epochs = 3;
  config.seed = 1;
  config.threads = 1;
  config.groups = GroupsMode::kOn;
  CHECK_THROWS_WITH_AS(RunSearch(data, config), doctest::Contains("no dimensionless group"),
                       InputError);
  config.groups = GroupsMode::kAuto;
  const SearchResult result = RunSearch(data, config);
  CHECK_FALSE(result.groups.has_value());
  CHECK_FALSE(result.groups_portfolio);
  REQUIRE(result.best.has_value());
  CHECK(result.best->nrmse < 1e-9);
  // Exactly the search with groups off: same front, same counters.
  config.groups = GroupsMode::kOff;
  const SearchResult off = RunSearch(data, config);
  CHECK(Infixes(result) == Infixes(off));
  CHECK(result.evaluations == off.evaluations);
  CHECK(result.epochs == off.epochs);
}

TEST_CASE("groups auto: a law only the groups can write in the length is selected from them") {
  // Over v/c the law is 1/sqrt(1 - pi1^2), 6 tokens; in m, v, c without division it takes 14,
  // past the length limit of 10.
  const Dataset data = RelativisticEnergy();
  const std::vector<std::string> ops = {"add", "sub", "mul", "inv", "n2", "sqrt"};
  const SearchResult result = PortfolioWhereAloneFails(data, ops, 10, GroupsMode::kOff);
  REQUIRE(result.groups.has_value());
  CHECK(result.best->from_groups);
  CHECK(result.best->dimension == data.target_dimension);
  CHECK(result.evaluations <= 12000 + 2 * 500);  // the budget split, one batch over each
}

TEST_CASE("groups auto: a law only the data as given can write is selected from them") {
  // The groups are u/v, w/v over m*u*w, and the relation (1 + pi1^2 + pi2^2)/(2*pi1*pi2)
  // needs a division the operators lack; in m, v, u, w the law needs none.
  const Dataset data = SumOfSquares();
  const std::vector<std::string> ops = {"add", "mul", "n2"};
  const SearchResult result = PortfolioWhereAloneFails(data, ops, 20, GroupsMode::kOn);
  CHECK_FALSE(result.best->from_groups);
  // The merged front holds the written-back formulas where they are the better ones.
  bool any_from_groups = false;
  for (const Formula& f : result.pareto) {
    CHECK(f.dimension == data.target_dimension);
    any_from_groups = any_from_groups || f.from_groups;
  }
  CHECK(any_from_groups);
}

TEST_CASE("groups auto: after an exact law over the groups the other search spends no more") {
  const Dataset data = RelativisticEnergy();
  SearchConfig config =
      PortfolioConfig({"add", "sub", "mul", "inv", "n2", "sqrt"}, 10, GroupsMode::kOn);
  config.stopping.max_evaluations = 0;
  config.stopping.max_epochs = 200;
  const SearchResult groups = RunSearch(data, config);
  REQUIRE(groups.stop_reason == StopReason::kPerfectFit);
  REQUIRE(groups.epochs < 50);
  config.groups = GroupsMode::kAuto;
  const SearchResult both = RunSearch(data, config);
  REQUIRE(both.best.has_value());
  CHECK(both.best->nrmse < 1e-9);
  // The search over the data as given had the groups' epochs, not the 100 left of 200.
  CHECK(both.epochs <= 2 * groups.epochs);
  CHECK(both.epochs > groups.epochs);
}

TEST_CASE("groups auto: the portfolio is the same for a seed whatever the thread count") {
  const Dataset data = SumOfSquares();
  SearchConfig config = PortfolioConfig({"add", "mul", "n2"}, 20, GroupsMode::kAuto);
  config.stopping.max_evaluations = 4000;
  const SearchResult one = RunSearch(data, config);
  config.threads = 2;
  const SearchResult two = RunSearch(data, config);
  REQUIRE(one.best.has_value());
  REQUIRE(two.best.has_value());
  CHECK(Infixes(one) == Infixes(two));
  CHECK(one.best->infix_values == two.best->infix_values);
  CHECK(one.evaluations == two.evaluations);
  REQUIRE(one.history.size() == two.history.size());
  // The two searches' epochs numbered as one run, the formulas scored counted on.
  for (std::size_t k = 0; k < one.history.size(); ++k) {
    CHECK(one.history[k].epoch == static_cast<int>(k) + 1);
    CHECK(one.history[k].evaluations == two.history[k].evaluations);
  }
  CHECK(one.history.back().evaluations == one.evaluations);
}

TEST_CASE("groups modes read and print as off, on, auto") {
  for (GroupsMode mode : {GroupsMode::kOff, GroupsMode::kOn, GroupsMode::kAuto}) {
    CHECK(ParseGroupsMode(ToString(mode)) == mode);
  }
  CHECK_THROWS_AS(ParseGroupsMode("yes"), InputError);
}
