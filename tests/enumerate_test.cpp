#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/search/config.hpp"
#include "physr/search/enumerate.hpp"
#include "physr/search/search.hpp"
#include "physr/units/unit_parser.hpp"

namespace physr {
namespace {

// x [m], t [s]; add, mul, div, sqrt, exp; the constant 1 and one free constant C [m].
Library TinyLibrary() {
  LibrarySpec spec;
  spec.operators = {"add", "mul", "div", "sqrt", "exp"};
  spec.variables = {{"x", units::ParseUnit("m")}, {"t", units::ParseUnit("s")}};
  spec.fixed_constants = {{"1", 1.0, Dimension()}};
  spec.free_constants = {{"C", units::ParseUnit("m"), 1.0}};
  return Library::Build(spec);
}

Dataset ProbeData(int columns, int rows) {
  Dataset d;
  Rng rng(7);
  d.X.resize(rows, columns);
  for (int c = 0; c < columns; ++c) {
    d.names.push_back("v" + std::to_string(c));
    d.dimensions.emplace_back();
    for (int r = 0; r < rows; ++r) d.X(r, c) = rng.Uniform(0.5, 2.0);
  }
  d.y = Eigen::VectorXd::Ones(rows);
  d.target_name = "y";
  return d;
}

// The rule the enumeration follows for free constants, checked on a whole program: at most
// `max` of them, each token once, and every subtree holding one but no variable is a lone
// terminal.
bool ConstantsAllowed(const std::vector<TokenId>& tokens, const Library& library, int max) {
  const std::vector<int> ends = SubtreeEnds(tokens, library);
  std::set<TokenId> seen;
  int count = 0;
  for (const TokenId id : tokens) {
    if (library[id].kind != TokenKind::kFreeConstant) continue;
    ++count;
    if (!seen.insert(id).second) return false;
  }
  if (count > max) return false;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    bool constant = false;
    bool variable = false;
    for (std::size_t j = i; j < static_cast<std::size_t>(ends[i]); ++j) {
      constant = constant || library[tokens[j]].kind == TokenKind::kFreeConstant;
      variable = variable || library[tokens[j]].kind == TokenKind::kVariable;
    }
    if (constant && !variable && ends[i] - static_cast<int>(i) > 1) return false;
  }
  return true;
}

// Every prefix token sequence up to max_length, kept when complete, units-valid against
// `target` and allowed by ConstantsAllowed; counted per length.
void BruteForce(const Library& library, const std::optional<Dimension>& target, int max_length,
                int max_constants, std::vector<TokenId>& tokens, int open,
                std::vector<std::int64_t>& count) {
  if (open == 0) {
    Program p;
    p.tokens = tokens;
    if (CheckUnits(p, library, target).ok && ConstantsAllowed(tokens, library, max_constants)) {
      ++count[tokens.size()];
    }
    return;
  }
  if (static_cast<int>(tokens.size()) + open > max_length) return;
  for (TokenId id = 0; id < library.size(); ++id) {
    tokens.push_back(id);
    BruteForce(library, target, max_length, max_constants, tokens, open - 1 + library[id].arity,
               count);
    tokens.pop_back();
  }
}

std::vector<std::int64_t> BruteForceCounts(const Library& library,
                                           const std::optional<Dimension>& target, int max_length,
                                           int max_constants) {
  std::vector<std::int64_t> count(static_cast<std::size_t>(max_length) + 1, 0);
  std::vector<TokenId> tokens;
  BruteForce(library, target, max_length, max_constants, tokens, 1, count);
  return count;
}

// A short search, one thread, seed 3, that enumerates up to `max_length` tokens before its
// second and last epoch, with 50 samples and 20 offspring an epoch.
SearchConfig EnumeratingSearch(int max_length) {
  SearchConfig config;
  config.training.batch_size = 50;
  config.evolution.offspring = 20;
  config.stopping.max_epochs = 2;  // the enumeration runs after the first
  config.seed = 3;
  config.threads = 1;
  config.enumerate.mode = EnumerateMode::kOn;
  config.enumerate.max_length = max_length;
  return config;
}

}  // namespace

