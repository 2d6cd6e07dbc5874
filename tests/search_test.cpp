#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <numbers>
#include <string>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/exact_number.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/printer.hpp"
#include "physr/fit/metrics.hpp"
#include "physr/search/engine.hpp"
#include "physr/search/evaluate_formula.hpp"
#include "physr/search/pareto_front.hpp"
#include "physr/search/restarts.hpp"
#include "physr/search/sampler.hpp"
#include "physr/search/search.hpp"
#include "physr/search/simplify.hpp"
#include "physr/units/unit_parser.hpp"
#include "support/input_error.hpp"

namespace physr {
namespace {

FrontEntry Entry(std::vector<TokenId> tokens, double complexity, double loss) {
  FrontEntry e;
  e.program.tokens = std::move(tokens);
  e.complexity = complexity;
  e.loss = loss;
  return e;
}

// A dataset from a closure over named columns with units, uniform inputs in [lo, hi].
Dataset MakeData(const std::vector<std::pair<std::string, std::string>>& inputs,
                 const std::string& target, const std::string& target_unit,
                 const std::function<double(const Eigen::VectorXd&)>& law, int rows,
                 std::uint64_t seed, double lo = 0.5, double hi = 3.0) {
  Dataset d;
  Rng rng(seed);
  d.X.resize(rows, static_cast<Eigen::Index>(inputs.size()));
  for (const auto& [name, unit] : inputs) {
    d.names.push_back(name);
    d.dimensions.push_back(units::ParseUnit(unit));
  }
  d.target_name = target;
  d.target_dimension = units::ParseUnit(target_unit);
  d.y.resize(rows);
  for (int r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < d.X.cols(); ++c) d.X(r, c) = rng.Uniform(lo, hi);
    d.y(r) = law(d.X.row(r).transpose());
  }
  return d;
}

SearchConfig SmallConfig(std::uint64_t seed) {
  SearchConfig config;
  config.training.batch_size = 500;
  config.stopping.max_epochs = 60;
  config.seed = seed;
  config.priors.max_length = 20;
  return config;
}

}  // namespace

TEST_CASE("ParetoFront keeps the most accurate formula per complexity, non-dominated") {
  ParetoFront front;
  CHECK(front.Offer(Entry({1}, 1, 0.5)));
  CHECK(front.Offer(Entry({1, 2, 3}, 3, 0.1)));
  CHECK_FALSE(front.Offer(Entry({4, 5, 6}, 3, 0.2)));        // same complexity, worse
  CHECK_FALSE(front.Offer(Entry({4, 5, 6, 7, 8}, 5, 0.3)));  // dominated by complexity 3
  CHECK(front.Offer(Entry({2, 2, 2}, 3, 0.05)));             // replaces the complexity-3 entry
  CHECK(front.Offer(Entry({1, 1, 1, 1, 1}, 5, 0.0)));
  CHECK_FALSE(front.Offer(Entry({9}, 1, std::nan(""))));
  REQUIRE(front.entries().size() == 3);
  CHECK(front.entries()[0].loss == 0.5);
  CHECK(front.entries()[1].loss == 0.05);
  CHECK(front.entries()[2].loss == 0.0);
  // A simpler exact formula evicts every more complex entry.
  CHECK(front.Offer(Entry({3}, 1, 0.0)));
  REQUIRE(front.entries().size() == 1);
  CHECK(front.MostAccurate()->program.tokens == std::vector<TokenId>{3});
}

TEST_CASE("ParetoFront ties do not depend on arrival order") {
  ParetoFront a, b;
  a.Offer(Entry({1, 2}, 2, 0.25));
  a.Offer(Entry({1, 1}, 2, 0.25));
  b.Offer(Entry({1, 1}, 2, 0.25));
  b.Offer(Entry({1, 2}, 2, 0.25));
  REQUIRE(a.entries().size() == 1);
  REQUIRE(b.entries().size() == 1);
  CHECK(a.entries()[0].program.tokens == b.entries()[0].program.tokens);
}

TEST_CASE("ParetoFront::Best picks the simplest perfect fit, else the information criterion") {
  // Tokens 0–7 are variables; 8 and 9 free constants (fitted values count 2 each).
  Library library;
  for (int i = 0; i < 8; ++i) library.AddVariable("x" + std::to_string(i), Dimension());
  library.AddFreeConstant("C1", Dimension());
  library.AddFreeConstant("C2", Dimension());

  ParetoFront front;
  front.Offer(Entry({1}, 1, 1.0));
  front.Offer(Entry({1, 2, 3}, 3, 1e-9));
  front.Offer(Entry({1, 2, 3, 4, 5}, 5, 1e-12));
  CHECK(front.Best(1e-6, 100, library)->complexity == 3);

  // 2·rows·ln(loss) + 4·complexity: for 100 rows the 1 % gain of complexity 5 is noise
  // (−2.0 + 8 against complexity 3); for 10 000 rows it is not (−201 + 8).
  ParetoFront noisy;
  noisy.Offer(Entry({1}, 1, 1.0));
  noisy.Offer(Entry({1, 2, 3}, 3, 0.10));
  noisy.Offer(Entry({1, 2, 3, 4, 5}, 5, 0.099));
  CHECK(noisy.Best(1e-6, 100, library)->complexity == 3);
  CHECK(noisy.Best(1e-6, 10000, library)->complexity == 5);
  // A larger price per unit of complexity buys the simpler one back.
  CHECK(noisy.Best(1e-6, 10000, library, 120.0)->complexity == 3);
  CHECK(SelectionCriterion(0.099, 5, 0, 10000) == doctest::Approx(20000 * std::log(0.099) + 20));
  // Fitted values count too, ln(rows) each: two of them tip 100 rows' −2.0 + 8 further the
  // same way, 1000 rows' −10.0 + 8 back (+13.8), and cannot outweigh 10 000 rows' −201.
  ParetoFront fitted;
  fitted.Offer(Entry({1, 2, 3}, 3, 0.10));
  fitted.Offer(Entry({8, 9, 3, 4, 5}, 5, 0.0995));
  CHECK(fitted.Best(1e-6, 100, library)->complexity == 3);
  CHECK(fitted.Best(1e-6, 1000, library)->complexity == 3);
  CHECK(fitted.Best(1e-6, 10000, library)->complexity == 5);
  CHECK(SelectionCriterion(0.0995, 5, CountFreeConstants(std::vector<TokenId>{8, 9, 8}, library),
                           1000) ==
        doctest::Approx(2000 * std::log(0.0995) + 20 + 2 * std::log(1000.0)));

  // Equal losses further up the front do not beat a simple entry.
  ParetoFront flat;
  flat.Offer(Entry({1, 2, 3}, 7, 0.00806));
  flat.Offer(Entry({1, 2, 3, 4}, 16, 0.00806 * (1 - 1e-9)));
  flat.Offer(Entry({1, 2, 3, 4, 5}, 35, 0.00806 * (1 - 2e-9)));
  CHECK(flat.Best(1e-6, 1e6, library)->complexity == 7);

  // A noisy front of ½·m·(u² + v² + w²) (2000 rows, noise 10 % of rms(y)): the law at
  // complexity 14 sits at the noise floor; the shorter (u + v + w)²-shaped formula has a large
  // PySR score (a big step down in loss per token) but is 23 % worse, and the longer entries
  // only refit the noise.
  ParetoFront law;
  law.Offer(Entry({1}, 4, 0.99247));
  law.Offer(Entry({2}, 7, 0.59549));
  law.Offer(Entry({3}, 9, 0.42896));
  law.Offer(Entry({4}, 10, 0.24842));
  law.Offer(Entry({5}, 14, 0.20233));
  law.Offer(Entry({6}, 19, 0.20222));
  law.Offer(Entry({7}, 33, 0.20191));
  CHECK(law.Best(1e-6, 2000, library)->complexity == 14);

  // Few rows (ten measured orbits): a simple law three times less accurate than a
  // 31-token formula that bends through every point is the better model.
  ParetoFront measured;
  measured.Offer(Entry({1}, 8, 0.0030));
  measured.Offer(Entry({2}, 31, 0.0010));
  CHECK(measured.Best(1e-6, 10, library)->complexity == 8);
  CHECK(measured.Best(1e-6, 1000, library)->complexity == 31);
}

