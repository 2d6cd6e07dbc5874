// Features: sums and differences of squares of inputs sharing a unit (physr/search/features.hpp),
// and the search over the data with them, written back in the data's variables (RunSearch with
// SearchConfig::features).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/search/features.hpp"
#include "physr/search/search.hpp"
#include "physr/units/unit_parser.hpp"

using namespace physr;

namespace {

// Columns named `names` with units `units`, uniform in [lo, hi), target y [m] = 0.
Dataset Columns(const std::vector<std::string>& names, const std::vector<std::string>& units,
                int rows = 50, double lo = 1.0, double hi = 2.0) {
  Dataset d;
  Rng rng(5);
  d.X.resize(rows, static_cast<Eigen::Index>(names.size()));
  for (std::size_t j = 0; j < names.size(); ++j) {
    d.names.push_back(names[j]);
    d.dimensions.push_back(units::ParseUnit(units[j]));
    for (int r = 0; r < rows; ++r) d.X(r, static_cast<Eigen::Index>(j)) = rng.Uniform(lo, hi);
  }
  d.target_name = "y";
  d.target_dimension = units::ParseUnit("m");
  d.y = Eigen::VectorXd::Zero(rows);
  return d;
}

// A short search over the data as given alone (no groups, no enumeration): formulas of at
// most 6 tokens, where sqrt of a feature fits and a distance in the data's variables does not.
SearchConfig ShortSearch() {
  SearchConfig config;
  config.library.operators = {"add", "sub", "mul", "div", "n2", "sqrt"};
  config.training.batch_size = 300;
  config.stopping.max_epochs = 10;
  config.priors.max_length = 6;
  config.seed = 1;
  config.threads = 1;
  config.groups = GroupsMode::kOff;
  config.enumerate.mode = EnumerateMode::kOff;
  return config;
}

std::vector<std::string> Texts(const std::vector<Feature>& features) {
  std::vector<std::string> out;
  for (const Feature& f : features) out.push_back(f.text);
  return out;
}

}  // namespace

TEST_CASE("features: four lengths give their sum of squares and the three pairings") {
  const Dataset d = Columns({"x1", "x2", "t", "y1", "y2"}, {"m", "m", "s", "m", "m"});
  const std::vector<Feature> f = FindFeatures(d, {});
  CHECK(Texts(f) ==
        std::vector<std::string>{"x1^2 + x2^2 + y1^2 + y2^2", "(x1 - x2)^2 + (y1 - y2)^2",
                                 "(x1 - y1)^2 + (x2 - y2)^2", "(x1 - y2)^2 + (x2 - y1)^2"});
  REQUIRE(f.size() == 4);
  CHECK(f[0].name == "F1");
  CHECK(f[3].name == "F4");
  CHECK(f[1].dimension == units::ParseUnit("m^2"));
  const Dataset wide = AddFeatures(d, f);
  REQUIRE(wide.num_variables() == 9);
  CHECK(wide.names[6] == "F2");
  CHECK(wide.dimensions[6] == units::ParseUnit("m^2"));
  for (Eigen::Index r = 0; r < d.rows(); ++r) {
    const double dx = d.X(r, 0) - d.X(r, 1);
    const double dy = d.X(r, 3) - d.X(r, 4);
    CHECK(wide.X(r, 6) == doctest::Approx(dx * dx + dy * dy).epsilon(1e-14));
    CHECK(wide.X(r, 2) == d.X(r, 2));
  }
}

TEST_CASE("features: two speeds give a difference of squares that is positive on the data") {
  Dataset d = Columns({"v", "c"}, {"m/s", "m/s"});
  d.X.col(1).array() += 5.0;  // c > v on every row
  const std::vector<Feature> f = FindFeatures(d, {"F1"});
  CHECK(Texts(f) == std::vector<std::string>{"v^2 + c^2", "c^2 - v^2"});
  REQUIRE(f.size() == 2);
  CHECK(f[0].name == "F2");  // F1 is taken
  CHECK(FeatureValue(f[1], d, 0) > 0.0);
}

TEST_CASE("features: none for dimensionless inputs or a unit held by one input") {
  CHECK(FindFeatures(Columns({"a", "b", "x"}, {"1", "1", "m"}), {}).empty());
  const Dataset six = Columns({"x1", "y1", "z1", "x2", "y2", "z2"}, {"m", "m", "m", "m", "m", "m"});
  const std::vector<Feature> f = FindFeatures(six, {});
  CHECK(f.size() == 16);  // the sum of squares and the 15 pairings
  CHECK(f.size() <= static_cast<std::size_t>(kMaxFeatures));
}

TEST_CASE("features: a value that is not finite is an error naming the row") {
  Dataset d = Columns({"x", "y"}, {"m", "m"});
  d.X(3, 0) = 1e300;
  CHECK_THROWS_WITH_AS(AddFeatures(d, FindFeatures(d, {})), doctest::Contains("data row 4"),
                       InputError);
}

TEST_CASE("features on: a distance is found as the root of a feature, written in the data") {
  Dataset d = Columns({"x1", "x2", "y1", "y2"}, {"m", "m", "m", "m"}, 200, -3.0, 3.0);
  for (Eigen::Index r = 0; r < d.rows(); ++r) {
    d.y(r) = std::hypot(d.X(r, 0) - d.X(r, 1), d.X(r, 2) - d.X(r, 3));
  }
  SearchConfig config = ShortSearch();
  config.features = FeaturesMode::kOff;
  const SearchResult without = RunSearch(d, config);
  CHECK(without.features.empty());
  REQUIRE(without.best.has_value());
  CHECK(without.best->nrmse > 1e-3);
  config.features = FeaturesMode::kOn;
  std::string shown;
  SearchCallbacks callbacks;
  callbacks.on_epoch = [&shown](const EpochReport& report) {
    shown = report.best_infix;
    return true;
  };
  const SearchResult with = RunSearch(d, config, callbacks);
  CHECK(with.features.size() == 4);
  REQUIRE(with.best.has_value());
  CHECK(with.best->nrmse < 1e-9);
  CHECK(with.best->infix == "sqrt((x1 - x2)^2 + (y1 - y2)^2)");
  CHECK(shown.find("F") == std::string::npos);  // progress in the data's variables too
  for (const Formula& f : with.pareto) CHECK(f.dimension == d.target_dimension);
}

TEST_CASE("features on: a law with an exact number the final pass writes is written back") {
  // The final pass snaps the fitted 0.5 to the exact number 1/2, a token the search's own
  // library lacks: the write-back must name the features over the result's library.
  Dataset d = Columns({"x", "y"}, {"m", "m"}, 200, -3.0, 3.0);
  for (Eigen::Index r = 0; r < d.rows(); ++r) d.y(r) = std::hypot(d.X(r, 0), d.X(r, 1)) / 2.0;
  SearchConfig config = ShortSearch();
  config.features = FeaturesMode::kOn;
  const SearchResult result = RunSearch(d, config);
  REQUIRE(result.best.has_value());
  CHECK(result.best->nrmse < 1e-9);
  CHECK(result.best->infix == "sqrt(x^2 + y^2)/2");
}