TEST_CASE("Enumeration without deduplication counts what a brute force over prefixes counts") {
  const Library library = TinyLibrary();
  const Dataset probe = ProbeData(2, 8);
  EnumerateOptions options;
  options.dedup = false;
  options.max_length = 6;
  options.max_exp_nesting = 0;  // no nesting limit: the brute force has none
  for (const char* unit : {"m", "m/s", "1", "m^(1/2)"}) {
    for (const int constants : {0, 1}) {
      CAPTURE(unit);
      CAPTURE(constants);
      options.max_free_constants = constants;
      const std::optional<Dimension> target = units::ParseUnit(unit);
      const Enumeration e = EnumeratePrograms(library, probe, target, options);
      const std::vector<std::int64_t> expected =
          BruteForceCounts(library, target, options.max_length, constants);
      CHECK(e.count == expected);
      CHECK(e.complete_length == options.max_length);
      std::int64_t total = 0;
      for (const std::int64_t c : expected) total += c;
      CHECK(static_cast<std::int64_t>(e.programs.size()) == total);
    }
  }
  // Any dimension at the root.
  options.max_free_constants = 1;
  const Enumeration any = EnumeratePrograms(library, probe, std::nullopt, options);
  CHECK(any.count == BruteForceCounts(library, std::nullopt, options.max_length, 1));
}

TEST_CASE("Every enumerated program is complete, units-valid and distinct") {
  const Library library = TinyLibrary();
  const Dataset probe = ProbeData(2, 8);
  EnumerateOptions options;
  options.max_length = 7;
  options.max_exp_nesting = 0;  // no nesting limit
  for (const bool dedup : {false, true}) {
    options.dedup = dedup;
    const Dimension target = units::ParseUnit("m/s");
    const Enumeration e = EnumeratePrograms(library, probe, target, options);
    REQUIRE(!e.programs.empty());
    std::set<std::vector<TokenId>> distinct;
    std::vector<std::int64_t> count(e.count.size(), 0);
    for (const Program& p : e.programs) {
      CHECK(IsComplete(p.tokens, library));
      CHECK(CheckUnits(p, library, target).ok);
      distinct.insert(p.tokens);
      ++count[p.tokens.size()];
    }
    CHECK(distinct.size() == e.programs.size());
    // All kept (the lists are long enough); the last length's count includes duplicates.
    if (dedup) {
      CHECK(count.back() <= e.count.back());
      count.back() = e.count.back();
    }
    CHECK(count == e.count);
  }
}

TEST_CASE("Enumeration removes programs whose values equal a shorter one's") {
  LibrarySpec spec;
  spec.operators = {"add", "sub", "mul", "div", "neg", "exp"};
  spec.variables = {{"a", Dimension()}, {"b", Dimension()}};
  spec.fixed_constants = {{"1", 1.0, Dimension()}};
  const Library library = Library::Build(spec);
  const Dataset probe = ProbeData(2, 10);
  EnumerateOptions options;
  options.max_length = 5;
  options.dedup = false;
  const Enumeration all = EnumeratePrograms(library, probe, Dimension(), options);
  options.dedup = true;
  const Enumeration kept = EnumeratePrograms(library, probe, Dimension(), options);
  CHECK(kept.programs.size() < all.programs.size() / 3);
  // Values on rows the enumeration never saw: no two kept programs agree, and every program
  // of the full list has one kept program that agrees with it (or is not finite somewhere).
  const Dataset check = ProbeData(2, 40);
  const auto values = [&](const Program& p) {
    const CompiledProgram compiled = Compile(p, library);
    std::vector<double> v;
    for (int r = 0; r < check.X.rows(); ++r) {
      const std::vector<double> row = {check.X(r, 0), check.X(r, 1)};
      v.push_back(EvaluateScalar(compiled, row, {}));
    }
    return v;
  };
  const auto same = [](const std::vector<double>& u, const std::vector<double>& v) {
    for (std::size_t i = 0; i < u.size(); ++i) {
      if (!(std::fabs(u[i] - v[i]) <= 1e-9 * std::max(1.0, std::fabs(u[i])))) return false;
    }
    return true;
  };
  std::vector<std::vector<double>> kept_values;
  for (const Program& p : kept.programs) {
    const std::vector<double> v = values(p);
    for (const std::vector<double>& other : kept_values) CHECK_FALSE(same(v, other));
    kept_values.push_back(v);
  }
  int matched = 0;
  for (const Program& p : all.programs) {
    const std::vector<double> v = values(p);
    bool finite = true;
    for (const double x : v) finite = finite && std::isfinite(x);
    if (!finite) continue;
    bool found = false;
    for (const std::vector<double>& other : kept_values) found = found || same(v, other);
    CHECK(found);
    matched += found ? 1 : 0;
  }
  CHECK(matched > 1000);
}