TEST_CASE("A front given the rows prices fitted constants as the selection criterion does") {
  // Tokens 0–3 are variables; 4 and 5 free constants.
  Library library;
  for (int i = 0; i < 4; ++i) library.AddVariable("x" + std::to_string(i), Dimension());
  library.AddFreeConstant("C1", Dimension());
  library.AddFreeConstant("C2", Dimension());
  const double rows = 2000;
  const double factor = std::exp(std::log(rows) / (2 * rows));  // 1.0019 per constant

  // The law without constants, then a formula as long whose constant fits the noise: 0.02 %
  // closer, less than its constant's price. The plain front trades the law for it.
  const FrontEntry law = Entry({0, 1, 2}, 10, 0.265057);
  const FrontEntry rival = Entry({4, 1, 2}, 10, 0.265010);
  ParetoFront plain;
  plain.Offer(law);
  plain.Offer(rival);
  REQUIRE(plain.entries().size() == 1);
  CHECK(plain.entries()[0].program.tokens == rival.program.tokens);
  ParetoFront priced(library, rows);
  priced.Offer(law);
  CHECK_FALSE(priced.Offer(rival));
  REQUIRE(priced.entries().size() == 1);
  CHECK(priced.entries()[0].program.tokens == law.program.tokens);
  // The same in the other order: the law evicts the rival.
  ParetoFront reversed = priced.Emptied();
  CHECK(reversed.Offer(rival));
  CHECK(reversed.Offer(law));
  REQUIRE(reversed.entries().size() == 1);
  CHECK(reversed.entries()[0].program.tokens == law.program.tokens);

  // A constant that buys more than its price is kept, and one that buys less is dropped also
  // against a simpler entry; a longer entry with fewer constants may then be less accurate.
  ParetoFront front(library, rows);
  CHECK(front.Offer(Entry({0}, 3, 0.5)));
  CHECK(front.Offer(Entry({4, 0}, 5, 0.5 / factor / 1.0001)));                    // pays for C1
  CHECK_FALSE(front.Offer(Entry({5, 4, 0}, 7, 0.5 / factor / 1.0001 / 1.0001)));  // C2 does not
  CHECK(front.Offer(Entry({0, 1}, 9, 0.5 / factor * 1.0001)));  // no constant: key lower
  REQUIRE(front.entries().size() == 3);
  CHECK(front.entries()[2].loss > front.entries()[1].loss);
  CHECK(front.MostAccurate()->complexity == 5);
}

TEST_CASE("A priced front's Best is the best by the criterion of every formula offered") {
  // Property against a brute-force minimum: random formulas (complexity, loss, constants, some
  // used twice) over a library of one variable and three free constants; whatever the rows
  // and the penalty, the
  // front keeps the formula the criterion ranks first among all offered.
  Library library;
  library.AddVariable("x", Dimension());
  for (int i = 1; i <= 3; ++i) library.AddFreeConstant("C" + std::to_string(i), Dimension());
  Rng rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const double rows = std::floor(rng.Uniform(5.0, 20000.0));
    const double penalty = rng.Uniform(0.0, 8.0);
    ParetoFront front(library, rows);
    std::vector<FrontEntry> offered;
    for (int k = 0; k < 30; ++k) {
      std::vector<TokenId> tokens = {0};
      // Up to four constant tokens drawn from three: a constant may be used twice (one fit).
      const int constants = static_cast<int>(rng.Uniform(0.0, 5.0));
      for (int c = 0; c < constants; ++c) {
        tokens.push_back(static_cast<TokenId>(1 + static_cast<int>(rng.Uniform(0.0, 3.0))));
      }
      for (int pad = 0; pad < k; ++pad) tokens.push_back(0);  // distinct token sequences
      const double complexity = std::floor(rng.Uniform(1.0, 20.0));
      const double loss = 0.2 * (1.0 + rng.Uniform(0.0, 0.01));
      offered.push_back(Entry(tokens, complexity, loss));
      front.Offer(offered.back());
    }
    const auto criterion = [&](const FrontEntry& e) {
      return SelectionCriterion(e.loss, e.complexity, CountFreeConstants(e.program.tokens, library),
                                rows, penalty);
    };
    double best = std::numeric_limits<double>::infinity();
    for (const FrontEntry& e : offered) best = std::min(best, criterion(e));
    const FrontEntry* chosen = front.Best(1e-9, rows, library, penalty);
    REQUIRE(chosen != nullptr);
    CHECK(criterion(*chosen) == doctest::Approx(best).epsilon(1e-12));
  }
}

TEST_CASE("SamePredictions: apart by less than rounding allows and than either's error") {
  const std::vector<double> y = {1.0, 2.0, 3.0};
  const std::vector<double> a = {1.5, 1.5, 3.5};  // rms error about 0.5
  CHECK(SamePredictions(a, std::vector<double>{1.5 + 1e-15, 1.5, 3.5 - 4e-16}, y, 1.0));
  CHECK(SamePredictions(a, std::vector<double>{1.5 + 1e-6, 1.5, 3.5}, y, 1.0));
  CHECK_FALSE(SamePredictions(a, std::vector<double>{1.5 + 1e-5, 1.5, 3.5}, y, 1.0));
  // On the target's scale: the same difference on a target spread 100 times wider.
  CHECK(SamePredictions(a, std::vector<double>{1.5 + 1e-5, 1.5, 3.5}, y, 100.0));
  // An exact formula is not the same model as an approximation 1e-7 away from it.
  const std::vector<double> exact = {1.0, 2.0, 3.0};
  CHECK_FALSE(SamePredictions(exact, std::vector<double>{1.0 + 1e-7, 2.0, 3.0}, y, 1.0));
  CHECK(SamePredictions(exact, std::vector<double>{1.0, 2.0, 3.0}, y, 1.0));
  CHECK_FALSE(SamePredictions(a, std::vector<double>{1.5, 1.5}, y, 1.0));
  CHECK_FALSE(SamePredictions(a, std::vector<double>{1.5, 1.5, std::nan("")}, y, 1.0));
}

TEST_CASE("KeepDistinctModels reports each model once, in its simplest form") {
  // E = m*c^2 with a small bend: the rest-energy term alone is a model with a visible loss,
  // which rounding lets three forms of it reach at losses 1e-16 apart.
  const Dataset d = MakeData(
      {{"m", "kg"}, {"c", "m/s"}}, "E", "J",
      [](const Eigen::VectorXd& x) { return x(0) * x(1) * x(1) * (1.0 + 0.1 * x(1)); }, 40, 3);
  SearchConfig config;
  Library library = BuildSearchLibrary(d, config.library);
  // The front of (formula, loss) pairs, each of which must enter it.
  const auto front_of = [&](std::initializer_list<std::pair<const char*, double>> offers) {
    ParetoFront front;
    for (const auto& [formula, loss] : offers) {
      FrontEntry e;
      e.program = ParseFormula(formula, library);
      e.complexity = Complexity(e.program.tokens, library);
      e.loss = loss;
      REQUIRE(front.Offer(e));
    }
    return front;
  };
  ParetoFront front =
      front_of({{"c^2*m", 0.3}, {"m*c*c", 0.3 - 1e-16}, {"(sqrt(c)^2)^2*m", 0.3 - 2e-16}});
  REQUIRE(front.entries().size() == 3);
  front.KeepDistinctModels(library, d);
  REQUIRE(front.entries().size() == 1);
  CHECK(ToInfix(front.entries()[0].program, library) == "c^2*m");

  // A constant that differs in its fourth digit is another model; in its eighth, the same.
  ParetoFront noisy =
      front_of({{"m*c^2", 0.3}, {"1.0001*m*c^2", 0.29}, {"1.00010001*m*c*c", 0.2899}});
  REQUIRE(noisy.entries().size() == 3);
  noisy.KeepDistinctModels(library, d);
  REQUIRE(noisy.entries().size() == 2);
  CHECK(ToInfix(noisy.entries()[1].program, library) == "1.0001*m*c^2");

  // The exact law is kept beside a simpler approximation 1e-7 away from it.
  const Dataset tiny = MakeData(
      {{"m", "kg"}, {"c", "m/s"}}, "E", "J",
      [](const Eigen::VectorXd& x) { return x(0) * x(1) * x(1) * (1.0 + 1e-7 * x(1)); }, 40, 3);
  ParetoFront exact = front_of({{"m*c^2", 1e-7}, {"m*c^2*(1 + 1e-7*c)", 1e-9}});
  exact.KeepDistinctModels(library, tiny);
  CHECK(exact.entries().size() == 2);
}

TEST_CASE("BuildSearchLibrary adds variables, the constant 1 and default free constants") {
  const Dataset d = MakeData(
      {{"m", "kg"}, {"a", "m/s^2"}}, "F", "N", [](const Eigen::VectorXd& x) { return x(0) * x(1); },
      10, 1);
  SearchConfig config;
  const Library lib = BuildSearchLibrary(d, config.library);
  CHECK(lib.num_variables() == 2);
  CHECK(lib.num_free_constants() == 2);
  CHECK(lib.Find("C1"));
  CHECK(lib.Find("C2"));
  REQUIRE(lib.Find("1"));
  CHECK(lib[*lib.Find("1")].value == 1.0);
  CHECK(lib.FindOperator(OpCode::kCos));
  config.library.operators = {"mul", "frobnicate"};
  CHECK_THROWS_AS(BuildSearchLibrary(d, config.library), InputError);
}

