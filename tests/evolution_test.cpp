#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <unordered_set>

#include "physr/core/rng.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/printer.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/search/evolution.hpp"
#include "physr/units/unit_parser.hpp"
#include "support/random_program.hpp"

namespace physr {
namespace {

// The damped oscillator's library: y [1] from t [s] with tau [s], omega [1/s], phi [1].
Library OscillatorLibrary() {
  LibrarySpec spec;
  spec.operators = {"add", "sub", "mul", "div", "neg", "exp", "cos", "n2"};
  spec.variables = {{"t", units::ParseUnit("s")}};
  spec.free_constants = {{"tau", units::ParseUnit("s"), 1.0},
                         {"omega", units::ParseUnit("1/s"), 1.0},
                         {"phi", Dimension(), 1.0}};
  return Library::Build(spec);
}

std::set<std::string> Infixes(const std::vector<Program>& programs, const Library& library) {
  std::set<std::string> out;
  for (const Program& p : programs) out.insert(ToInfix(p, library));
  return out;
}

}  // namespace

TEST_CASE("Every offspring is complete, within the length bounds, valid and new") {
  const Library library = testing::FullTestLibrary();
  Rng rng(17);
  // Parents: random programs that check, all of the most common dimension among them.
  std::map<std::string, std::vector<Program>> by_dimension;
  std::map<std::string, Dimension> dimension_of;
  for (int i = 0; i < 4000; ++i) {
    const Program p = testing::RandomProgram(library, rng, 12);
    const UnitCheckResult check = CheckUnits(p, library);
    if (!check.ok) continue;
    const std::string key = check.dimension.ToSymbolString();
    by_dimension[key].push_back(p);
    dimension_of[key] = check.dimension;
  }
  std::string target_key;
  for (const auto& [key, programs] : by_dimension) {
    if (target_key.empty() || programs.size() > by_dimension[target_key].size()) target_key = key;
  }
  const std::vector<Program>& parents = by_dimension[target_key];
  REQUIRE(parents.size() >= 20);

  BreedOptions options;
  options.min_length = 2;
  options.max_length = 14;
  options.target = dimension_of[target_key];
  const Breeder breeder(library, options);
  const std::vector<Program> children = breeder.Breed(parents, 2000, rng);
  CHECK(children.size() >= 500);
  std::unordered_set<std::uint64_t> seen;
  for (const Program& p : parents) seen.insert(HashTokens(p.tokens));
  int failures = 0;
  for (const Program& child : children) {
    const auto n = static_cast<int>(child.tokens.size());
    const bool ok = n >= options.min_length && n <= options.max_length &&
                    IsComplete(child.tokens, library) &&
                    CheckUnits(child, library, options.target).ok &&
                    seen.insert(HashTokens(child.tokens)).second && child.constants.empty();
    if (!ok) ++failures;
  }
  CHECK(failures == 0);
}

TEST_CASE("Crossover joins a decay and an oscillation; mutation adds a phase") {
  Library library = OscillatorLibrary();
  BreedOptions options;
  options.max_length = 20;
  options.target = Dimension();
  const Breeder breeder(library, options);
  std::vector<Program> parents{ParseFormula("exp(-t/tau)", library),
                               ParseFormula("cos(omega*t)", library)};
  Rng rng(3);
  const std::set<std::string> children = Infixes(breeder.Breed(parents, 3000, rng), library);
  const bool joined = children.count("exp(-t/tau)*cos(omega*t)") > 0 ||
                      children.count("cos(omega*t)*exp(-t/tau)") > 0;
  CHECK(joined);

  std::set<std::string> mutants;
  for (int i = 0; i < 3000; ++i) {
    if (const std::optional<Program> m = breeder.Mutate(parents[1], rng)) {
      REQUIRE(CheckUnits(*m, library, Dimension()).ok);
      mutants.insert(ToInfix(*m, library));
    }
  }
  CHECK(mutants.count("cos(omega*t + phi)") + mutants.count("cos(phi + omega*t)") > 0);
  CHECK(mutants.count("cos(omega*t)") == 0);  // a mutant differs from its parent
}

TEST_CASE("Without a target dimension only completeness and length bind") {
  Library library = OscillatorLibrary();
  BreedOptions options;
  options.max_length = 6;
  const Breeder breeder(library, options);
  // t + omega does not check, but with dimensions ignored it is a parent like any other.
  const std::vector<Program> parents{ParseFormula("exp(t)", library),
                                     ParseFormula("tau*omega", library)};
  Rng rng(5);
  const std::vector<Program> children = breeder.Breed(parents, 200, rng);
  CHECK(!children.empty());
  for (const Program& child : children) {
    CHECK(IsComplete(child.tokens, library));
    CHECK(child.tokens.size() <= 6);
  }
  CHECK(!breeder.Valid(ParseFormula("exp(exp(exp(exp(exp(exp(t))))))", library).tokens));
}

}  // namespace physr
