// Screening of wide data (search/screening.hpp): the ranking of the columns, the parsing of
// the option, and a search over the kept columns written back over all of them.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/search/screening.hpp"
#include "physr/search/search.hpp"
#include "physr/units/unit_parser.hpp"

namespace physr {
namespace {

// `columns` inputs x1..xN, uniform in [lo, hi], units cycling through m, s, kg and 1; the
// target (unit `target_unit`) is `law` of them.
Dataset WideData(int columns, int rows, const std::string& target_unit,
                 const std::function<double(const Eigen::VectorXd&)>& law, std::uint64_t seed,
                 double lo = 1.0, double hi = 5.0) {
  static const char* kUnits[] = {"m", "s", "kg", "1"};
  Dataset d;
  Rng rng(seed);
  d.X.resize(rows, columns);
  for (int j = 0; j < columns; ++j) {
    d.names.push_back("x" + std::to_string(j + 1));
    d.dimensions.push_back(units::ParseUnit(kUnits[j % 4]));
  }
  d.target_name = "y";
  d.target_dimension = units::ParseUnit(target_unit);
  d.y.resize(rows);
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < columns; ++j) d.X(r, j) = rng.Uniform(lo, hi);
    d.y(r) = law(d.X.row(r).transpose());
  }
  return d;
}

// The names of the first k columns of the ranking.
std::set<std::string> Top(const std::vector<ColumnScore>& ranking, std::size_t k) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < k && i < ranking.size(); ++i) names.insert(ranking[i].name);
  return names;
}

}  // namespace

TEST_CASE("RankColumns ranks the columns of the law first, for several shapes of law") {
  struct Case {
    const char* name;
    std::function<double(const Eigen::VectorXd&)> law;
    std::set<std::string> columns;
    double lo = 1.0, hi = 5.0;
  };
  // Indices are 0-based: x(2) is column x3.
  const std::vector<Case> cases = {
      {"product of powers",
       [](const Eigen::VectorXd& x) { return x(2) * x(3) / x(1); },
       {"x2", "x3", "x4"}},
      {"powers, one inverse square root",
       [](const Eigen::VectorXd& x) { return x(4) * x(4) * x(10) / std::sqrt(x(21)); },
       {"x5", "x11", "x22"}},
      {"sum",
       [](const Eigen::VectorXd& x) { return 3.0 * x(6) + x(13) - 2.0 * x(30); },
       {"x7", "x14", "x31"}},
      {"exp and sin",
       [](const Eigen::VectorXd& x) { return std::exp(-x(8)) * 20.0 + std::sin(x(17)); },
       {"x9", "x18"},
       0.0,
       6.0},
      {"a square over both signs",
       [](const Eigen::VectorXd& x) { return x(25) * x(25) + x(2); },
       {"x26", "x3"},
       -3.0,
       3.0},
  };
  for (const Case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    const Dataset data = WideData(300, 200, "1", c.law, 7, c.lo, c.hi);
    const std::vector<ColumnScore> ranking = RankColumns(data, 10);
    REQUIRE(ranking.size() == 10);
    std::string top;
    for (std::size_t i = 0; i < c.columns.size() + 2; ++i) {
      top += ranking[i].name + " " + std::to_string(ranking[i].score) + ", ";
    }
    CAPTURE(top);
    CHECK(Top(ranking, c.columns.size()) == c.columns);
    // Scores are shares, and the law's columns stand clear of the rest.
    for (const ColumnScore& s : ranking) {
      CHECK(s.score >= 0.0);
      CHECK(s.score <= 1.0);
    }
    double law = 1.0, rest = 0.0;
    for (std::size_t i = 0; i < ranking.size(); ++i) {
      (i < c.columns.size() ? law : rest) =
          i < c.columns.size() ? std::min(law, ranking[i].score) : std::max(rest, ranking[i].score);
    }
    CHECK(law > rest + 0.05);
  }
}

TEST_CASE("RankColumns is deterministic and invariant under monotone transformations") {
  const auto law = [](const Eigen::VectorXd& x) { return x(2) * x(3) / x(1); };
  const Dataset data = WideData(50, 200, "1", law, 3);
  const std::vector<ColumnScore> a = RankColumns(data, 50);
  const std::vector<ColumnScore> b = RankColumns(data, 50);
  REQUIRE(a.size() == 50);
  REQUIRE(a.size() == b.size());
  Dataset logged = data;
  logged.X = data.X.array().log();
  logged.y = data.y.array().log();
  const std::vector<ColumnScore> c = RankColumns(logged, 1);
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].column == b[i].column);
    CHECK(a[i].score == b[i].score);
  }
  // The first pick depends on the columns only through their ranks.
  CHECK(a[0].column == c[0].column);
  // The exact value of one score, computed independently: Spearman's rho of a column equal
  // to the target's ranks is 1.
  Dataset same = data;
  same.X.col(0) = data.y;
  // Evenly spaced y of both signs (y itself is the target), in a shuffled order, and a column
  // exp(y): its ranks are a line in y, so its squared correlation is 1.
  for (Eigen::Index i = 0; i < same.rows(); ++i) {
    same.y(i) = static_cast<double>((i * 37) % same.rows()) - 100.0;
  }
  same.X.col(0) = same.y.array().exp();
  CHECK(RankColumns(same, 1).front().column == 0);
  CHECK(RankColumns(same, 1).front().score == doctest::Approx(1.0));
  // A constant column scores 0; a constant target gives every column 0.
  same.X.col(0).setConstant(2.0);
  for (const ColumnScore& s : RankColumns(same, 50)) {
    if (s.column == 0) CHECK(s.score == 0.0);
  }
  same.y.setConstant(1.0);
  for (const ColumnScore& s : RankColumns(same, 50)) CHECK(s.score == 0.0);
}