namespace {

// `v` written with `digits` significant digits, and half a unit in its last nonzero digit.
std::pair<double, double> Rounded(double v, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*e", digits - 1, v);
  std::string mantissa(text, std::strchr(text, 'e'));
  const int exponent = std::atoi(std::strchr(text, 'e') + 1);
  while (mantissa.back() == '0') mantissa.pop_back();
  if (mantissa.back() == '.') mantissa.pop_back();
  int shown = 0;
  for (const char c : mantissa) shown += std::isdigit(static_cast<unsigned char>(c)) ? 1 : 0;
  return {std::strtod(text, nullptr), 0.5 * std::pow(10.0, exponent - (shown - 1))};
}

}  // namespace

TEST_CASE("ExactThreshold follows the digits the target is written with") {
  const Dataset d = MakeData(
      {{"m", "kg"}}, "E", "J", [](const Eigen::VectorXd& x) { return x(0); }, 200, 3, 1.0, 10.0);
  // Full double precision: the floor, so a 1e-7 approximation is not exact.
  CHECK(ExactThreshold(d) == 1e-9);
  // Rounded to 10 and to 6 significant digits: 100 times the rms rounding error over the
  // spread, clamped to [1e-9, 1e-6].
  for (const int digits : {10, 6}) {
    CAPTURE(digits);
    Dataset rounded = d;
    double sum_squares = 0.0;
    for (Eigen::Index i = 0; i < rounded.y.size(); ++i) {
      const auto [value, half_step] = Rounded(d.y[i], digits);
      rounded.y[i] = value;
      sum_squares += half_step * half_step / 3.0;
    }
    const double mean = rounded.y.mean();
    const double spread = std::sqrt((rounded.y.array() - mean).square().mean());
    const double expected = 100.0 * std::sqrt(sum_squares / 200.0) / spread;
    if (digits == 10) {
      REQUIRE(expected > 1e-9);
      REQUIRE(expected < 1e-6);
      CHECK(ExactThreshold(rounded) == doctest::Approx(expected).epsilon(1e-9));
    } else {
      REQUIRE(expected > 1e-6);
      CHECK(ExactThreshold(rounded) == 1e-6);
    }
  }
  // The scale of the values does not matter, however small.
  Dataset tiny = d;
  tiny.y *= 1e-200;
  CHECK(ExactThreshold(tiny) == 1e-9);
  Dataset tiny_six = tiny;
  for (double& v : tiny_six.y) v = Rounded(v, 6).first;
  CHECK(ExactThreshold(tiny_six) == 1e-6);
  // A constant target gets the loosest threshold.
  Dataset constant = d;
  constant.y.setConstant(2.5);
  CHECK(ExactThreshold(constant) == 1e-6);
}

TEST_CASE("NumericallyStable tells formulas of the data from rounding residues") {
  // Ten orbits: T = 3e-10·a^(3/2), a from 5e10 to 5e12 m.
  const Dataset d = MakeData(
      {{"a", "m"}}, "T", "s",
      [](const Eigen::VectorXd& x) { return 3e-10 * x(0) * std::sqrt(x(0)); }, 10, 8, 5e10, 5e12);
  SearchConfig config;
  Library library = BuildSearchLibrary(d, config.library);
  const auto stable = [&](const char* formula) {
    CAPTURE(formula);
    return NumericallyStable(ParseFormula(formula, library), library, d);
  };
  CHECK(stable("3e-10*a*sqrt(a)"));
  // Steep but honest: exp(a/1e11) grows by e^50 over the range; in long double its value
  // moves by about 1e-16 of itself.
  CHECK(stable("3e-10*a*sqrt(a)*exp(a/1e11)/exp(50)"));
  // (a + 1e-15·a − a) is a rounding residue of a: 1e-15·a rounded to a's unit in the last
  // place, which long double (11 more bits) rounds differently.
  CHECK_FALSE(stable("(a + a*1e-15 - a)*sqrt(a)*3e5"));
  // The same algebra without the cancellation is fine.
  CHECK(stable("(a*1e-15)*sqrt(a)*3e5"));
}

TEST_CASE("RunSearch rejects a target no expression can reach, with a clear message") {
  const Dataset d = MakeData(
      {{"m", "kg"}}, "x", "m", [](const Eigen::VectorXd& x) { return x(0); }, 10, 2);
  SearchConfig config = SmallConfig(1);
  config.library.default_free_constants = false;
  try {
    RunSearch(d, config);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("no dimensionally valid expression") != std::string::npos);
  }
}

TEST_CASE("Seeded searches recover easy laws within an epoch cap") {
  struct Case {
    const char* name;
    Dataset data;
  };
  std::vector<Case> cases;
  cases.push_back({"F = m*a", MakeData(
                                  {{"m", "kg"}, {"a", "m/s^2"}}, "F", "kg*m/s^2",
                                  [](const Eigen::VectorXd& x) { return x(0) * x(1); }, 100, 11)});
  cases.push_back({"v = d/t", MakeData(
                                  {{"d", "m"}, {"t", "s"}}, "v", "m/s",
                                  [](const Eigen::VectorXd& x) { return x(0) / x(1); }, 100, 12)});
  cases.push_back(
      {"E = m*v^2/2",
       MakeData(
           {{"m", "kg"}, {"v", "m/s"}}, "E", "J",
           [](const Eigen::VectorXd& x) { return 0.5 * x(0) * x(1) * x(1); }, 100, 13)});
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const SearchResult r = RunSearch(c.data, SmallConfig(5));
    REQUIRE(r.best.has_value());
    CHECK(r.stop_reason == StopReason::kPerfectFit);
    CHECK(r.best->nrmse < 1e-6);
    CHECK(r.best->r2 > 1 - 1e-10);
    CHECK(r.invalid == 0);
  }
}

TEST_CASE(
    "After the first exact formula the search runs as many epochs as finding it took, 3 to 10") {
  StoppingOptions stopping;
  CHECK_FALSE(stopping.perfect_patience.has_value());
  CHECK(stopping.PatienceAfter(1) == StoppingOptions::kAutoPatienceMin);
  CHECK(stopping.PatienceAfter(3) == 3);
  CHECK(stopping.PatienceAfter(4) == 4);
  CHECK(stopping.PatienceAfter(10) == 10);
  CHECK(stopping.PatienceAfter(37) == StoppingOptions::kAutoPatienceCap);
  stopping.perfect_patience = 0;
  CHECK(stopping.PatienceAfter(3) == 0);
  stopping.perfect_patience = 10;  // an explicit patience is honoured as given
  CHECK(stopping.PatienceAfter(1) == 10);
  CHECK(stopping.PatienceAfter(37) == 10);

  // F = m·a is found in the first epoch; with 50 samples an epoch and no evolution,
  // v = d/t + a·t takes a few. Either way the run stops "perfect fit" PatienceAfter(e) epochs
  // after the epoch e of the first exact formula: e more by default (3 to 10), exactly the
  // patience given otherwise (0: at e itself).
  const Dataset force = MakeData(
      {{"m", "kg"}, {"a", "m/s^2"}}, "F", "kg*m/s^2",
      [](const Eigen::VectorXd& x) { return x(0) * x(1); }, 100, 11);
  const Dataset speed = MakeData(
      {{"d", "m"}, {"t", "s"}, {"a", "m/s^2"}}, "v", "m/s",
      [](const Eigen::VectorXd& x) { return x(0) / x(1) + x(2) * x(1); }, 100, 21);
  SearchConfig slow = SmallConfig(2);
  slow.training.batch_size = 50;
  slow.evolution.offspring = 0;
  int later = 0;  // runs whose first exact formula came after epoch 1
  for (const auto& [data, base] : {std::pair{&force, SmallConfig(5)}, std::pair{&speed, slow}}) {
    for (const int patience : {-1, 3, 0}) {  // -1: the default rule
      CAPTURE(patience);
      SearchConfig config = base;
      // The policy's own epochs: the enumeration and the groups find these laws at once.
      config.enumerate.mode = EnumerateMode::kOff;
      config.groups = GroupsMode::kOff;
      if (patience >= 0) config.stopping.perfect_patience = patience;
      const SearchResult r = RunSearch(*data, config);
      CHECK(r.stop_reason == StopReason::kPerfectFit);
      REQUIRE(r.first_exact_epoch >= 1);
      const int after = patience >= 0 ? patience : std::clamp(r.first_exact_epoch, 3, 10);
      CHECK(r.epochs == r.first_exact_epoch + after);
      REQUIRE(r.best.has_value());
      CHECK(r.best->nrmse <= r.exact_nrmse);
      if (r.first_exact_epoch > 1) ++later;
    }
  }
  CHECK(later > 0);
}

