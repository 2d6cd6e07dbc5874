// The memory of the best formulas (search/memory.hpp) and the search's stability check:
// the memory keeps the best distinct k whatever the order of the offers; remembered programs
// replay to the episodes the sampler recorded; searches with the memory and the check are
// reproducible across thread counts; a formula that fits only through rounding stays out of
// the front and the memory.
#include "physr/search/memory.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>
#include <vector>

#include "physr/core/rng.hpp"
#include "physr/eval/stability.hpp"
#include "physr/expr/parser.hpp"
#include "physr/search/engine.hpp"
#include "physr/search/sampler.hpp"
#include "physr/search/search.hpp"
#include "physr/units/unit_parser.hpp"

namespace physr {
namespace {

// The best distinct `k` of the offers by sorting: reward descending, then fewer tokens, then
// the token sequence; repeats dropped (a program's reward is the same at every offer).
std::vector<RememberedProgram> BestBySort(std::vector<RememberedProgram> offers, std::size_t k) {
  std::erase_if(offers, [](const RememberedProgram& p) { return !(p.reward > 0.0); });
  std::sort(offers.begin(), offers.end(), [](const auto& a, const auto& b) {
    if (a.reward != b.reward) return a.reward > b.reward;
    if (a.tokens.size() != b.tokens.size()) return a.tokens.size() < b.tokens.size();
    return a.tokens < b.tokens;
  });
  std::vector<RememberedProgram> best;
  std::set<std::vector<TokenId>> seen;
  for (const RememberedProgram& p : offers) {
    if (best.size() == k) break;
    if (seen.insert(p.tokens).second) best.push_back(p);
  }
  return best;
}

void CheckSame(const std::vector<RememberedProgram>& a, const std::vector<RememberedProgram>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CHECK(a[i].tokens == b[i].tokens);
    CHECK(a[i].reward == b[i].reward);
  }
}

Dataset OneColumn(const char* name, std::vector<double> x, std::vector<double> y) {
  Dataset d;
  d.names = {name};
  d.dimensions = {units::Dimension()};
  d.target_name = "y";
  d.target_dimension = units::Dimension();
  d.X.resize(static_cast<Eigen::Index>(x.size()), 1);
  d.y.resize(static_cast<Eigen::Index>(y.size()));
  for (std::size_t r = 0; r < x.size(); ++r) {
    d.X(static_cast<Eigen::Index>(r), 0) = x[r];
    d.y(static_cast<Eigen::Index>(r)) = y[r];
  }
  return d;
}

}  // namespace

TEST_CASE("ProgramMemory keeps the best distinct k offers, whatever their order") {
  Rng rng(17);
  for (int trial = 0; trial < 20; ++trial) {
    CAPTURE(trial);
    // Short programs over 3 tokens, so that repeats are common; rewards on a coarse grid, so
    // that ties are too. A program's reward is a function of its tokens.
    std::vector<RememberedProgram> offers;
    for (int i = 0; i < 200; ++i) {
      RememberedProgram p;
      p.tokens.resize(1 + rng.Below(4));
      for (TokenId& t : p.tokens) t = static_cast<TokenId>(rng.Below(3));
      std::uint64_t h = 7;
      for (const TokenId t : p.tokens) h = h * 31 + t;
      p.reward = static_cast<double>(h % 7) / 6.0;  // 0 (never kept) to 1
      offers.push_back(p);
    }
    const std::size_t k = 1 + rng.Below(12);
    const std::vector<RememberedProgram> expected = BestBySort(offers, k);
    for (int order = 0; order < 3; ++order) {
      for (std::size_t i = offers.size(); i > 1; --i)
        std::swap(offers[i - 1], offers[rng.Below(i)]);
      ProgramMemory memory(static_cast<int>(k));
      for (const RememberedProgram& p : offers) {
        const bool accepts = memory.Accepts(p.tokens, p.reward);
        CHECK(memory.Offer(p.tokens, p.reward) == accepts);
      }
      CheckSame(memory.entries(), expected);
    }
  }
  ProgramMemory none(0);
  CHECK_FALSE(none.Offer({1, 2}, 0.9));
  ProgramMemory one(1);
  CHECK_FALSE(one.Offer({1}, std::nan("")));
  CHECK(one.Offer({1}, 0.5));
  CHECK_FALSE(one.Offer({1}, 0.5));  // already remembered
  CHECK_FALSE(one.Offer({2}, 0.4));  // ranks after the last entry of a full memory
  CHECK(one.Offer({2}, 0.6));
  CHECK(one.entries().front().tokens == std::vector<TokenId>{2});
}

