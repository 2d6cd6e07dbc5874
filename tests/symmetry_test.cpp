// Symmetric pairs of inputs (physr/search/symmetry.hpp): the neighbour error, which pairs are
// merged and which are not, and the search over the groups of the merged columns.
#include <doctest/doctest.h>

#include <cctype>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/search/config.hpp"
#include "physr/search/search.hpp"
#include "physr/search/symmetry.hpp"
#include "support/uniform_data.hpp"

using namespace physr;

namespace {

using Column = testing::UniformColumn;

// The columns, uniform in their ranges (seed 5), and the target y = law(row).
Dataset MakeData(const std::vector<Column>& inputs,
                 const std::function<double(const Eigen::VectorXd&)>& law, int rows = 1000,
                 const std::string& target_unit = "1") {
  return testing::UniformData(inputs, "y", target_unit, law, rows, 5);
}

std::vector<std::string> Texts(const MergedInputs& merged) {
  std::vector<std::string> texts;
  for (const InputMerge& m : merged.merges) texts.push_back(m.text);
  return texts;
}

}  // namespace

TEST_CASE("NeighbourError: zero for a linear target, small for a smooth one, large for noise") {
  Rng rng(3);
  const Eigen::Index n = 400;
  Eigen::MatrixXd F(n, 2);
  for (Eigen::Index r = 0; r < n; ++r) F.row(r) << rng.Uniform01(), rng.Uniform01();
  std::vector<Eigen::Index> queries;
  for (Eigen::Index q = 0; q < n; q += 4) queries.push_back(q);
  const Eigen::VectorXd linear = 2.0 * F.col(0) - 3.0 * F.col(1);
  CHECK(NeighbourError(F, linear, queries) < 1e-12);
  Eigen::VectorXd smooth(n);
  Eigen::VectorXd noise(n);
  for (Eigen::Index r = 0; r < n; ++r) {
    smooth(r) = std::sin(3 * F(r, 0)) * F(r, 1);
    noise(r) = rng.Uniform(-1, 1);
  }
  const double smooth_error = NeighbourError(F, smooth, queries);
  CHECK(smooth_error > 0.0);
  CHECK(smooth_error < 0.01);
  CHECK(NeighbourError(F, noise, queries) > 0.2);
}

TEST_CASE("symmetry: x*cos(theta1 - theta2) has its angles merged into their difference") {
  const Dataset data = MakeData(
      {{"x", "m"}, {"theta1", "1", 0, 6}, {"theta2", "1", 0, 6}},
      [](const Eigen::VectorXd& v) { return v(0) * std::cos(v(1) - v(2)); }, 1000, "m");
  const MergedInputs merged = MergeSymmetricInputs(data);
  CHECK(Texts(merged) == std::vector<std::string>{"(theta1 - theta2)"});
  REQUIRE(merged.data.num_variables() == 2);
  CHECK(merged.data.names == std::vector<std::string>{"x", "(theta1 - theta2)"});
  CHECK(merged.data.dimensions[1].IsDimensionless());
  CHECK(merged.data.X(7, 1) == doctest::Approx(data.X(7, 1) - data.X(7, 2)));
  CHECK(merged.data.y == data.y);
  CHECK(merged.merges[0].ratio < kMergeRatio);
}

TEST_CASE("symmetry: a law of n*alpha has the two merged into their product") {
  const Dataset data =
      MakeData({{"n", "1", 0, 1}, {"alpha", "1", 0, 1}}, [](const Eigen::VectorXd& v) {
        const double u = v(0) * v(1);
        return 1 + u / (1 - u / 3);
      });
  const MergedInputs merged = MergeSymmetricInputs(data);
  CHECK(Texts(merged) == std::vector<std::string>{"(n*alpha)"});
  REQUIRE(merged.data.num_variables() == 1);
  CHECK(merged.data.X(3, 0) == doctest::Approx(data.X(3, 0) * data.X(3, 1)));
}

TEST_CASE("symmetry: laws that need both columns of every pair merge nothing") {
  const std::vector<std::function<double(const Eigen::VectorXd&)>> laws = {
      [](const Eigen::VectorXd& v) { return v(0) * std::sin(v(1)) + v(2); },
      [](const Eigen::VectorXd& v) { return v(0) * std::exp(-v(1)) + v(2); },
      [](const Eigen::VectorXd& v) { return v(0) * v(0) + v(1) * v(1) + v(2); },
  };
  for (std::size_t k = 0; k < laws.size(); ++k) {
    CAPTURE(k);
    const Dataset data = MakeData({{"a", "1", 0, 3}, {"b", "1", 0, 3}, {"c", "1", 1, 2}}, laws[k]);
    CHECK(MergeSymmetricInputs(data).merges.empty());
  }
}