TEST_CASE("Sampler: past the deadline the rows still growing are cut, not counted dead") {
  const Dataset force = MakeData(
      {{"m", "kg"}, {"a", "m/s^2"}}, "F", "kg*m/s^2",
      [](const Eigen::VectorXd& x) { return x(0) * x(1); }, 20, 3);
  const Library library = BuildSearchLibrary(force, LibraryOptions{});
  DimensionLatticeOptions lattice_options;
  lattice_options.max_length = 20;
  const DimensionLattice lattice(library, force.target_dimension, lattice_options);
  PriorOptions prior_options;
  prior_options.max_length = 20;
  const PriorSet priors = MakeDefaultPriors(lattice, prior_options);
  const ObservationEncoder encoder(lattice);
  LstmPolicyOptions policy_options;
  policy_options.input_size = encoder.feature_size();
  policy_options.num_tokens = static_cast<int>(library.size());
  policy_options.hidden_size = 16;
  const LstmPolicy policy(policy_options);
  Sampler sampler(lattice, priors, encoder, 64, 20);
  Rng rng(5);
  const SampleBatch& full = sampler.Sample(policy, rng);
  CHECK(full.cut == 0);
  CHECK(full.programs.size() + static_cast<std::size_t>(full.dead_ends) >= 64);
  const auto past = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  const SampleBatch& cut = sampler.Sample(policy, rng, past);
  CHECK(cut.programs.empty());
  CHECK(cut.cut == 64);
  CHECK(cut.dead_ends == 0);

  // A search whose time limit has run out before its first batch ends that epoch at once,
  // with what it has: nothing sampled, no breeding, stopped by the time limit.
  SearchConfig config = SmallConfig(1);
  config.stopping.max_epochs = 0;
  config.stopping.time_limit_seconds = 1e-9;
  const SearchResult r = RunSearch(force, config);
  CHECK(r.stop_reason == StopReason::kTimeLimit);
  CHECK(r.epochs == 1);
  CHECK(r.evaluations == 0);
  CHECK(r.dead_ends == 0);
}

TEST_CASE("On noisy data the search selects the law, with no fitted stand-in for 1") {
  // F = m·a with noise of 10 % of rms(F): nothing is exact. The selected formula must be the
  // law itself (2·m·a/2 and the like pass), not a formula that refits the noise, and no
  // constant may remain (a fitted 1.003 becomes 1). The same with per-row weights.
  Dataset d = MakeData(
      {{"m", "kg"}, {"a", "m/s^2"}}, "F", "kg*m/s^2",
      [](const Eigen::VectorXd& x) { return x(0) * x(1); }, 400, 31);
  Rng rng(32);
  const double rms = std::sqrt(d.y.squaredNorm() / static_cast<double>(d.rows()));
  for (Eigen::Index i = 0; i < d.rows(); ++i) d.y(i) += 0.1 * rms * rng.Normal();
  for (const bool weighted : {false, true}) {
    CAPTURE(weighted);
    Dataset data = d;
    if (weighted) {
      data.weights.resize(d.rows());
      for (Eigen::Index i = 0; i < d.rows(); ++i)
        data.weights(i) = 1e-200 * static_cast<double>(1 + i % 3);
    }
    SearchConfig config = SmallConfig(6);
    config.stopping.max_epochs = 4;
    config.evolution.offspring = 200;
    const SearchResult r = RunSearch(data, config);
    REQUIRE(r.best.has_value());
    CHECK(r.stop_reason == StopReason::kEpochs);
    CHECK(r.best->constants.empty());
    const Library library = BuildSearchLibrary(data, config.library);
    std::vector<double> constants = r.best->program.constants;
    constants.resize(
        std::max(constants.size(), static_cast<std::size_t>(library.num_free_constants())), 1.0);
    std::vector<double> prediction(static_cast<std::size_t>(d.rows()));
    Evaluator evaluator;
    REQUIRE(evaluator.Evaluate(Compile(r.best->program, library), data.X, constants, prediction));
    double worst = 0.0;  // largest relative difference from m·a
    for (Eigen::Index i = 0; i < d.rows(); ++i) {
      const double law = data.X(i, 0) * data.X(i, 1);
      worst = std::max(worst, std::abs(prediction[static_cast<std::size_t>(i)] - law) / law);
    }
    CHECK(worst < 1e-12);
    // The front still lists more accurate, longer formulas than the selected one.
    CHECK(r.pareto.back().nrmse <= r.best->nrmse);
  }
}

TEST_CASE("The same seed gives the same Pareto front with 1 or 2 threads") {
  const Dataset d = MakeData(
      {{"m", "kg"}, {"v", "m/s"}, {"h", "m"}}, "E", "J",
      [](const Eigen::VectorXd& x) { return x(0) * 9.81 * x(2) + 0.5 * x(0) * x(1) * x(1); }, 60,
      21);
  SearchConfig config = SmallConfig(9);
  config.stopping.max_epochs = 4;
  config.training.batch_size = 300;
  config.threads = 1;
  const SearchResult one = RunSearch(d, config);
  config.threads = 2;
  const SearchResult two = RunSearch(d, config);
  REQUIRE(one.pareto.size() == two.pareto.size());
  for (std::size_t i = 0; i < one.pareto.size(); ++i) {
    CHECK(one.pareto[i].program == two.pareto[i].program);
    CHECK(one.pareto[i].nrmse == two.pareto[i].nrmse);
  }
  CHECK(one.evaluations == two.evaluations);
}

TEST_CASE("The engine keeps one state: counters and a report per epoch") {
  const Dataset d = MakeData(
      {{"x", "m"}, {"t", "s"}}, "v", "m/s",
      [](const Eigen::VectorXd& x) {
        return 1.5 * x(0) / x(1) * (1.0 + 0.05 * std::cos(29.0 * x(1)));
      },
      40, 5);
  SearchConfig config = SmallConfig(3);
  config.stopping.max_epochs = 3;
  config.stopping.perfect_nrmse = 0.0;  // with the wobble nothing is exact: the limit stops it
  config.training.batch_size = 64;
  config.evolution.offspring = 50;
  config.threads = 1;
  SearchEngine engine(d, config);
  CHECK(engine.state().counters.epochs == 0);
  CHECK(engine.state().history.empty());
  const SearchResult r = engine.Run();
  const SearchState& state = engine.state();
  CHECK(r.stop_reason == StopReason::kEpochs);
  CHECK(state.counters.epochs == 3);
  CHECK(r.epochs == state.counters.epochs);
  CHECK(r.evaluations == state.counters.evaluations);
  CHECK(r.bred == state.counters.bred);
  CHECK(r.bred > 0);
  CHECK(r.sampled >= 3 * 64);
  REQUIRE(state.history.size() == 3);
  REQUIRE(r.history.size() == 3);
  std::int64_t previous = 0;
  for (std::size_t i = 0; i < state.history.size(); ++i) {
    const EpochReport& e = state.history[i];
    CAPTURE(i);
    CHECK(e.epoch == static_cast<int>(i) + 1);
    CHECK(e.evaluations > previous);
    CHECK(e.seconds >= 0.0);
    CHECK(e.best_nrmse == r.history[i].best_nrmse);
    previous = e.evaluations;
  }
  CHECK(state.history.back().evaluations == r.evaluations);
  CHECK(state.history.back().best_nrmse == state.counters.best_nrmse);
  CHECK(!state.front.empty());
}

TEST_CASE("Every stop reason has its own text, the result file's") {
  CHECK(ToString(StopReason::kPerfectFit) == "perfect fit");
  CHECK(ToString(StopReason::kEpochs) == "epochs");
  CHECK(ToString(StopReason::kTimeLimit) == "time limit");
  CHECK(ToString(StopReason::kEvaluations) == "evaluations");
  CHECK(ToString(StopReason::kInterrupted) == "interrupted");
}

TEST_CASE("A run without limits gets the default epoch limit, and only then") {
  StoppingOptions none;
  CHECK_FALSE(none.HasLimit());
  none.ApplyDefaultLimit();
  CHECK(none.max_epochs == kDefaultEpochs);
  StoppingOptions timed;
  timed.time_limit_seconds = 5.0;
  timed.ApplyDefaultLimit();
  CHECK(timed.max_epochs == 0);
  StoppingOptions counted;
  counted.max_evaluations = 100;
  counted.ApplyDefaultLimit();
  CHECK(counted.max_epochs == 0);
  // A negative limit is left for Validate to reject, not replaced.
  SearchConfig invalid;
  invalid.stopping.max_epochs = -1;
  invalid.stopping.ApplyDefaultLimit();
  CHECK(invalid.stopping.max_epochs == -1);
  CHECK_THROWS_AS(invalid.Validate(), InputError);
}