TEST_CASE("Sampler::Replay records the episodes the sampler recorded; broken programs fail") {
  Dataset force;
  force.names = {"m", "a"};
  force.dimensions = {units::ParseUnit("kg"), units::ParseUnit("m/s^2")};
  force.target_name = "F";
  force.target_dimension = units::ParseUnit("N");
  force.X = Eigen::MatrixXd::Ones(4, 2);
  force.y = Eigen::VectorXd::Ones(4);
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
  const SampleBatch batch = sampler.Sample(policy, rng);
  const EpisodeBuffer recorded = sampler.episodes();
  REQUIRE(batch.programs.size() >= 10);
  std::vector<std::vector<TokenId>> programs;
  for (std::size_t i = 0; i < 10; ++i) programs.push_back(batch.programs[i].tokens);
  // Broken: a program cut short, one extended past its end, one with a token the units forbid
  // (the target's dimension is force, a mass alone is not).
  programs.push_back({programs[0].begin(), programs[0].end() - 1});
  programs.push_back(programs[0]);
  programs.back().push_back(programs[0].back());
  programs.push_back({*library.FindTerminal("m")});
  EpisodeBuffer replayed(0, 20, encoder.feature_size(), static_cast<int>(library.size()));
  const std::vector<std::uint8_t> ok = sampler.Replay(programs, replayed);
  REQUIRE(ok.size() == programs.size());
  const int features = encoder.feature_size();
  const int tokens = static_cast<int>(library.size());
  for (int i = 0; i < 10; ++i) {
    CAPTURE(i);
    CHECK(ok[static_cast<std::size_t>(i)] == 1);
    const int from = batch.episode[static_cast<std::size_t>(i)];
    REQUIRE(replayed.length(i) == recorded.length(from));
    std::vector<float> a_in(static_cast<std::size_t>(features)), b_in(a_in.size());
    std::vector<std::uint8_t> a_mask(static_cast<std::size_t>(tokens)), b_mask(a_mask.size());
    std::vector<float> a_log(static_cast<std::size_t>(tokens)), b_log(a_log.size());
    for (int t = 0; t < replayed.length(i); ++t) {
      CHECK(replayed.Action(i, t) == recorded.Action(from, t));
      replayed.DecodeInputs(i, t, a_in.data());
      recorded.DecodeInputs(from, t, b_in.data());
      replayed.DecodeMask(i, t, a_mask.data(), a_log.data());
      recorded.DecodeMask(from, t, b_mask.data(), b_log.data());
      CHECK(std::memcmp(a_in.data(), b_in.data(), sizeof(float) * a_in.size()) == 0);
      CHECK(a_mask == b_mask);
      CHECK(std::memcmp(a_log.data(), b_log.data(), sizeof(float) * a_log.size()) == 0);
    }
  }
  CHECK(ok[10] == 0);
  CHECK(ok[11] == 0);
  CHECK(ok[12] == 0);
}