TEST_CASE("Enumeration stops at its candidate budget and at the stop callback") {
  const Library library = TinyLibrary();
  const Dataset probe = ProbeData(2, 8);
  EnumerateOptions options;
  options.max_length = 9;
  options.max_candidates = 2000;
  const Enumeration e = EnumeratePrograms(library, probe, units::ParseUnit("m"), options);
  CHECK(e.complete_length < 9);
  CHECK(e.candidates <= options.max_candidates + 1);
  options.max_candidates = 30'000'000;
  const Enumeration stopped =
      EnumeratePrograms(library, probe, units::ParseUnit("m"), options, [] { return true; });
  CHECK(stopped.stopped);
}

TEST_CASE("A search with enumeration finds a short law of one dimensionless variable") {
  // y = x/(exp(x) - 1): 6 tokens, hard to sample in a few epochs.
  Dataset d = ProbeData(1, 300);
  for (int r = 0; r < 300; ++r) d.X(r, 0) = 0.1 + 3.0 * r / 300.0;
  for (int r = 0; r < 300; ++r) d.y(r) = d.X(r, 0) / (std::exp(d.X(r, 0)) - 1.0);
  SearchConfig config = EnumeratingSearch(7);
  SearchResult results[2];
  for (const int threads : {1, 2}) {
    config.threads = threads;
    SearchResult& r = results[threads - 1];
    r = RunSearch(d, config);
    REQUIRE(r.best.has_value());
    CHECK(r.best->nrmse < 1e-9);
    CHECK(r.best->program.tokens.size() <= 6);
  }
  REQUIRE(results[0].pareto.size() == results[1].pareto.size());
  for (std::size_t i = 0; i < results[0].pareto.size(); ++i) {
    CHECK(results[0].pareto[i].program == results[1].pareto[i].program);
  }
  CHECK(results[0].evaluations == results[1].evaluations);
  REQUIRE(results[0].first_exact_epoch == 2);
  // Without it, two epochs of 50 samples do not find the law.
  config.enumerate.mode = EnumerateMode::kOff;
  config.threads = 1;
  const SearchResult plain = RunSearch(d, config);
  CHECK(!(plain.best && plain.best->nrmse < 1e-9));
}

TEST_CASE("Under heavy noise the enumeration's second scoring puts the law on the front") {
  // y = 1/sqrt(1 - x^2) on x in [0.1, 0.67], with noise of twice the law's spread over x
  // (0.09): ranked on the 64 screening rows alone it does not reach the front, ranked again
  // on 2000 rows it does.
  constexpr double kNoise = 0.2;
  Dataset d = ProbeData(1, 4000);
  Rng rng(11);
  std::vector<double> truth;
  for (int r = 0; r < 4000; ++r) {
    d.X(r, 0) = rng.Uniform(0.1, 0.67);
    truth.push_back(1.0 / std::sqrt(1.0 - d.X(r, 0) * d.X(r, 0)));
    d.y(r) = truth.back() + kNoise * rng.Normal();
  }
  SearchConfig config = EnumeratingSearch(7);
  // Whether a formula of the front is the law within 0.5 %.
  const auto on_front = [&](const SearchResult& result) {
    for (const Formula& f : result.pareto) {
      const CompiledProgram compiled = Compile(f.program, result.library);
      bool close = true;
      for (std::size_t r = 0; r < truth.size(); ++r) {
        const double x = d.X(static_cast<Eigen::Index>(r), 0);
        const double value =
            EvaluateScalar(compiled, std::span<const double>(&x, 1), f.program.constants);
        close = close && std::abs(value / truth[r] - 1.0) < 5e-3;
      }
      if (close) return true;
    }
    return false;
  };
  CHECK(on_front(RunSearch(d, config)));
  config.enumerate.rerank = 0;
  CHECK_FALSE(on_front(RunSearch(d, config)));
}