TEST_CASE("A stop flag or on_epoch ends the run after the epoch, as interrupted") {
  // A wobble no formula of this library fits exactly: the limits, not a perfect fit, decide.
  const Dataset d = MakeData(
      {{"x", "m"}, {"t", "s"}}, "v", "m/s",
      [](const Eigen::VectorXd& x) { return x(0) / x(1) * (1.0 + 0.05 * std::sin(37.0 * x(0))); },
      30, 8);
  SearchConfig config = SmallConfig(4);
  config.stopping.max_epochs = 50;
  config.stopping.perfect_nrmse = 0.0;
  config.training.batch_size = 32;
  config.evolution.offspring = 0;
  config.threads = 1;
  std::atomic<bool> stop{false};
  SearchCallbacks callbacks;
  callbacks.stop_requested = &stop;
  callbacks.on_epoch = [&stop](const EpochReport& report) {
    if (report.epoch == 2) stop.store(true);
    return true;
  };
  const SearchResult flagged = RunSearch(d, config, callbacks);
  CHECK(flagged.stop_reason == StopReason::kInterrupted);
  CHECK(flagged.epochs == 2);
  SearchCallbacks refuse;
  refuse.on_epoch = [](const EpochReport& report) { return report.epoch < 3; };
  const SearchResult refused = RunSearch(d, config, refuse);
  CHECK(refused.stop_reason == StopReason::kInterrupted);
  CHECK(refused.epochs == 3);
}

TEST_CASE("The profile splits the run's seconds into phases and counts the fits run") {
  // Evolution on, so every phase of an epoch runs; the final refit always does.
  const Dataset d = MakeData(
      {{"m", "kg"}, {"v", "m/s"}}, "E", "J",
      [](const Eigen::VectorXd& x) { return 0.5 * x(0) * x(1) * x(1); }, 80, 41);
  SearchConfig config = SmallConfig(3);
  config.stopping.max_epochs = 5;
  config.training.batch_size = 300;
  config.evolution.offspring = 200;
  const SearchResult r = RunSearch(d, config);
  const SearchProfile& p = r.profile;
  double sum = 0.0;
  for (const auto& [name, seconds] : p.Phases()) {
    CAPTURE(name);
    CHECK(seconds >= 0.0);
    sum += seconds;
  }
  CHECK(p.sample_policy > 0.0);
  CHECK(p.fit > 0.0);
  CHECK(p.finalise > 0.0);
  CHECK(std::abs(sum - p.seconds) <= 1e-9 * std::max(1.0, p.seconds));
  CHECK(p.seconds == r.seconds);  // not resumed: the profile covers the whole run
  CHECK(p.fitted > 0);
  CHECK(p.fitted <= r.evaluations);
}

namespace {

// F = 1.7·m·a with noise of 5 % of rms(F) on `rows` rows: nothing is exact, so a fit's loss
// depends on the rows it is measured on.
Dataset NoisyForce(int rows) {
  Dataset d = MakeData(
      {{"m", "kg"}, {"a", "m/s^2"}}, "F", "kg*m/s^2",
      [](const Eigen::VectorXd& x) { return 1.7 * x(0) * x(1); }, rows, 51);
  Rng rng(52);
  const double rms = std::sqrt(d.y.squaredNorm() / static_cast<double>(d.rows()));
  for (Eigen::Index i = 0; i < d.rows(); ++i) d.y(i) += 0.05 * rms * rng.Normal();
  return d;
}

// The NRMSE of the law itself, 1.7·m·a, on NoisyForce's rows: what a search that finds it
// reaches at best.
double ForceLawNrmse(const Dataset& d) {
  std::vector<double> law(static_cast<std::size_t>(d.rows()));
  for (Eigen::Index i = 0; i < d.rows(); ++i)
    law[static_cast<std::size_t>(i)] = 1.7 * d.X(i, 0) * d.X(i, 1);
  return ComputeMetrics(std::span<const double>(d.y.data(), law.size()), law, {}).nrmse;
}

SearchConfig RacingConfig() {
  SearchConfig config = SmallConfig(8);
  config.stopping.max_epochs = 3;
  config.training.batch_size = 300;
  config.evolution.offspring = 200;
  config.enumerate.mode = EnumerateMode::kOff;
  config.groups = GroupsMode::kOff;
  config.threads = 1;
  return config;
}

// The loss of `program` with its own constants on all of `data`'s rows (as a front entry
// carries it: floored at the exact threshold).
double LossOnAllRows(const Program& program, const Library& library, const Dataset& data,
                     double exact_nrmse) {
  std::vector<double> prediction(static_cast<std::size_t>(data.rows()));
  Evaluator evaluator;
  REQUIRE(evaluator.Evaluate(Compile(program, library), data.X, program.constants, prediction));
  const std::span<const double> y(data.y.data(), static_cast<std::size_t>(data.y.size()));
  return std::max(ComputeMetrics(y, prediction, {}).nrmse, exact_nrmse);
}

}  // namespace

TEST_CASE("Racing fits most candidates on the race rows; the front holds fits on all rows") {
  const Dataset d = NoisyForce(2000);
  SearchConfig config = RacingConfig();
  SearchEngine engine(d, config);
  const SearchResult raced = engine.Run();
  // Most programs lost their race: far fewer refits on all rows than fits.
  CHECK(raced.profile.advanced > 0);
  CHECK(raced.profile.advanced * 3 < raced.profile.fitted);
  // A program scored on the race rows alone never reaches the front: every entry's loss is its
  // loss on all the search rows (here all rows), which on noisy data differs from any subset's.
  REQUIRE_FALSE(engine.state().front.empty());
  for (const FrontEntry& e : engine.state().front.entries()) {
    CAPTURE(ToInfix(e.program, engine.library()));
    const double loss = LossOnAllRows(e.program, engine.library(), d, engine.exact_nrmse());
    CHECK(e.loss == doctest::Approx(loss).epsilon(1e-9));
  }
  // Nor does its race loss count as the best so far.
  CHECK(engine.state().counters.best_nrmse == engine.state().front.MostAccurate()->loss);
  // Off, or with too few rows for it to pay, nothing races.
  config.rows.race_rows = 0;
  const SearchResult off = RunSearch(d, config);
  CHECK(off.profile.advanced == 0);
  config.rows.race_rows = 600;  // 2000 < 4 · 600
  CHECK(RunSearch(d, config).profile.advanced == 0);
  // Both find the law: as accurate as 1.7·m·a itself.
  const double law_nrmse = ForceLawNrmse(d);
  for (const SearchResult* r : {&raced, &off}) {
    REQUIRE(r->best.has_value());
    CHECK(r->best->nrmse <= law_nrmse * 1.0001);
  }
}

TEST_CASE("A raced search gives the same front with 1 or 2 threads") {
  const Dataset d = NoisyForce(1200);
  SearchConfig config = RacingConfig();
  const SearchResult one = RunSearch(d, config);
  config.threads = 2;
  const SearchResult two = RunSearch(d, config);
  CHECK(one.profile.advanced > 0);
  CHECK(one.profile.advanced == two.profile.advanced);
  REQUIRE(one.pareto.size() == two.pareto.size());
  for (std::size_t i = 0; i < one.pareto.size(); ++i) {
    CHECK(one.pareto[i].program == two.pareto[i].program);
    CHECK(one.pareto[i].nrmse == two.pareto[i].nrmse);
  }
}

TEST_CASE("RestartEpochs: after `after` epochs without a 1 % gain, none after an exact formula") {
  const auto history = [](std::initializer_list<double> best) {
    std::vector<EpochReport> h;
    for (const double b : best) {
      EpochReport e;
      e.epoch = static_cast<int>(h.size()) + 1;
      e.best_nrmse = b;
      h.push_back(e);
    }
    return h;
  };
  // Gains at epochs 1, 2 and 7 (0.4999 is not 1 % below 0.5); a restart, like a gain, starts
  // the count of epochs again, but the next gain is still measured from the best at the last.
  const std::vector<EpochReport> h = history({1.0, 0.5, 0.5, 0.5, 0.5, 0.4999, 0.3, 0.3, 0.3});
  CHECK(RestartEpochs(h, 2, 1e-9) == std::vector<int>{4, 6, 9});
  CHECK(RestartEpochs(h, 3, 1e-9) == std::vector<int>{5});
  CHECK(RestartEpochs(h, 0, 1e-9).empty());
  CHECK(RestartEpochs(h, 10, 1e-9).empty());
  // An exact formula at epoch 5 (1e-12 ≤ τ) ends restarting: only the one before it.
  CHECK(RestartEpochs(history({2.0, 1.0, 1.0, 1.0, 1e-12, 1e-12, 1e-12}), 2, 1e-9) ==
        std::vector<int>{4});
  CHECK(RestartEpochs(h, 2, 0.5).empty());  // epoch 2 is exact at τ = 0.5
}