TEST_CASE("With the search's stability check a rounding residue stays out of front and memory") {
  // y is what double makes of (x + 1) − x for even integers x just above 2^53, where doubles
  // are 2 apart: x + 1 is a tie, rounded to the even neighbour, so y is 0 or 2, never the 1
  // of exact arithmetic. The formula (x + 1) − x fits it exactly in double, through rounding
  // alone; long double (11 more bits) computes 1.
  std::vector<double> x, y;
  Rng rng(3);
  for (int r = 0; r < 60; ++r) {
    x.push_back(std::ldexp(1.0, 53) + 2.0 * static_cast<double>(rng.Below(1000000)));
    y.push_back((x.back() + 1.0) - x.back());
  }
  const Dataset d = OneColumn("x", x, y);
  const std::set<double> values(y.begin(), y.end());
  REQUIRE(values.size() > 1);
  for (const bool check : {false, true}) {
    CAPTURE(check);
    SearchConfig config;
    config.training.batch_size = 16;
    config.training.memory = 4;
    config.search_stability = check;
    config.stopping.max_epochs = 1;
    config.threads = 1;
    SearchEngine engine(d, config);
    Library library = engine.library();
    const Program residue = ParseFormula("(x + 1) - x", library);
    REQUIRE(library.size() == engine.library().size());  // the search's own tokens
    REQUIRE(!NumericallyStable(residue, library, d));
    const std::vector<double> rewards = engine.Consider(std::vector<Program>{residue}, 1);
    CHECK(rewards[0] == 1.0);  // it is scored as it fits, exact
    const SearchState& state = engine.state();
    const bool in_front =
        std::any_of(state.front.entries().begin(), state.front.entries().end(),
                    [&](const FrontEntry& e) { return e.program.tokens == residue.tokens; });
    const bool remembered =
        std::any_of(state.memory.entries().begin(), state.memory.entries().end(),
                    [&](const RememberedProgram& e) { return e.tokens == residue.tokens; });
    CHECK(in_front == !check);
    CHECK(remembered == !check);
    CHECK(std::isfinite(state.counters.best_nrmse) == !check);  // nor counts as the best
    CHECK(state.counters.evaluations == 1);
  }
}

TEST_CASE("A search with the memory and the stability check is the same on 1 or 2 threads") {
  Dataset d;
  d.names = {"m", "v", "h"};
  d.dimensions = {units::ParseUnit("kg"), units::ParseUnit("m/s"), units::ParseUnit("m")};
  d.target_name = "E";
  d.target_dimension = units::ParseUnit("J");
  Rng rng(21);
  d.X.resize(60, 3);
  d.y.resize(60);
  for (Eigen::Index r = 0; r < 60; ++r) {
    for (Eigen::Index c = 0; c < 3; ++c) d.X(r, c) = rng.Uniform(0.5, 3.0);
    d.y(r) = d.X(r, 0) * 9.81 * d.X(r, 2) + 0.5 * d.X(r, 0) * d.X(r, 1) * d.X(r, 1);
  }
  SearchConfig config;
  config.training.batch_size = 300;
  config.training.memory = 20;
  config.search_stability = true;
  config.priors.max_length = 20;
  config.stopping.max_epochs = 4;
  config.seed = 9;
  config.threads = 1;
  SearchEngine one_engine(d, config);
  const SearchResult one = one_engine.Run();
  config.threads = 2;
  SearchEngine two_engine(d, config);
  const SearchResult two = two_engine.Run();
  CHECK(one_engine.state().memory.entries().size() == 20);
  CheckSame(one_engine.state().memory.entries(), two_engine.state().memory.entries());
  REQUIRE(one.pareto.size() == two.pareto.size());
  for (std::size_t i = 0; i < one.pareto.size(); ++i) {
    CHECK(one.pareto[i].program == two.pareto[i].program);
    CHECK(one.pareto[i].nrmse == two.pareto[i].nrmse);
  }
  CHECK(one.evaluations == two.evaluations);
}

TEST_CASE("The enumeration's best programs enter the memory that trains the policy") {
  // y = x·exp(x) + x: seven tokens, found by the enumeration and not by two batches of 16.
  std::vector<double> x, y;
  for (int r = 0; r < 40; ++r) {
    x.push_back(0.1 + 0.05 * r);
    y.push_back(x.back() * std::exp(x.back()) + x.back());
  }
  const Dataset d = OneColumn("x", x, y);
  for (const bool enumerate : {false, true}) {
    CAPTURE(enumerate);
    SearchConfig config;
    config.training.batch_size = 16;
    config.evolution.offspring = 0;
    config.training.memory = 8;
    config.enumerate.mode = enumerate ? EnumerateMode::kOn : EnumerateMode::kOff;
    config.enumerate.max_length = 7;
    config.stopping.max_epochs = 2;  // the enumeration runs after the first
    config.seed = 2;
    config.threads = 1;
    SearchEngine engine(d, config);
    engine.Run();
    const std::vector<RememberedProgram>& memory = engine.state().memory.entries();
    REQUIRE(!memory.empty());
    CHECK((memory.front().reward >= 1.0 - 1e-9) == enumerate);
  }
}

}  // namespace physr