TEST_CASE("The screen option: K, auto or off, with K of 1 or more") {
  CHECK(ParseScreen("auto") == kScreenAuto);
  CHECK(ParseScreen("off") == kScreenOff);
  CHECK(ParseScreen("7") == 7);
  for (const char* bad : {"0", "-2", "1.5", "", "all", "3x"}) {
    CAPTURE(bad);
    try {
      (void)ParseScreen(bad);
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find("screen") != std::string::npos);
      CHECK(std::string(e.what()).find("'" + std::string(bad) + "'") != std::string::npos);
    }
  }
  CHECK(ScreenToString(kScreenAuto) == "auto");
  CHECK(ScreenToString(kScreenOff) == "off");
  CHECK(ScreenToString(12) == "12");
  CHECK(ScreenedColumns(kScreenOff, 500) == 500);
  CHECK(ScreenedColumns(kScreenAuto, kScreenAutoAbove) == kScreenAutoAbove);
  CHECK(ScreenedColumns(kScreenAuto, kScreenAutoAbove + 1) == kScreenAutoKeep);
  CHECK(ScreenedColumns(5, 40) == 5);
  CHECK(ScreenedColumns(100, 40) == 40);  // more than there are: all of them
}

TEST_CASE("KeepColumns keeps the listed columns in the data's order") {
  const Dataset data = WideData(
      6, 10, "1", [](const Eigen::VectorXd& x) { return x(0); }, 1);
  const Dataset kept = KeepColumns(data, {4, 1});
  REQUIRE(kept.num_variables() == 2);
  CHECK(kept.names == std::vector<std::string>{"x2", "x5"});
  CHECK(kept.dimensions[1] == data.dimensions[4]);
  CHECK(kept.X.col(0) == data.X.col(1));
  CHECK(kept.X.col(1) == data.X.col(4));
  CHECK(kept.y == data.y);
}

TEST_CASE("A screened search runs over the kept columns; its result names every column") {
  const auto law = [](const Eigen::VectorXd& x) { return x(2) * x(3) / x(1); };
  const Dataset data = WideData(60, 200, "kg/s", law, 5);
  SearchConfig config;
  config.training.batch_size = 500;
  config.stopping.max_epochs = 30;
  config.seed = 3;
  config.screen = 6;
  const SearchResult r = RunSearch(data, config);
  REQUIRE(r.screening.has_value());
  CHECK(r.screening->columns == 60);
  REQUIRE(r.screening->kept.size() == 6);
  CHECK(Top(r.screening->kept, 3) == std::set<std::string>{"x2", "x3", "x4"});
  CHECK(r.library.num_variables() == 60);
  REQUIRE(r.best.has_value());
  CHECK(r.best->nrmse < 1e-6);
  // The formulas read the data's columns through the widened library: their values on the
  // whole data reproduce the reported error.
  for (const Formula& f : r.pareto) {
    CAPTURE(f.infix);
    const CompiledProgram compiled = Compile(f.program, r.library);
    Evaluator evaluator;
    Eigen::VectorXd out(data.rows());
    REQUIRE(
        evaluator.Evaluate(compiled, data.X, f.program.constants,
                           std::span<double>(out.data(), static_cast<std::size_t>(out.size()))));
    const double rmse = std::sqrt((out - data.y).squaredNorm() / static_cast<double>(data.rows()));
    CHECK(rmse == doctest::Approx(f.rmse).epsilon(1e-6).scale(1e-9));
  }
  // Screening off, or K at least the width, searches every column and reports no screening.
  config.screen = kScreenOff;
  config.stopping.max_epochs = 1;
  CHECK_FALSE(RunSearch(data, config).screening.has_value());
  config.screen = 60;
  CHECK_FALSE(RunSearch(data, config).screening.has_value());
}

TEST_CASE("CompleteUnits adds the first columns the target's units need, only those") {
  // Units cycle m, s, kg, 1; the target is in kg/s.
  const Dataset data = WideData(
      12, 10, "kg/s", [](const Eigen::VectorXd& x) { return x(0); }, 2);
  CHECK(CompleteUnits(data, {1, 2}, {}) == std::vector<int>{1, 2});
  CHECK(CompleteUnits(data, {1}, {}) == std::vector<int>{1, 2});
  CHECK(CompleteUnits(data, {3}, {}) == std::vector<int>{3, 1, 2});
  // A constant's units count: with a constant in kg, the s column alone suffices.
  CHECK(CompleteUnits(data, {5}, {units::ParseUnit("kg")}) == std::vector<int>{5});
  // A target no column can reach is left as it is.
  Dataset amps = data;
  amps.target_dimension = units::ParseUnit("A");
  CHECK(CompleteUnits(amps, {0}, {}) == std::vector<int>{0});
}

}  // namespace physr