TEST_CASE("With policy restarts the same seed gives the same front with 1 or 2 threads") {
  const Dataset d = NoisyForce(400);
  SearchConfig config = RacingConfig();
  config.stopping.max_epochs = 8;
  config.training.restart_after = 1;
  const SearchResult one = RunSearch(d, config);
  REQUIRE(!RestartEpochs(one.history, 1, one.exact_nrmse).empty());
  config.threads = 2;
  const SearchResult two = RunSearch(d, config);
  CHECK(one.evaluations == two.evaluations);
  REQUIRE(one.pareto.size() == two.pareto.size());
  for (std::size_t i = 0; i < one.pareto.size(); ++i) {
    CHECK(one.pareto[i].program == two.pareto[i].program);
    CHECK(one.pareto[i].nrmse == two.pareto[i].nrmse);
  }
  // A restart changes the course: the run without one samples other formulas.
  config.training.restart_after = 0;
  const SearchResult none = RunSearch(d, config);
  bool same_history = none.history.size() == one.history.size();
  for (std::size_t i = 0; same_history && i < one.history.size(); ++i) {
    same_history = none.history[i].evaluations == one.history[i].evaluations &&
                   none.history[i].best_infix == one.history[i].best_infix;
  }
  CHECK(!same_history);
  SearchConfig negative;
  negative.training.restart_after = -1;
  CHECK_THROWS_AS(negative.Validate(), InputError);
}

TEST_CASE("Racing options out of range are refused") {
  SearchConfig config;
  config.rows.race_rows = -1;
  CHECK_THROWS_AS(config.Validate(), InputError);
  for (const double advance : {0.0, -0.1, 1.5, std::nan("")}) {
    CAPTURE(advance);
    SearchConfig c;
    c.rows.race_advance = advance;
    CHECK_THROWS_AS(c.Validate(), InputError);
  }
  SearchConfig whole;
  whole.rows.race_advance = 1.0;
  CHECK_NOTHROW(whole.Validate());
  SearchConfig negative;
  negative.rows.race_iterations = -1;
  CHECK_THROWS_AS(negative.Validate(), InputError);
  for (const int iterations : {0, 1}) {
    CAPTURE(iterations);
    SearchConfig c;
    c.rows.race_iterations = iterations;
    CHECK_NOTHROW(c.Validate());
  }
}

TEST_CASE(
    "The race's iteration budget is part of the search's fingerprint, and a search "
    "racing with one iteration still fits its front on all rows") {
  const Dataset d = NoisyForce(1200);
  SearchConfig config = RacingConfig();
  SearchConfig ten = config;
  ten.rows.race_iterations = 10;
  const Library library = BuildSearchLibrary(d, config.library);
  CHECK(SearchFingerprint(d, library, config) != SearchFingerprint(d, library, ten));
  // One iteration on the race rows ranks roughly; whatever advances is refitted in full, so
  // the front still holds the law as accurately as 1.7·m·a itself.
  config.rows.race_iterations = 1;
  const SearchResult r = RunSearch(d, config);
  CHECK(r.profile.advanced > 0);
  const double law_nrmse = ForceLawNrmse(d);
  REQUIRE(r.best.has_value());
  CHECK(r.best->nrmse <= law_nrmse * 1.0001);
}

namespace {

// E = m c^2 / sqrt(1 - v^2/c^2) with v < c: 200 rows.
Dataset SlowRelativisticEnergy(double c) {
  return MakeData(
      {{"m", "kg"}, {"v", "m/s"}}, "E", "kg*m^2/s^2",
      [c](const Eigen::VectorXd& x) {
        return x(0) * c * c / std::sqrt(1.0 - x(1) * x(1) / (c * c));
      },
      200, 3, 0.2, 2.8);
}

}  // namespace

TEST_CASE("SimplifyProgram drops what does not help the fit and folds constant subtrees") {
  const double c = 3.0;
  const Dataset data = SlowRelativisticEnergy(c);
  SearchConfig config;
  config.library.operators = {"add", "sub", "mul", "div", "n2", "sqrt", "sin"};
  config.library.fixed_constants.push_back({"c", c, units::ParseUnit("m/s")});
  Library library = BuildSearchLibrary(data, config.library);
  const auto fit_of = [&](const Program& p) { return FitConstants(p, library, data); };

  // An exact formula with a useless term: the term goes, the law stays.
  Program bloated = ParseFormula("m*c^2/sqrt(1 - v^2/c^2) + C1*m*v^2", library);
  FitResult fit = fit_of(bloated);
  REQUIRE(fit.nrmse < 1e-9);
  bloated.constants = fit.constants;
  Simplified s = SimplifyProgram(bloated, fit, library, data);
  CHECK(s.changes >= 1);
  CHECK(s.program.tokens == ParseFormula("m*c^2/sqrt(1 - v^2/c^2)", library).tokens);
  CHECK(s.fit.nrmse < 1e-9);

  // A wrong formula whose every part matters comes back unchanged.
  Program wrong = ParseFormula("m*v^2 + m*c^2", library);
  fit = fit_of(wrong);
  wrong.constants = fit.constants;
  s = SimplifyProgram(wrong, fit, library, data);
  CHECK(s.changes == 0);
  CHECK(s.program.tokens == wrong.tokens);
  CHECK(s.refits > 0);

  // A dimensionless subtree of constants folds into one constant, then the data decide.
  const Dataset scaled = MakeData(
      {{"m", "kg"}, {"v", "m/s"}}, "E", "kg*m^2/s^2",
      [c](const Eigen::VectorXd& x) { return 2.5 * x(0) * c * c; }, 100, 4, 0.2, 2.8);
  Library scaled_library = BuildSearchLibrary(scaled, config.library);
  Program folded = ParseFormula("m*c^2*(sin(C1) + C1)", scaled_library);
  fit = FitConstants(folded, scaled_library, scaled);
  REQUIRE(fit.nrmse < 1e-9);
  folded.constants = fit.constants;
  s = SimplifyProgram(folded, fit, scaled_library, scaled);
  CHECK(s.changes >= 1);
  CHECK(s.program.tokens.size() <= 6);  // mul mul m n2 c C1, in some order
  CHECK(s.fit.nrmse < 1e-9);
}

TEST_CASE("SimplifyProgram drops a useless first operand of a difference") {
  const double c = 3.0;
  const Dataset data = SlowRelativisticEnergy(c);
  SearchConfig config;
  config.library.operators = {"add", "sub", "mul", "div", "n2", "sqrt", "neg"};
  config.library.fixed_constants.push_back({"c", c, units::ParseUnit("m/s")});
  Library library = BuildSearchLibrary(data, config.library);
  // C1 fits as 0: the difference becomes the negated second operand, C1 gone.
  Program p = ParseFormula("C1*m*v^2 - m*c^2/(-sqrt(1 - v^2/c^2))", library);
  const FitResult fit = FitConstants(p, library, data);
  REQUIRE(fit.nrmse < 1e-9);
  p.constants = fit.constants;
  const Simplified s = SimplifyProgram(p, fit, library, data);
  CHECK(s.fit.nrmse < 1e-9);
  const TokenId c1 = *library.FindTerminal("C1");
  CHECK(std::count(s.program.tokens.begin(), s.program.tokens.end(), c1) == 0);
  CHECK(s.program.tokens.size() < p.tokens.size());
}