TEST_CASE("The enumeration's screening finds a frequency that a fit from 1 misses") {
  // y = sin(2πx)² on x in [0.25, 4]: sin(C*x)^2 is enumerated, and C fitted from 1 ends at
  // 0.82 (NRMSE 1.2); the screening's periodic scan finds 2π, and the search keeps it.
  Dataset d = ProbeData(1, 300);
  const double two_pi = 2.0 * std::acos(-1.0);
  for (int r = 0; r < 300; ++r) {
    d.X(r, 0) = 0.25 + 3.75 * r / 299.0;
    d.y(r) = std::pow(std::sin(two_pi * d.X(r, 0)), 2);
  }
  SearchConfig config = EnumeratingSearch(5);
  const SearchResult r = RunSearch(d, config);
  REQUIRE(r.best.has_value());
  CHECK(r.best->nrmse < 1e-9);
  CHECK(r.first_exact_epoch == 2);
}

TEST_CASE("A law found in the first epoch does not wait for the enumeration") {
  // y = 2x: exact in the first epoch, so enumeration on or off is the same search.
  Dataset d = ProbeData(1, 100);
  for (int r = 0; r < 100; ++r) d.y(r) = 2.0 * d.X(r, 0);
  SearchConfig config;
  config.training.batch_size = 200;
  config.stopping.max_epochs = 4;
  config.seed = 1;
  config.threads = 1;
  config.enumerate.mode = EnumerateMode::kOn;
  const SearchResult on = RunSearch(d, config);
  config.enumerate.mode = EnumerateMode::kOff;
  const SearchResult off = RunSearch(d, config);
  REQUIRE(on.first_exact_epoch == 1);
  CHECK(on.evaluations == off.evaluations);
  CHECK(on.epochs == off.epochs);
}

TEST_CASE("An interrupt during the enumeration ends the run as the first epoch left it") {
  // y = x/(exp(x) - 1) is not found in one epoch of 20, so the enumeration (all lengths, over
  // a second) follows; the interrupt comes 50 ms after the first epoch's report.
  Dataset d = ProbeData(1, 100);
  for (int r = 0; r < 100; ++r) d.y(r) = d.X(r, 0) / (std::exp(d.X(r, 0)) - 1.0);
  SearchConfig config;
  config.training.batch_size = 20;
  config.evolution.offspring = 0;
  config.stopping.max_epochs = 50;
  config.seed = 3;
  config.threads = 1;
  config.enumerate.mode = EnumerateMode::kOn;
  std::atomic<bool> stop{false};
  std::atomic<bool> first_epoch{false};
  SearchCallbacks callbacks;
  callbacks.stop_requested = &stop;
  callbacks.on_epoch = [&](const EpochReport&) {
    first_epoch = true;
    return true;
  };
  std::jthread interrupter([&] {
    while (!first_epoch) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop = true;
  });
  const SearchResult r = RunSearch(d, config, callbacks);
  CHECK(r.stop_reason == StopReason::kInterrupted);
  CHECK(r.epochs == 1);
  CHECK(r.history.size() == 1);
  REQUIRE(r.best.has_value());
  CHECK(r.best->nrmse > 1e-9);  // nothing of the enumeration was kept
}

TEST_CASE("The enumerate option's texts") {
  EnumerateOptions o;
  ParseEnumerate("9", o);
  CHECK(o.mode == EnumerateMode::kOn);
  CHECK(o.max_length == 9);
  CHECK(EnumerateText(o) == "9");
  ParseEnumerate("off", o);
  CHECK(EnumerateText(o) == "off");
  ParseEnumerate("auto", o);
  CHECK(EnumerateText(o) == "auto");
  CHECK(o.Enabled(3));
  CHECK_FALSE(o.Enabled(4));
  CHECK_THROWS_AS(ParseEnumerate("yes", o), InputError);
  CHECK_THROWS_AS(ParseEnumerate("0", o), InputError);
  CHECK_THROWS_AS(ParseEnumerate("31", o), InputError);
}

}  // namespace physr