TEST_CASE("symmetry: a law of v/c is left to the groups, which form the quotient anyway") {
  const Dataset data = MakeData(
      {{"v", "m/s", 1, 2.5}, {"c", "m/s", 3, 10}},
      [](const Eigen::VectorXd& v) { return 1 / std::sqrt(1 - v(0) * v(0) / (v(1) * v(1))); });
  CHECK(MergeSymmetricInputs(data).merges.empty());
}

TEST_CASE("symmetry: a difference with units is merged only where it keeps one sign") {
  // d = sqrt((x1 - x2)^2 + (y1 - y2)^2): in the groups' monomial a difference that changes
  // sign would leave the relation two-valued, so it is not merged.
  const auto distance = [](const Eigen::VectorXd& v) {
    return std::hypot(v(0) - v(1), v(2) - v(3));
  };
  const Dataset crossing =
      MakeData({{"x1", "m", 1, 5}, {"x2", "m", 1, 5}, {"y1", "m", 1, 5}, {"y2", "m", 1, 5}},
               distance, 1000, "m");
  CHECK(MergeSymmetricInputs(crossing).merges.empty());
  // E - U > 0 in sqrt(2*(E - U)/m): merged.
  const Dataset kinetic = MakeData(
      {{"E", "J", 5, 10}, {"U", "J", 1, 4}, {"m", "kg", 1, 3}},
      [](const Eigen::VectorXd& v) { return std::sqrt(2 * (v(0) - v(1)) / v(2)); }, 1000, "m/s");
  CHECK(Texts(MergeSymmetricInputs(kinetic)) == std::vector<std::string>{"(E - U)"});
}

TEST_CASE("symmetry: data wider than the limit, or too short, is returned as given") {
  const Dataset data =
      MakeData({{"x", "1"}, {"theta1", "1", 0, 6}, {"theta2", "1", 0, 6}},
               [](const Eigen::VectorXd& v) { return v(0) * std::cos(v(1) - v(2)); });
  CHECK(MergeSymmetricInputs(data, 2).merges.empty());
  CHECK(MergeSymmetricInputs(data, 2).data.names == data.names);
  CHECK(MergeSymmetricInputs(data, 3).merges.size() == 1);
  const Dataset few = MakeData(
      {{"x", "1"}, {"theta1", "1", 0, 6}, {"theta2", "1", 0, 6}},
      [](const Eigen::VectorXd& v) { return v(0) * std::cos(v(1) - v(2)); }, 40);
  CHECK(MergeSymmetricInputs(few).merges.empty());
}

TEST_CASE("groups auto: a law of n*alpha is searched over their product and written back") {
  // n and alpha are dimensionless: without the merge the groups are the columns themselves and
  // auto would not search over them.
  const Dataset data = MakeData(
      {{"n", "1", 0, 1}, {"alpha", "1", 0, 1}},
      [](const Eigen::VectorXd& v) {
        const double u = v(0) * v(1);
        return u / (1 + u);
      },
      300);
  SearchConfig config;
  config.training.batch_size = 500;
  config.stopping.max_epochs = 6;
  config.seed = 1;
  config.threads = 1;
  for (const SymmetryMode mode : {SymmetryMode::kOff, SymmetryMode::kAuto}) {
    CAPTURE(std::string(ToString(mode)));
    config.symmetry = mode;
    // The epochs report the best formula in the data's variables, the merged pair in one pair
    // of parentheses (two only as a function's argument, sqrt((n*alpha))).
    std::vector<std::string> reported;
    SearchCallbacks callbacks;
    callbacks.on_epoch = [&](const EpochReport& report) {
      reported.push_back(report.best_infix);
      return true;
    };
    const SearchResult result = RunSearch(data, config, callbacks);
    CHECK(result.groups.has_value() == (mode == SymmetryMode::kAuto));
    bool merged_shown = false;
    for (const std::string& text : reported) {
      CAPTURE(text);
      for (std::size_t at = text.find("((n*alpha))"); at != std::string::npos;
           at = text.find("((n*alpha))", at + 1)) {
        CHECK((at > 0 && std::isalpha(static_cast<unsigned char>(text[at - 1]))));
      }
      merged_shown = merged_shown || text.find("(n*alpha)") != std::string::npos;
    }
    CHECK(merged_shown == (mode == SymmetryMode::kAuto));
    if (mode == SymmetryMode::kOff) continue;
    CHECK(result.groups_portfolio);
    REQUIRE(result.groups->merges.size() == 1);
    CHECK(result.groups->texts == std::vector<std::string>{"(n*alpha)"});
    REQUIRE(result.best.has_value());
    INFO(result.best->infix);
    CHECK(result.best->nrmse < 1e-9);
  }
}

TEST_CASE("symmetry modes read and print as off, on, auto") {
  for (const SymmetryMode mode : {SymmetryMode::kOff, SymmetryMode::kOn, SymmetryMode::kAuto}) {
    CHECK(ParseSymmetryMode(ToString(mode)) == mode);
  }
  CHECK_THROWS_AS(ParseSymmetryMode("yes"), InputError);
}