TEST_CASE("SimplifyProgram on noisy data keeps what the noise cannot explain away") {
  // y = A·(exp(x) − 1) + 0.3·A·x², noise 10 % of rms(y), 2000 rows.
  Dataset data = MakeData(
      {{"A", "kg"}, {"x", "1"}}, "y", "kg",
      [](const Eigen::VectorXd& r) {
        return r(0) * (std::exp(r(1)) - 1.0) + 0.3 * r(0) * r(1) * r(1);
      },
      2000, 7, 0.5, 2.0);
  Rng rng(8);
  const double rms = std::sqrt(data.y.squaredNorm() / static_cast<double>(data.rows()));
  for (Eigen::Index i = 0; i < data.rows(); ++i) data.y(i) += 0.1 * rms * rng.Normal();
  SearchConfig config;
  config.library.operators = {"add", "sub", "mul", "div", "neg", "n2", "exp"};
  Library library = BuildSearchLibrary(data, config.library);
  const auto simplify_on = [&](const std::string& formula, const Dataset& d, double rows) {
    Program p = ParseFormula(formula, library);
    const FitResult fit = FitConstants(p, library, d);
    REQUIRE(fit.finite);
    p.constants = fit.constants;
    SimplifyOptions options;
    options.rows = rows;
    return SimplifyProgram(p, fit, library, d, options);
  };
  const auto simplify = [&](const std::string& formula, double rows) {
    return simplify_on(formula, data, rows);
  };
  const std::vector<TokenId> law = ParseFormula("A*(exp(x) - 1) + C2*A*x^2", library).tokens;

  // The fitted C1 ≈ 1 is 1 within the noise: it becomes the number; a small extra term goes.
  // Neither happens without the row count (the fit gets slightly worse each time).
  const std::string bloated = "A*(exp(x) - C1) + C2*A*x^2 + C2*C2*A*x*C1";
  Simplified s = simplify(bloated, 2000.0);
  CHECK(s.program.tokens == law);
  CHECK(s.fit.nrmse > 0.05);
  s = simplify(bloated, 0.0);
  CHECK(s.changes == 0);

  // Terms the data need stay: the x² term explains far more than the noise.
  s = simplify("A*(exp(x) - 1) + C2*A*x^2", 2000.0);
  CHECK(s.changes == 0);
  s = simplify("A*(exp(x) - C1) + C2*A*x^2", 2000.0);
  CHECK(s.program.tokens == law);
  // −1 too. As an operand of add, sub, mul or div its sign goes into the operator, at no
  // extra token: x + k → x − 1, x·k → −x, x − k → x + 1.
  s = simplify("A*(exp(x) + C1) + C2*A*x^2", 2000.0);
  CHECK(s.program.tokens == law);
  CHECK(s.changes == 1);
  // −y: the fitted C1 ≈ −1 multiplies the law.
  Dataset minus_y = data;
  minus_y.y = -data.y;
  s = simplify_on("C1*(A*(exp(x) - 1) + C2*A*x^2)", minus_y, 2000.0);
  INFO(ToInfix(s.program, library));
  CHECK(s.program.tokens == ParseFormula("-(A*(exp(x) - 1) + C2*A*x^2)", library).tokens);
  // y + 2A = A·(exp(x) + 1) + 0.3·A·x²: the fitted C1 ≈ −1 is subtracted.
  Dataset plus_2a = data;
  plus_2a.y = data.y + 2.0 * data.X.col(0);
  s = simplify_on("A*(exp(x) - C1) + C2*A*x^2", plus_2a, 2000.0);
  CHECK(s.program.tokens == ParseFormula("A*(exp(x) + 1) + C2*A*x^2", library).tokens);
  // A constant far from 1 (here 1.5) is not fixed at 1.
  const Dataset shifted = [&] {
    Dataset d = data;
    for (Eigen::Index i = 0; i < d.rows(); ++i) d.y(i) -= 0.5 * d.X(i, 0);
    return d;
  }();
  Program p = ParseFormula("A*(exp(x) - C1) + C2*A*x^2", library);
  const FitResult fit = FitConstants(p, library, shifted);
  CHECK(fit.constants[0] == doctest::Approx(1.5).epsilon(0.05));
  p.constants = fit.constants;
  SimplifyOptions options;
  options.rows = 2000.0;
  s = SimplifyProgram(p, fit, library, shifted, options);
  CHECK(s.changes == 0);
}

TEST_CASE("SimplifyProgram writes a constant the data cannot tell from a simple number as it") {
  // y = k·A·exp(x), 400 rows, noise a share of rms(y); the fitted C1 ≈ k.
  SearchConfig config;
  config.library.operators = {"add", "mul", "neg", "exp"};
  config.library.free_constants.push_back({"M", units::ParseUnit("kg"), 1.0});
  const auto simplified = [&](double k, double noise, const std::string& formula,
                              const std::string& target_unit = "kg") {
    Dataset d = MakeData(
        {{"A", "kg"}, {"x", "1"}}, "y", target_unit,
        [k](const Eigen::VectorXd& r) { return k * r(0) * std::exp(r(1)); }, 400, 3, 0.5, 2.0);
    Rng rng(4);
    const double rms = std::sqrt(d.y.squaredNorm() / static_cast<double>(d.rows()));
    for (Eigen::Index i = 0; i < d.rows(); ++i) d.y(i) += noise * rms * rng.Normal();
    Library library = BuildSearchLibrary(d, config.library);
    AddExactNumbers(library);
    Program p = ParseFormula(formula, library);
    const FitResult fit = FitConstants(p, library, d);
    REQUIRE(fit.finite);
    p.constants = fit.constants;
    SimplifyOptions options;
    options.rows = 400.0;
    const Simplified s = SimplifyProgram(p, fit, library, d, options);
    CHECK(s.changes <= 1);
    return ToInfix(s.program, library);
  };
  // 0.50003 within 5 % noise is 1/2 (its standard error is about 0.001); so is 0.5 on clean
  // data, but 0.52 on clean data stays fitted.
  CHECK(simplified(0.50003, 0.05, "C1*A*exp(x)") == "1/2*A*exp(x)");
  CHECK(simplified(0.5, 0.0, "C1*A*exp(x)") == "1/2*A*exp(x)");
  CHECK(simplified(0.52, 0.0, "C1*A*exp(x)") == "C1*A*exp(x)");
  CHECK(simplified(0.52, 0.001, "C1*A*exp(x)") == "C1*A*exp(x)");
  // 6, the simpler number near 6.2832, is tried first and fails; 2π passes.
  CHECK(simplified(6.2832, 0.01, "C1*A*exp(x)") == "2*pi*A*exp(x)");
  CHECK(simplified(1.0 / (4.0 * std::numbers::pi), 0.0, "C1*A*exp(x)") == "1/(4*pi)*A*exp(x)");
  CHECK(simplified(-1.5, 0.05, "C1*A*exp(x)") == "-(3/2)*A*exp(x)");
  // A constant with a unit is never written as a number, however close.
  CHECK(simplified(0.5, 0.05, "M*A*exp(x)", "kg^2") == "M*A*exp(x)");
}

TEST_CASE("A search writes E = m*v^2/2 with an exact half, in a library that keeps only it") {
  const Dataset data = MakeData(
      {{"m", "kg"}, {"v", "m/s"}}, "E", "J",
      [](const Eigen::VectorXd& x) { return 0.5 * x(0) * x(1) * x(1); }, 100, 13);
  const SearchResult r = RunSearch(data, SmallConfig(5));
  REQUIRE(r.best.has_value());
  INFO(r.best->infix);
  CHECK(r.best->constants.empty());
  CHECK(r.best->nrmse < 1e-9);
  // No decimal point: the 1/2 is written exactly (m/2*v^2 or 1/2*m*v^2).
  CHECK(r.best->infix.find('.') == std::string::npos);
  CHECK(r.best->sympy.find('.') == std::string::npos);
  // The result's library has the search's tokens and at most the one number used.
  Library search = BuildSearchLibrary(data, SmallConfig(5).library);
  CHECK(r.library.size() <= search.size() + 1);
  CHECK_FALSE(r.library.FindTerminal("2*pi").has_value());
  CHECK(ToInfix(r.best->program, r.library) == r.best->infix);
}

namespace {

// A front of `texts` parsed over `library`, each fitted on `data`, with the fits
// CanonicalizeFront takes.
struct FittedFront {
  ParetoFront front;
  std::vector<std::pair<Program, FitResult>> fits;
};
FittedFront FitFront(std::initializer_list<const char*> texts, Library& library,
                     const Dataset& data, const FitOptions& options) {
  FittedFront out;
  for (const char* text : texts) {
    FrontEntry e;
    e.program = ParseFormula(text, library);
    const FitResult fit = FitConstants(e.program, library, data, options);
    REQUIRE(fit.finite);
    e.program.constants = fit.constants;
    e.complexity = Complexity(e.program.tokens, library);
    e.loss = fit.nrmse;
    out.front.Offer(e);
    out.fits.emplace_back(e.program, fit);
  }
  return out;
}

}  // namespace

TEST_CASE("CanonicalizeFront writes formulas canonically, refitted, one entry per form") {
  // Newton's law with 1 % noise: G is fitted with a standard error.
  Rng noise(21);
  const Dataset d = MakeData(
      {{"m1", "kg"}, {"m2", "kg"}, {"r", "m"}}, "F", "N",
      [&noise](const Eigen::VectorXd& x) {
        return 6.674e-11 * x(0) * x(1) / (x(2) * x(2)) * (1.0 + 0.01 * noise.Uniform(-1.0, 1.0));
      },
      200, 4);
  SearchConfig config;
  config.library.free_constants.push_back({"G", units::ParseUnit("m^3/(kg*s^2)"), 1.0});
  Library library = BuildSearchLibrary(d, config.library);
  AddExactNumbers(library);
  FitOptions options;
  options.compute_uncertainties = true;
  // Two forms of one law, as a search writes them; the second with a redundant 2/2.
  auto [front, fits] = FitFront({"m2*(m1/(r^2/G))", "2*(m1*G)*m2/(2*r*r)"}, library, d, options);
  REQUIRE(front.entries().size() == 2);
  CanonicalizeFront(front, fits, library, d, options, 1e-12);
  REQUIRE(front.entries().size() == 1);
  const FrontEntry& e = front.entries()[0];
  CHECK(ToInfix(e.program, library) == "G*m1*m2/r^2");
  const auto fit =
      std::find_if(fits.begin(), fits.end(), [&](const auto& f) { return f.first == e.program; });
  REQUIRE(fit != fits.end());
  const int g = library[*library.FindTerminal("G")].index;
  const auto slot = static_cast<std::size_t>(g);
  CHECK(fit->second.constants[slot] == doctest::Approx(6.674e-11).epsilon(0.01));
  CHECK(fit->second.standard_errors[slot] > 0.0);
  CHECK(fit->second.standard_errors[slot] < 1e-12);
  CHECK(e.complexity == Complexity(e.program.tokens, library));
}

TEST_CASE("CanonicalizeFront merges a constant used twice and keeps constants that cannot merge") {
  // E = K*z with K = 1.234*9.807 + 3.4506^2 N.
  const Dataset d = MakeData(
      {{"z", "m"}}, "E", "J",
      [](const Eigen::VectorXd& x) { return (1.234 * 9.807 + 3.4506 * 3.4506) * x(0); }, 60, 5);
  // The canonical form of `text` over the default constants and `constants` [unit], refitted.
  const auto canonical = [&d](const std::vector<std::pair<std::string, std::string>>& constants,
                              const char* text) {
    SearchConfig config;
    for (const auto& [name, unit] : constants) {
      config.library.free_constants.push_back({name, units::ParseUnit(unit), 1.0});
    }
    Library library = BuildSearchLibrary(d, config.library);
    AddExactNumbers(library);
    FitOptions options;
    options.compute_uncertainties = true;
    FrontEntry e;
    e.program = ParseFormula(text, library);
    const FitResult fit = FitConstants(e.program, library, d, options);
    REQUIRE(fit.finite);
    e.program.constants = fit.constants;
    e.complexity = Complexity(e.program.tokens, library);
    e.loss = std::max(fit.nrmse, 1e-12);
    ParetoFront front;
    front.Offer(e);
    std::vector<std::pair<Program, FitResult>> fits = {{e.program, fit}};
    CanonicalizeFront(front, fits, library, d, options, 1e-12);
    REQUIRE(front.entries().size() == 1);
    const FrontEntry& c = front.entries()[0];
    CHECK(c.complexity <= e.complexity);
    CHECK(c.loss <= e.loss * (1 + 1e-9));
    return ToInfix(c.program, library);
  };
  // C1 used twice: its square merges with k into one constant of k's dimension.
  CHECK(canonical({{"k", "N"}}, "z*C1*C1*k") == "k*z");
  CHECK(canonical({}, "z*C1*C1") == "C1*z");
  // m*g has no free constant of its dimension: m and g stay, the product reordered; with a
  // free constant of that dimension unused, they merge into it.
  CHECK(canonical({{"m", "kg"}, {"g", "m/s^2"}}, "z*g*m") == "m*g*z");
  CHECK(canonical({{"m", "kg"}, {"g", "m/s^2"}, {"k", "N"}}, "z*g*m") == "k*z");
}

TEST_CASE("CanonicalizeFront writes a merged constant the noise cannot tell from 1 as 1") {
  // y = x + k with noise of 10 % of rms(y). The final pass's simplification wrote one entry's
  // constant as 1 (x + 1); another entry, log(C1) + x, is as short in canonical form (C1 + x)
  // and, its C1 fitted, a little more accurate: it displaces x + 1 unless its merged constant
  // is simplified against the noise too.
  const auto data = [](double k) {
    Dataset d = MakeData(
        {{"x", "1"}}, "y", "1", [k](const Eigen::VectorXd& x) { return x(0) + k; }, 400, 8);
    Rng rng(9);
    const double rms = std::sqrt(d.y.squaredNorm() / static_cast<double>(d.rows()));
    for (Eigen::Index i = 0; i < d.rows(); ++i) d.y(i) += 0.1 * rms * rng.Normal();
    return d;
  };
  const auto canonical = [](const Dataset& d, bool with_noise) {
    Library library = BuildSearchLibrary(d, SearchConfig{}.library);
    AddExactNumbers(library);
    FitOptions options;
    options.compute_uncertainties = true;
    auto [front, fits] = FitFront({"x + 1", "x + log(C1)"}, library, d, options);
    REQUIRE(front.entries().size() == 2);
    SimplifyOptions simplify;
    simplify.rows = static_cast<double>(d.rows());
    const NoiseSimplification noise{simplify, &d};
    CanonicalizeFront(front, fits, library, d, options, 1e-12, with_noise ? &noise : nullptr);
    std::string out;
    for (const FrontEntry& e : front.entries())
      out += (out.empty() ? "" : "; ") + ToInfix(e.program, library);
    return out;
  };
  const Dataset one = data(1.0);
  CHECK(canonical(one, false) == "x + C1");
  CHECK(canonical(one, true) == "x + 1");
  // A constant the noise can tell from every exact number stays fitted.
  CHECK(canonical(data(1.9), true) == "x + C1");
}

TEST_CASE("CanonicalizeFront offers a shorter form the noise allows beside the rewrite") {
  // y = x + L: `x + L*log(C1)` is `x + C1*L` in canonical form, and C1 within the noise of 1
  // drops: `x + L` joins the front, shorter, the rewrite staying at its own length.
  Dataset d = MakeData(
      {{"x", "m"}, {"L", "m"}}, "y", "m", [](const Eigen::VectorXd& x) { return x(0) + x(1); }, 400,
      8);
  Rng rng(9);
  const double rms = std::sqrt(d.y.squaredNorm() / static_cast<double>(d.rows()));
  for (Eigen::Index i = 0; i < d.rows(); ++i) d.y(i) += 0.1 * rms * rng.Normal();
  Library library = BuildSearchLibrary(d, SearchConfig{}.library);
  AddExactNumbers(library);
  FitOptions options;
  options.compute_uncertainties = true;
  auto [front, fits] = FitFront({"x + L*log(C1)"}, library, d, options);
  SimplifyOptions simplify;
  simplify.rows = static_cast<double>(d.rows());
  const NoiseSimplification noise{simplify, &d};
  CanonicalizeFront(front, fits, library, d, options, 1e-12, &noise);
  REQUIRE(front.entries().size() == 2);
  CHECK(ToInfix(front.entries()[0].program, library) == "x + L");
  CHECK(ToInfix(front.entries()[1].program, library) == "x + C1*L");
  for (const FrontEntry& entry : front.entries()) {  // each with its refit
    CHECK(std::count_if(fits.begin(), fits.end(),
                        [&](const auto& f) { return f.first == entry.program; }) >= 1);
  }
}

TEST_CASE("EvaluateFormula checks units, fits free constants and names bad rows") {
  // E = m*g*z + m*v^2 with m = 2 kg, g = 9.8 m/s^2 hidden as free constants.
  const Dataset data = MakeData(
      {{"z", "m"}, {"v", "m/s"}}, "E", "kg*m^2/s^2",
      [](const Eigen::VectorXd& x) { return 2.0 * 9.8 * x(0) + 2.0 * x(1) * x(1); }, 30, 3);
  FormulaEvaluationOptions options;
  options.free_constants = {{"m", units::ParseUnit("kg"), 1.0},
                            {"g", units::ParseUnit("m/s^2"), 1.0}};
  CHECK(testing::InputErrorOf([&] {
          EvaluateFormula(data, "m*g*z + m*v^2", options);
        }).find("uses free constants: fit them") != std::string::npos);
  options.fit = true;
  const FormulaEvaluation e = EvaluateFormula(data, "m*g*z + m*v^2", options);
  REQUIRE(e.fit.has_value());
  CHECK(FitWarnings(*e.fit).empty());
  CHECK(e.uses_free_constants);
  CHECK(e.formula.r2 == doctest::Approx(1.0));
  CHECK(e.formula.constants.size() == 2);
  CHECK(e.formula.constants[0].value == doctest::Approx(2.0));
  CHECK(e.formula.constants[1].value == doctest::Approx(9.8));
  CHECK(e.formula.constants[1].standard_error < 1e-6);
  CHECK(e.prediction.size() == 30);
  CHECK(e.prediction[4] == doctest::Approx(data.y(4)));
  // A formula with the wrong units names the target.
  CHECK(testing::InputErrorOf([&] {
          EvaluateFormula(data, "m*z", options);
        }).find("the target is E [kg*m^2/s^2]") != std::string::npos);
  // Non-finite values name the first bad row, through row_place when given.
  options.row_place = [](std::size_t row) { return "data.csv:" + std::to_string(row + 2); };
  const std::string bad =
      testing::InputErrorOf([&] { EvaluateFormula(data, "m*g*z + m*v^2*z/(z - z)", options); });
  INFO(bad);
  CHECK(bad.find("non-finite values on 30 of 30 rows (first at data.csv:2: z=") !=
        std::string::npos);
}

}  // namespace physr
