// Tests of the priors: the dimension lattice (MinLen and pair costs against brute-force
// enumeration), PartialBatch bookkeeping, the exact units look-ahead, each structural prior on
// hand-made partial programs, the observation features, and a sampling property test: every
// program sampled under the priors is complete, within the length bounds and has the target
// dimension by an independent checker (and CheckUnits).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/priors/default_priors.hpp"
#include "physr/priors/dimension_lattice.hpp"
#include "physr/priors/observation.hpp"
#include "physr/priors/partial_batch.hpp"
#include "physr/priors/prior.hpp"
#include "physr/priors/structure_priors.hpp"
#include "physr/priors/units_prior.hpp"

namespace physr {
namespace {

Dimension Dim(int l, int m = 0, int t = 0) { return Dimension::FromInts({l, m, t}); }
const Dimension kJoule = Dim(2, 1, -2);

// Independent dimension of a complete prefix program with Rational exponents; nullopt when a
// unit rule is broken (pow: both operands dimensionless, as the priors require).
std::optional<Dimension> ReferenceDimension(const std::vector<TokenId>& tokens,
                                            const Library& library) {
  std::vector<std::optional<Dimension>> stack;
  for (std::size_t i = tokens.size(); i-- > 0;) {
    const Token& t = library[tokens[i]];
    if (t.IsTerminal()) {
      stack.push_back(t.dimension);
      continue;
    }
    const std::optional<Dimension> a = stack.back();
    stack.pop_back();
    std::optional<Dimension> b;
    if (t.arity == 2) {
      b = stack.back();
      stack.pop_back();
    }
    std::optional<Dimension> out;
    if (a && (t.arity == 1 || b)) {
      switch (t.rule) {
        case UnitRule::kSame:
          if (*a == *b) out = a;
          break;
        case UnitRule::kProduct:
          out = *a * *b;
          break;
        case UnitRule::kQuotient:
          out = *a / *b;
          break;
        case UnitRule::kPower:
          out = a->Pow(t.power);
          break;
        case UnitRule::kPreserve:
          out = a;
          break;
        case UnitRule::kDimensionless:
          if (a->IsDimensionless()) out = Dimension();
          break;
        case UnitRule::kPowRule:
          if (a->IsDimensionless() && b->IsDimensionless()) out = Dimension();
          break;
        case UnitRule::kTerminal:
          break;
      }
    }
    stack.push_back(out);
  }
  REQUIRE(stack.size() == 1);
  return stack.back();
}

Library MakeLibrary(const std::vector<std::string>& ops,
                    const std::vector<std::pair<std::string, Dimension>>& variables,
                    int num_free_constants = 0, bool one = true) {
  LibrarySpec spec;
  spec.operators = ops;
  for (const auto& [name, dim] : variables) spec.variables.push_back({name, dim});
  if (one) spec.fixed_constants.push_back({"1", 1.0, Dimension()});
  for (int i = 0; i < num_free_constants; ++i) {
    spec.free_constants.push_back({"C" + std::to_string(i + 1), Dimension(), 1.0});
  }
  return Library::Build(spec);
}

TokenId Id(const Library& library, const std::string& name) {
  const auto id = library.Find(name);
  REQUIRE(id.has_value());
  return *id;
}

// All complete programs of length ≤ max_len (DFS over prefixes), passed to `visit`.
template <typename F>
void EnumeratePrograms(const Library& library, int max_len, F&& visit) {
  std::vector<TokenId> tokens;
  auto rec = [&](auto&& self, int open) -> void {
    if (open == 0) {
      visit(tokens);
      return;
    }
    for (std::size_t id = 0; id < library.size(); ++id) {
      const int arity = library[static_cast<TokenId>(id)].arity;
      if (static_cast<int>(tokens.size()) + 1 + (open - 1 + arity) > max_len) continue;
      tokens.push_back(static_cast<TokenId>(id));
      self(self, open - 1 + arity);
      tokens.pop_back();
    }
  };
  rec(rec, 1);
}

std::vector<std::uint8_t> MaskOf(const PriorSet& priors, const PartialBatch& batch,
                                 int* dead = nullptr) {
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(batch.batch_size()) *
                                 batch.library().size());
  const int d =
      priors.ComputeMask(batch, TokenMask{mask, static_cast<int>(batch.library().size())});
  if (dead) *dead = d;
  return mask;
}

PartialBatch BatchOf(const DimensionLattice& lattice, int max_length,
                     const std::vector<std::string>& tokens) {
  PartialBatch batch(lattice, max_length);
  batch.Reset(1);
  for (const std::string& name : tokens) batch.Append(0, Id(lattice.library(), name));
  return batch;
}

// ---------------------------------------------------------------------------------------

TEST_CASE("DivideByPower undoes Scale by the same power") {
  LatticeDim a;
  a.num[0] = 2;
  a.num[1] = -4;
  const auto dim = [](std::int32_t x, std::int32_t y) {
    LatticeDim d;
    d.num[0] = x;
    d.num[1] = y;
    return d;
  };
  CHECK(DivideByPower(a, 2, 1) == dim(1, -2));   // the base of a square
  CHECK(DivideByPower(a, -1, 1) == dim(-2, 4));  // of an inverse
  CHECK(DivideByPower(a, 1, 2) == dim(4, -8));   // of a square root
  CHECK(DivideByPower(a, -1, 2) == dim(-4, 8));  // of an inverse square root
  CHECK(DivideByPower(a, -2, 3) == dim(-3, 6));
  for (const auto& [p_num, p_den] : {std::pair{2, 1}, std::pair{-1, 1}, std::pair{1, 2},
                                     std::pair{-1, 2}, std::pair{3, 1}, std::pair{-2, 3}}) {
    CAPTURE(p_num);
    CAPTURE(p_den);
    const LatticeDim base = DivideByPower(a, p_num, p_den);
    if (base.valid) CHECK(Scale(base, p_num, p_den) == a);
  }
  CHECK_FALSE(DivideByPower(a, 3, 1).valid);  // 2/3 is not on the lattice
  LatticeDim invalid = a;
  invalid.valid = false;
  CHECK_FALSE(DivideByPower(invalid, 1, 2).valid);
}

TEST_CASE("MinLen and PairCost match brute-force enumeration") {
  const Library library =
      MakeLibrary({"add", "mul", "div", "n2", "sqrt", "inv", "neg"},
                  {{"x", Dim(1)}, {"t", Dim(0, 0, 1)}, {"m", Dim(0, 1)}}, 0, false);
  DimensionLatticeOptions options;
  options.max_length = 7;
  const DimensionLattice lattice(library, std::nullopt, options);
  CHECK(lattice.num_active_bases() == 3);
  CHECK(lattice.denominator() == 2);  // sqrt halves integer exponents

  constexpr int kMaxLen = 5;
  std::map<Dimension, int> best;  // shortest program per dimension, exact rationals
  EnumeratePrograms(library, kMaxLen, [&](const std::vector<TokenId>& p) {
    const auto d = ReferenceDimension(p, library);
    if (!d) return;
    auto [it, inserted] = best.emplace(*d, static_cast<int>(p.size()));
    if (!inserted) it->second = std::min(it->second, static_cast<int>(p.size()));
  });
  REQUIRE(best.size() > 50);
  for (const auto& [dim, len] : best) {
    const LatticeDim ld = lattice.Encode(dim);
    if (lattice.Cell(ld) < 0) continue;  // outside the box: not tabulated
    INFO(dim.ToSymbolString());
    CHECK(lattice.MinLen(ld) == len);
    CHECK(lattice.Decode(ld) == dim);
  }
  // Dimensions with no program of length ≤ 5 have MinLen > 5.
  const LatticeDim far = lattice.Encode(Dim(3, -1, 2));
  CHECK(best.count(Dim(3, -1, 2)) == 0);
  CHECK(lattice.MinLen(far) > kMaxLen);
  CHECK(lattice.MinLen(lattice.Encode(Dim(1))) == 1);
  CHECK(lattice.MinLen(lattice.Encode(Dim(1, 0, -1))) == 3);  // div x t
  CHECK(lattice.MinLen(lattice.Encode(Dimension())) == 3);    // div x x

  // Cells and DimAt are inverse over the whole box, and the free levels list each cell of
  // finite FreeMinLen exactly once, at its FreeMinLen.
  const std::int64_t side = 2 * std::int64_t{lattice.box_half_width()} + 1;
  std::int64_t box = 1;
  for (int i = 0; i < lattice.num_active_bases(); ++i) box *= side;
  std::vector<int> listed(static_cast<std::size_t>(box), 0);
  for (int len = 1; len <= lattice.max_length(); ++len) {
    for (const std::int32_t cell : lattice.FreeLevel(len)) {
      REQUIRE(cell >= 0);
      REQUIRE(cell < box);
      ++listed[static_cast<std::size_t>(cell)];
      CHECK(lattice.FreeMinLen(lattice.DimAt(cell)) == len);
    }
  }
  int reachable = 0;
  for (std::int64_t cell = 0; cell < box; ++cell) {
    const LatticeDim d = lattice.DimAt(cell);
    REQUIRE(lattice.Cell(d) == cell);
    const bool finite = lattice.FreeMinLen(d) <= lattice.max_length();
    reachable += finite ? 1 : 0;
    CHECK(listed[static_cast<std::size_t>(cell)] == (finite ? 1 : 0));
  }
  CHECK(reachable > 50);

  // PairCost: brute-force min over the tabulated box.
  for (const Dimension& u : {Dim(1, 0, -1), kJoule, Dim(0, 0, 0), Dim(2, 1)}) {
    const LatticeDim lu = lattice.Encode(u);
    int want_mul = DimensionLattice::kUnreachable;
    int want_div = DimensionLattice::kUnreachable;
    for (const auto& [d, len] : best) {
      const LatticeDim ld = lattice.Encode(d);
      if (lattice.Cell(ld) < 0) continue;
      const int a = lattice.MinLen(ld);
      const int m = lattice.MinLen(lu - ld);
      const int q = lattice.MinLen(ld - lu);
      if (m < DimensionLattice::kUnreachable) want_mul = std::min(want_mul, a + m);
      if (q < DimensionLattice::kUnreachable) want_div = std::min(want_div, a + q);
    }
    INFO(u.ToSymbolString());
    CHECK(lattice.PairCost(UnitRule::kProduct, lu) == want_mul);
    CHECK(lattice.PairCost(UnitRule::kQuotient, lu) == want_div);
  }
}

TEST_CASE("an unreachable target is reported up front") {
  const Library library =
      MakeLibrary({"add", "mul", "div", "sqrt"}, {{"x", Dim(1)}, {"t", Dim(0, 0, 1)}});
  const DimensionLattice lattice(library, Dim(2, 1));
  try {
    CheckTargetReachable(lattice);
    FAIL("expected InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          "no dimensionally valid expression of length ≤ 35 gives kg*m^2 from these variables");
  }
  CHECK_THROWS_AS(UnitsPrior(lattice, 35), InputError);
  CHECK_THROWS_AS(MakeDefaultPriors(lattice), InputError);

  // Reachable, but not within the length bound: x^8 needs n2 n2 n2 x (4 tokens).
  const Library squares = MakeLibrary({"n2"}, {{"x", Dim(1)}});
  DimensionLatticeOptions short_options;
  short_options.max_length = 3;
  CHECK_THROWS_AS(CheckTargetReachable(DimensionLattice(squares, Dim(8), short_options)),
                  InputError);
  short_options.max_length = 4;
  CHECK_NOTHROW(CheckTargetReachable(DimensionLattice(squares, Dim(8), short_options)));
}

TEST_CASE("PartialBatch propagates requirements and dimensions") {
  const Library library =
      MakeLibrary({"add", "sub", "mul", "div", "n2", "sqrt", "inv", "exp", "neg"},
                  {{"m", Dim(0, 1)}, {"x", Dim(1)}, {"t", Dim(0, 0, 1)}, {"E", kJoule}});
  const DimensionLattice lattice(library, kJoule);
  const auto fixed = [&](const Requirement& r, const Dimension& d) {
    return r.is_fixed() && lattice.Decode(r.dim) == d;
  };
  PartialBatch batch(lattice, 35);
  batch.Reset(2);
  CHECK(fixed(batch.CurrentRequirement(0), kJoule));
  CHECK(batch.num_open_slots(0) == 1);
  CHECK(batch.ParentToken(0) == kNoToken);

  batch.Append(0, Id(library, "mul"));
  CHECK(batch.CurrentRequirement(0).is_free());
  CHECK(batch.num_open_slots(0) == 2);
  batch.Append(0, Id(library, "m"));
  CHECK(fixed(batch.CurrentRequirement(0), Dim(2, 0, -2)));  // J / kg
  CHECK(batch.SiblingToken(0) == Id(library, "m"));
  CHECK(batch.ParentToken(0) == Id(library, "mul"));
  batch.Append(0, Id(library, "n2"));
  CHECK(fixed(batch.CurrentRequirement(0), Dim(1, 0, -1)));
  batch.Append(0, Id(library, "div"));
  CHECK(batch.CurrentRequirement(0).is_free());
  batch.Append(0, Id(library, "x"));
  CHECK(fixed(batch.CurrentRequirement(0), Dim(0, 0, 1)));  // x / (L T^-1)
  CHECK_FALSE(batch.IsComplete(0));
  batch.Append(0, Id(library, "t"));
  CHECK(batch.IsComplete(0));
  CHECK(batch.num_open_slots(0) == 0);
  CHECK(batch.length(0) == 6);
  CHECK(lattice.Decode(batch.ResultDim(0)) == kJoule);
  CHECK(batch.Count(0, Id(library, "x")) == 1);

  // Row 1: add passes the requirement to both operands; sqrt squares it; exp wants 1.
  batch.Append(1, Id(library, "add"));
  CHECK(fixed(batch.CurrentRequirement(1), kJoule));
  batch.Append(1, Id(library, "sqrt"));
  CHECK(fixed(batch.CurrentRequirement(1), Dim(4, 2, -4)));
  batch.Append(1, Id(library, "inv"));
  CHECK(fixed(batch.CurrentRequirement(1), Dim(-4, -2, 4)));
  CHECK(batch.Path(1).size() == 4);
  batch.ResetRow(1);
  batch.Append(1, Id(library, "sub"));
  batch.Append(1, Id(library, "E"));
  CHECK(fixed(batch.CurrentRequirement(1), kJoule));
  CHECK(batch.SiblingToken(1) == Id(library, "E"));
  batch.Append(1, Id(library, "mul"));
  batch.Append(1, Id(library, "exp"));
  CHECK(fixed(batch.CurrentRequirement(1), Dimension()));
  CHECK(batch.PreviousRequirement(1).is_free());  // exp sits in mul's free first operand
  CHECK(batch.tokens(1).size() == 4);

  // Reset reuses storage and empties rows.
  batch.Reset(1);
  CHECK(batch.length(0) == 0);
  CHECK_FALSE(batch.IsComplete(0));
}

// Brute force against the units look-ahead, for each target and max_length (skipped when the
// target is out of reach): every allowed continuation of a valid prefix can still be completed
// validly, and where no open operand's requirement waits on an unfinished free operand the mask
// is exact: it allows precisely the continuations that can be completed (`exact` false checks
// only the first, for tables that skip dimensions). Returns the number of valid prefixes.
int CheckLookAhead(const Library& library, const std::vector<Dimension>& targets,
                   const std::vector<int>& max_lengths, const DimensionLatticeOptions& base,
                   bool exact = true) {
  int prefixes = 0;
  for (const Dimension& target : targets) {
    for (int max_len : max_lengths) {
      DimensionLatticeOptions options = base;
      options.max_length = max_len;
      const DimensionLattice lattice(library, target, options);
      if (lattice.MinLen(*lattice.target()) > max_len) continue;
      PriorSet priors;
      priors.Add(std::make_unique<HardLengthPrior>(library, 1, max_len));
      priors.Add(std::make_unique<UnitsPrior>(lattice, max_len, 1.0));
      std::map<std::vector<TokenId>, std::set<TokenId>> valid_next;
      // Shortest valid program through each (prefix, next token).
      std::map<std::vector<TokenId>, std::map<TokenId, int>> shortest;
      int num_valid = 0;
      EnumeratePrograms(library, max_len, [&](const std::vector<TokenId>& p) {
        const auto d = ReferenceDimension(p, library);
        if (!d || *d != target) return;
        // The lattice holds halves (one sqrt of an integer exponent) within its box: programs
        // with a subexpression outside it (sqrt sqrt x) are outside the search space.
        const std::vector<int> ends = SubtreeEnds(p, library);
        for (std::size_t k = 0; k < p.size(); ++k) {
          const std::vector<TokenId> sub(p.begin() + static_cast<long>(k), p.begin() + ends[k]);
          if (!lattice.OnBox(lattice.Encode(*ReferenceDimension(sub, library)))) return;
        }
        ++num_valid;
        for (std::size_t k = 0; k < p.size(); ++k) {
          const std::vector<TokenId> prefix(p.begin(), p.begin() + static_cast<long>(k));
          valid_next[prefix].insert(p[k]);
          const auto [it, inserted] = shortest[prefix].emplace(p[k], static_cast<int>(p.size()));
          if (!inserted) it->second = std::min(it->second, static_cast<int>(p.size()));
        }
      });
      REQUIRE(num_valid > 0);
      prefixes += static_cast<int>(valid_next.size());
      int exact_checks = 0;
      int allowed_count = 0;
      int valid_count = 0;
      for (const auto& [prefix, next] : valid_next) {
        PartialBatch batch(lattice, max_len);
        batch.Reset(1);
        for (TokenId t : prefix) batch.Append(0, t);
        const std::vector<std::uint8_t> mask = MaskOf(priors, batch);
        std::vector<float> factors(library.size());
        priors.ComputeLogFactors(batch, TokenLogFactors{factors, static_cast<int>(library.size())});
        int best = max_len + 1;
        for (const auto& [t, len] : shortest[prefix]) best = std::min(best, len);
        bool waits_on_free = false;
        for (const OpenNode& n : batch.Path(0)) {
          waits_on_free =
              waits_on_free || (n.arity == 2 && n.next_child == 0 &&
                                (n.rule == UnitRule::kProduct || n.rule == UnitRule::kQuotient ||
                                 (n.rule == UnitRule::kSame && n.requirement.is_free())));
        }
        for (std::size_t id = 0; id < library.size(); ++id) {
          const bool valid = next.count(static_cast<TokenId>(id)) > 0;
          std::string text;
          for (TokenId t : prefix) text += library[t].name + " ";
          INFO("target ", target.ToSymbolString(), " max ", max_len, " prefix ", text, " token ",
               library[static_cast<TokenId>(id)].name);
          if (mask[id] == 1) CHECK(valid);
          allowed_count += mask[id];
          valid_count += valid ? 1 : 0;
          if (exact && !waits_on_free) {
            CHECK(mask[id] == static_cast<int>(valid));
            ++exact_checks;
            // Fixed slots: the Occam factor is exactly −(extra length of the shortest
            // completion through the token).
            if (valid) {
              CHECK(factors[id] ==
                    doctest::Approx(-(shortest[prefix][static_cast<TokenId>(id)] - best)));
            }
          }
        }
      }
      if (exact) {
        CHECK(exact_checks > 0);
        // The completion class loses little: most valid continuations stay allowed.
        CHECK(allowed_count >= 0.9 * valid_count);
      }
    }
  }
  return prefixes;
}

TEST_CASE("units look-ahead is exact against brute force on a small library") {
  const Library library = MakeLibrary({"add", "mul", "div", "sqrt", "n2"},
                                      {{"x", Dim(1)}, {"t", Dim(0, 0, 1)}}, 0, true);
  const std::vector<Dimension> targets = {Dim(1, 0, -1), Dim(1), Dim(0, 0, 0), Dim(1, 0, -2)};
  DimensionLatticeOptions options;
  SUBCASE("dense table") { CHECK(CheckLookAhead(library, targets, {5, 7}, options) > 0); }
  SUBCASE("sparse table") {
    options.force_sparse = true;
    CHECK(CheckLookAhead(library, targets, {5, 7}, options) > 0);
  }
}

TEST_CASE("units look-ahead is exact against brute force with defined operators") {
  // Each rule a definition can take: dimensionless argument, equal units, a power (1/3 needs
  // a finer lattice than sqrt), product.
  LibrarySpec spec;
  spec.operators = {"add", "div"};
  spec.definitions = {"sinc(x)=sin(x)/x", "hyp(x,y)=sqrt(x^2+y^2)", "cbrt(x)=x^(1/3)",
                      "dot(x,y)=2*x*y"};
  spec.variables = {{"x", Dim(1)}, {"t", Dim(0, 0, 1)}};
  spec.fixed_constants = {{"1", 1.0, Dimension()}};
  const Library library = Library::Build(spec);
  const std::vector<Dimension> targets = {Dim(1, 0, -1), Dim(1), Dim(0, 0, 0), Dim(2, 0, 1)};
  CHECK(CheckLookAhead(library, targets, {5, 6}, DimensionLatticeOptions{}) > 0);
}

TEST_CASE("completion length log-factors of the units prior on hand-made prefixes") {
  // Target L from x [L] and t [T] with add, mul, div (no "1"). Shortest completions, counted
  // by hand: at the root x closes at once (0 more tokens); add needs x x (2); mul and div
  // need 4 (mul x div x x, div mul x x x). After "mul x" the slot needs a dimensionless
  // value: div x x (2 more), add (div x x)(div x x) (6), mul needs a 1/L factor of 3 tokens'
  // minimum 5 besides a terminal (6).
  const Library library =
      MakeLibrary({"add", "mul", "div"}, {{"x", Dim(1)}, {"t", Dim(0, 0, 1)}}, 0, false);
  const DimensionLattice lattice(library, Dim(1));
  const TokenId add = Id(library, "add"), mul = Id(library, "mul"), div = Id(library, "div"),
                x = Id(library, "x"), t = Id(library, "t");
  std::vector<float> f(library.size());
  const auto factors = [&](double beta, const std::vector<std::string>& prefix) {
    PriorSet priors;
    priors.Add(std::make_unique<UnitsPrior>(lattice, 35, beta));
    const PartialBatch batch = BatchOf(lattice, 35, prefix);
    priors.ComputeLogFactors(batch, TokenLogFactors{f, static_cast<int>(library.size())});
    return MaskOf(priors, batch);
  };
  for (double beta : {1.0, 0.5, 2.5}) {
    INFO("beta ", beta);
    auto mask = factors(beta, {});
    CHECK(mask[t] == 0);  // the mask is the look-ahead's, whatever beta
    CHECK(mask[x] == 1);
    CHECK(mask[add] == 1);
    CHECK(f[x] == 0.0f);
    CHECK(f[add] == doctest::Approx(-beta * 2.0));
    CHECK(f[mul] == doctest::Approx(-beta * 4.0));
    CHECK(f[div] == doctest::Approx(-beta * 4.0));
    CHECK(f[t] == 0.0f);  // not allowed: left alone
    mask = factors(beta, {"mul", "x"});
    CHECK(mask[x] == 0);
    CHECK(mask[t] == 0);
    CHECK(mask[mul] == 1);
    CHECK(f[div] == 0.0f);
    CHECK(f[add] == doctest::Approx(-beta * (6.0 - 2.0)));
    CHECK(f[mul] == doctest::Approx(-beta * (6.0 - 2.0)));
    // The cheaper token is favoured by exactly exp(beta × difference) over the dearer one.
    factors(beta, {});
    CHECK(std::exp(f[add] - f[mul]) == doctest::Approx(std::exp(beta * 2.0)));
  }
  // beta = 0 adds nothing and leaves the mask as it was.
  const auto with = factors(1.0, {"mul"});
  const auto without = factors(0.0, {"mul"});
  CHECK(with == without);
  for (float v : f) CHECK(v == 0.0f);
}

TEST_CASE("units prior: factors priced by Apply equal a fresh pricing up to a row shift") {
  const Library library = MakeLibrary({"add", "sub", "mul", "div", "n2", "sqrt", "exp", "cos"},
                                      {{"x", Dim(1)}, {"t", Dim(0, 0, 1)}, {"m", Dim(0, 1)}}, 2);
  const DimensionLattice lattice(library, kJoule);
  const UnitsPrior prior(lattice, 20, 1.5);
  const UnitsPrior unprimed(lattice, 20, 1.5);  // never sees Apply: prices from scratch
  const auto n = static_cast<int>(library.size());
  Rng rng(11);
  PartialBatch batch(lattice, 20);
  const int rows = 64;
  batch.Reset(rows);
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(rows) * n);
  std::vector<float> cached(static_cast<std::size_t>(rows) * n);
  std::vector<float> fresh(static_cast<std::size_t>(rows) * n);
  int compared = 0;
  for (int step = 0; step < 20; ++step) {
    std::fill(mask.begin(), mask.end(), std::uint8_t{1});
    prior.Apply(batch, TokenMask{mask, n});
    std::fill(cached.begin(), cached.end(), 0.0f);
    prior.AddLogFactors(batch, TokenLogFactors{cached, n});  // from Apply's pricing
    std::fill(fresh.begin(), fresh.end(), 0.0f);
    unprimed.AddLogFactors(batch, TokenLogFactors{fresh, n});
    for (int r = 0; r < rows; ++r) {
      if (batch.IsComplete(r)) continue;
      std::optional<float> shift;
      std::vector<TokenId> allowed;
      for (int t = 0; t < n; ++t) {
        const auto i = static_cast<std::size_t>(r * n + t);
        if (mask[i] == 0) continue;
        allowed.push_back(static_cast<TokenId>(t));
        if (!shift) shift = cached[i] - fresh[i];
        CHECK(cached[i] - fresh[i] == doctest::Approx(*shift));
        ++compared;
      }
      REQUIRE(!allowed.empty());
      batch.Append(r, allowed[rng.Below(allowed.size())]);
    }
  }
  CHECK(compared > 1000);
}

// The units prior keeps what it learns of an upper path (the open operators from the deepest
// fixed requirement up) across rows, steps and batches; a prior that has priced many rows must
// price each one exactly as a new prior that sees that row alone. The short bound makes the
// budget of a free slot matter (the candidate search stops at it).
TEST_CASE("units prior: memos shared across rows and batches change no mask or factor") {
  const Library library =
      MakeLibrary({"add", "sub", "mul", "div", "inv", "n2", "sqrt", "exp", "cos"},
                  {{"x", Dim(1)}, {"t", Dim(0, 0, 1)}, {"m", Dim(0, 1)}, {"v", Dim(1, 0, -1)}}, 2);
  const DimensionLattice lattice(library, kJoule);
  const auto n = static_cast<int>(library.size());
  const int rows = 48;
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(rows) * n);
  std::vector<float> factors(static_cast<std::size_t>(rows) * n);
  std::vector<std::uint8_t> one_mask(static_cast<std::size_t>(n));
  std::vector<float> one_factors(static_cast<std::size_t>(n));
  for (const int max_length : {9, 20}) {
    const UnitsPrior warm(lattice, max_length, 1.5);
    Rng rng(5);
    PartialBatch batch(lattice, max_length);
    PartialBatch alone(lattice, max_length);
    int compared = 0;
    for (int round = 0; round < 3; ++round) {
      batch.Reset(rows);
      for (int step = 0; step < max_length; ++step) {
        std::fill(mask.begin(), mask.end(), std::uint8_t{1});
        warm.Apply(batch, TokenMask{mask, n});
        std::fill(factors.begin(), factors.end(), 0.0f);
        warm.AddLogFactors(batch, TokenLogFactors{factors, n});
        for (int r = 0; r < rows; ++r) {
          if (batch.IsComplete(r)) continue;
          alone.Reset(1);
          for (const TokenId t : batch.tokens(r)) alone.Append(0, t);
          const UnitsPrior fresh(lattice, max_length, 1.5);
          std::fill(one_mask.begin(), one_mask.end(), std::uint8_t{1});
          fresh.Apply(alone, TokenMask{one_mask, n});
          std::fill(one_factors.begin(), one_factors.end(), 0.0f);
          fresh.AddLogFactors(alone, TokenLogFactors{one_factors, n});
          std::vector<TokenId> allowed;
          for (int t = 0; t < n; ++t) {
            const auto i = static_cast<std::size_t>(r * n + t);
            CHECK(mask[i] == one_mask[static_cast<std::size_t>(t)]);
            CHECK(factors[i] == one_factors[static_cast<std::size_t>(t)]);
            if (mask[i] != 0) allowed.push_back(static_cast<TokenId>(t));
            ++compared;
          }
          if (allowed.empty()) {
            batch.ResetRow(r);  // a dead end: start the row again
            continue;
          }
          batch.Append(r, allowed[rng.Below(allowed.size())]);
        }
      }
    }
    CHECK(compared > 10000);
  }
}

TEST_CASE("hard length prior") {
  const Library library = MakeLibrary({"add", "sin"}, {{"x", Dim(0)}});
  const DimensionLattice lattice(library, std::nullopt);
  PriorSet priors;
  priors.Add(std::make_unique<HardLengthPrior>(library, 4, 6));
  const TokenId add = Id(library, "add"), sin = Id(library, "sin"), x = Id(library, "x");
  auto m = MaskOf(priors, BatchOf(lattice, 6, {}));
  CHECK(m[add] == 1);
  CHECK(m[sin] == 1);
  CHECK(m[x] == 0);                                              // would complete at length 1 < 4
  m = MaskOf(priors, BatchOf(lattice, 6, {"add", "add", "x"}));  // length 3, 2 open
  CHECK(m[x] == 1);
  CHECK(m[sin] == 1);                                                   // 4 tokens + 2 open = 6
  CHECK(m[add] == 0);                                                   // 4 tokens + 3 open = 7 > 6
  m = MaskOf(priors, BatchOf(lattice, 6, {"sin", "sin", "add", "x"}));  // closing at 5 ≥ 4
  CHECK(m[x] == 1);
  CHECK(m[sin] == 1);  // 5 tokens + 1 open = 6
  CHECK(m[add] == 0);  // 5 tokens + 2 open = 7
  m = MaskOf(priors, BatchOf(lattice, 6, {"sin", "sin", "sin", "add", "x"}));
  CHECK(m[x] == 1);
  CHECK(m[sin] == 0);
  m = MaskOf(priors, BatchOf(lattice, 6, {"sin", "sin"}));  // x would end at length 3 < 4
  CHECK(m[x] == 0);
  CHECK(m[add] == 1);
}

TEST_CASE("soft length prior log-factors") {
  const Library library = MakeLibrary({"add", "sin"}, {{"x", Dim(0)}});
  const DimensionLattice lattice(library, std::nullopt);
  PriorSet priors;
  priors.Add(std::make_unique<SoftLengthPrior>(library, 8.0, 5.0));
  const TokenId add = Id(library, "add"), x = Id(library, "x");
  std::vector<float> f(library.size());
  auto factors = [&](int length) {
    PartialBatch batch(lattice, 35);
    batch.Reset(1);
    for (int i = 0; i < length; ++i) batch.Append(0, Id(library, "sin"));
    priors.ComputeLogFactors(batch, TokenLogFactors{f, static_cast<int>(library.size())});
  };
  factors(0);
  CHECK(f[x] == doctest::Approx(-64.0 / 10.0));
  CHECK(f[add] == 0.0f);
  factors(8);
  CHECK(f[x] == 0.0f);
  CHECK(f[add] == 0.0f);
  factors(11);
  CHECK(f[x] == 0.0f);
  CHECK(f[add] == doctest::Approx(-9.0 / 10.0));
  CHECK(std::exp(f[add]) == doctest::Approx(std::exp(-(11.0 - 8.0) * (11.0 - 8.0) / 10.0)));
}

TEST_CASE("relation, nesting and occurrence priors") {
  const Library library =
      MakeLibrary({"add", "mul", "exp", "log", "sin", "cos", "arcsin", "n2", "sqrt", "inv", "neg"},
                  {{"x", Dim(0)}, {"y", Dim(0)}});
  const DimensionLattice lattice(library, std::nullopt);
  const TokenId exp = Id(library, "exp"), log = Id(library, "log"), sin = Id(library, "sin"),
                cos = Id(library, "cos"), arcsin = Id(library, "arcsin"), x = Id(library, "x"),
                n2 = Id(library, "n2"), sqrt = Id(library, "sqrt"), inv = Id(library, "inv"),
                neg = Id(library, "neg"), y = Id(library, "y");
  {
    PriorSet priors;
    priors.Add(std::make_unique<RelationPrior>(library, UselessInverseRelations(library)));
    auto m = MaskOf(priors, BatchOf(lattice, 35, {"exp"}));
    CHECK(m[log] == 0);
    CHECK(m[exp] == 1);
    m = MaskOf(priors, BatchOf(lattice, 35, {"exp", "add"}));  // not a direct child
    CHECK(m[log] == 1);
    CHECK(MaskOf(priors, BatchOf(lattice, 35, {"log"}))[exp] == 0);
    CHECK(MaskOf(priors, BatchOf(lattice, 35, {"sqrt"}))[n2] == 0);
    CHECK(MaskOf(priors, BatchOf(lattice, 35, {"n2"}))[sqrt] == 0);
    CHECK(MaskOf(priors, BatchOf(lattice, 35, {"inv"}))[inv] == 0);
    CHECK(MaskOf(priors, BatchOf(lattice, 35, {"neg"}))[neg] == 0);
    CHECK(MaskOf(priors, BatchOf(lattice, 35, {"arcsin"}))[sin] == 0);
    CHECK(MaskOf(priors, BatchOf(lattice, 35, {"sin"}))[arcsin] == 0);
    CHECK(MaskOf(priors, BatchOf(lattice, 35, {"sin"}))[cos] == 1);
    // The second operand's parent is still add: nothing forbidden.
    CHECK(MaskOf(priors, BatchOf(lattice, 35, {"exp", "add", "x"}))[log] == 1);
  }
  {
    PriorSet priors;
    priors.Add(std::make_unique<RelationPrior>(
        library, std::vector<ForbiddenRelation>{{sin, x, Relation::kDescendant},
                                                {exp, y, Relation::kChild}}));
    auto m = MaskOf(priors, BatchOf(lattice, 35, {"sin", "add", "mul"}));
    CHECK(m[x] == 0);
    CHECK(m[y] == 1);
    m = MaskOf(priors, BatchOf(lattice, 35, {"add", "sin", "y", "exp"}));  // sin closed
    CHECK(m[x] == 1);
    CHECK(m[y] == 0);
  }
  {
    PriorSet priors;
    const OpCode exp_group[] = {OpCode::kExp};
    priors.Add(std::make_unique<NestingPrior>(library, exp_group, 1));
    priors.Add(std::make_unique<NestingPrior>(library, TrigonometricOperators(), 1));
    auto m = MaskOf(priors, BatchOf(lattice, 35, {"exp", "add", "mul"}));
    CHECK(m[exp] == 0);
    CHECK(m[log] == 1);
    CHECK(m[sin] == 1);
    m = MaskOf(priors, BatchOf(lattice, 35, {"add", "exp", "x"}));  // exp closed
    CHECK(m[exp] == 1);
    m = MaskOf(priors, BatchOf(lattice, 35, {"cos", "mul", "x"}));
    CHECK(m[sin] == 0);
    CHECK(m[arcsin] == 0);
    CHECK(m[cos] == 0);
    CHECK(m[exp] == 1);
    PriorSet twice;
    twice.Add(std::make_unique<NestingPrior>(library, exp_group, 2));
    CHECK(MaskOf(twice, BatchOf(lattice, 35, {"exp", "add"}))[exp] == 1);
    CHECK(MaskOf(twice, BatchOf(lattice, 35, {"exp", "add", "exp"}))[exp] == 0);
  }
  {
    PriorSet priors;
    priors.Add(std::make_unique<OccurrencePrior>(
        library, std::vector<OccurrencePrior::Cap>{{x, 1}, {sin, 2}}));
    auto m = MaskOf(priors, BatchOf(lattice, 35, {"mul", "x"}));
    CHECK(m[x] == 0);
    CHECK(m[y] == 1);
    m = MaskOf(priors, BatchOf(lattice, 35, {"mul", "sin", "y", "sin"}));
    CHECK(m[sin] == 0);
    CHECK(m[cos] == 1);
  }
}

TEST_CASE("redundant constant prior") {
  // With a dimensionless free constant, constant-only subtrees are penalised; "1" is never a
  // factor. Without one, only the useless "1" factor is.
  const Library with_k = MakeLibrary({"add", "mul", "div", "sin", "n2"}, {{"x", Dim(0)}}, 2);
  const Library without_k = MakeLibrary({"add", "mul", "div", "sin", "n2"}, {{"x", Dim(0)}}, 0);
  const float penalty = -30.0f;
  auto factors_of = [&](const Library& library, const std::vector<std::string>& prefix) {
    const DimensionLattice lattice(library, std::nullopt);
    PriorSet priors;
    priors.Add(std::make_unique<RedundantConstantPrior>(library, penalty));
    PartialBatch batch = BatchOf(lattice, 35, prefix);
    std::vector<float> f(library.size(), 0.0f);
    priors.ComputeLogFactors(batch, TokenLogFactors{f, static_cast<int>(library.size())});
    return f;
  };
  const TokenId C1 = Id(with_k, "C1"), C2 = Id(with_k, "C2"), one = Id(with_k, "1"),
                x = Id(with_k, "x"), add = Id(with_k, "add");
  auto f = factors_of(with_k, {});  // root: anything goes
  CHECK(f[C1] == 0.0f);
  CHECK(f[one] == 0.0f);
  f = factors_of(with_k, {"sin"});  // unary argument: no constants
  CHECK(f[C1] == penalty);
  CHECK(f[C2] == penalty);
  CHECK(f[one] == penalty);
  CHECK(f[x] == 0.0f);
  CHECK(f[add] == 0.0f);
  f = factors_of(with_k, {"add", "C1"});  // constant first operand: second may not be one
  CHECK(f[C2] == penalty);
  CHECK(f[C1] == penalty);
  CHECK(f[x] == 0.0f);
  f = factors_of(with_k, {"add", "x"});  // x + C1 is fine
  CHECK(f[C1] == 0.0f);
  CHECK(f[one] == 0.0f);
  f = factors_of(with_k, {"mul"});  // 1*x is useless, C1*x is not
  CHECK(f[one] == penalty);
  CHECK(f[C1] == 0.0f);
  f = factors_of(with_k, {"div"});  // 1/x is a reciprocal
  CHECK(f[one] == 0.0f);
  f = factors_of(with_k, {"div", "x"});  // x/1 is useless
  CHECK(f[one] == penalty);
  f = factors_of(with_k, {"add", "sin", "x"});  // the parent is add again
  CHECK(f[C1] == 0.0f);

  const TokenId one_b = Id(without_k, "1");
  auto g = factors_of(without_k, {"sin"});  // nothing absorbs sin(1): allowed
  CHECK(g[one_b] == 0.0f);
  g = factors_of(without_k, {"mul", "x"});
  CHECK(g[one_b] == penalty);
  g = factors_of(without_k, {"n2"});
  CHECK(g[one_b] == 0.0f);
}

TEST_CASE("complete rows get an empty mask; dead ends are counted") {
  const Library library = MakeLibrary({"add", "sin"}, {{"x", Dim(0)}});
  const DimensionLattice lattice(library, std::nullopt);
  PriorSet priors;
  priors.Add(std::make_unique<HardLengthPrior>(library, 1, 35));
  priors.Add(std::make_unique<OccurrencePrior>(
      library, std::vector<OccurrencePrior::Cap>{{Id(library, "x"), 0},
                                                 {Id(library, "sin"), 0},
                                                 {Id(library, "add"), 0},
                                                 {Id(library, "1"), 0}}));
  PartialBatch batch(lattice, 35);
  batch.Reset(3);
  batch.Append(1, Id(library, "x"));
  std::vector<std::uint8_t> mask(3 * library.size(), 7);
  std::vector<int> dead;
  CHECK(priors.ComputeMask(batch, TokenMask{mask, static_cast<int>(library.size())}, &dead) == 2);
  CHECK(dead == std::vector<int>{0, 2});
  CHECK(std::all_of(mask.begin(), mask.end(), [](std::uint8_t v) { return v == 0; }));
}

TEST_CASE("observation features") {
  const Library library =
      MakeLibrary({"add", "mul", "sqrt"}, {{"m", Dim(0, 1)}, {"v", Dim(1, 0, -1)}}, 1);
  const DimensionLattice lattice(library, kJoule);  // active L, M, T; denominator 2
  const ObservationEncoder encoder(lattice);
  const int v = static_cast<int>(library.size());
  REQUIRE(encoder.feature_size() == 3 * (v + 1) + 1 + 4 * 4);
  PartialBatch batch(lattice, 10);
  batch.Reset(2);
  batch.Append(0, Id(library, "mul"));
  batch.Append(0, Id(library, "m"));  // current: second operand of mul, needs L^2 T^-2
  batch.Append(1, Id(library, "sqrt"));
  batch.Append(1, Id(library, "m"));  // sqrt m ... complete? no: root needs J, sqrt(m) is
                                      // not J, but the batch does not check units.
  std::vector<float> x(static_cast<std::size_t>(2 * encoder.feature_size()), -1.0f);
  encoder.Encode(batch, x);
  const float* r = x.data();
  const int dims = 3 * (v + 1) + 1;
  CHECK(r[Id(library, "mul")] == 1.0f);                  // parent
  CHECK(r[(v + 1) + Id(library, "m")] == 1.0f);          // sibling
  CHECK(r[2 * (v + 1) + Id(library, "m")] == 1.0f);      // previous
  CHECK(r[3 * (v + 1)] == doctest::Approx(1.0 / 10.0));  // one open slot
  // Requirement L^2 T^-2 (bases L, M, T), flag.
  CHECK(r[dims + 0] == 2.0f);
  CHECK(r[dims + 1] == 0.0f);
  CHECK(r[dims + 2] == -2.0f);
  CHECK(r[dims + 3] == 1.0f);
  // Sibling m = M.
  CHECK(r[dims + 4 + 1] == 1.0f);
  CHECK(r[dims + 4 + 3] == 1.0f);
  // Parent mul requires J.
  CHECK(r[dims + 8 + 0] == 2.0f);
  CHECK(r[dims + 8 + 2] == -2.0f);
  CHECK(r[dims + 8 + 3] == 1.0f);
  // Previous token m.
  CHECK(r[dims + 12 + 1] == 1.0f);
  CHECK(r[dims + 12 + 3] == 1.0f);
  float sum = 0.0f;
  for (int i = 0; i < encoder.feature_size(); ++i) sum += std::abs(r[i]);
  CHECK(sum == doctest::Approx(3 + 0.1 + (2 + 2 + 1) + (1 + 1) + (2 + 1 + 2 + 1) + (1 + 1)));
  // Row 1 is complete: all zeros.
  CHECK(batch.IsComplete(1));
  const float* r1 = x.data() + encoder.feature_size();
  CHECK(std::all_of(r1, r1 + encoder.feature_size(), [](float f) { return f == 0.0f; }));

  // The empty program: no parent/sibling/previous, the requirement is the target.
  batch.Reset(1);
  std::vector<float> y(static_cast<std::size_t>(encoder.feature_size()));
  encoder.Encode(batch, y);
  CHECK(y[v] == 1.0f);
  CHECK(y[(v + 1) + v] == 1.0f);
  CHECK(y[2 * (v + 1) + v] == 1.0f);
  CHECK(y[dims + 0] == 2.0f);
  CHECK(y[dims + 1] == 1.0f);
  CHECK(y[dims + 3] == 1.0f);
  CHECK(y[dims + 7] == 0.0f);   // no sibling
  CHECK(y[dims + 11] == 0.0f);  // no parent
  CHECK(y[dims + 15] == 0.0f);  // nothing before
}

// ---------------------------------------------------------------------------------------
// Sampling property test.

struct SampleStats {
  int programs = 0;
  int dead_ends = 0;
  int bad = 0;
  long long tokens = 0;
};

// Samples `count` programs in batches of `batch_size` under `priors`: with `uniform` every
// allowed token equally likely, else softmax of fresh N(0, 2²) logits per step plus the
// priors' log-factors. Checks every program independently.
SampleStats SampleAndCheck(const DimensionLattice& lattice, const PriorSet& priors, int max_length,
                           int min_length, int count, bool uniform, Rng& rng) {
  const Library& library = lattice.library();
  const int v = static_cast<int>(library.size());
  constexpr int kBatch = 500;
  SampleStats stats;
  PartialBatch batch(lattice, max_length);
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(kBatch * v));
  std::vector<float> factors(static_cast<std::size_t>(kBatch * v));
  std::vector<double> weights(static_cast<std::size_t>(v));
  std::vector<int> dead;
  while (stats.programs < count) {
    const int b = std::min(kBatch, count - stats.programs);
    batch.Reset(b);
    const TokenMask m{std::span(mask).first(static_cast<std::size_t>(b * v)), v};
    const TokenLogFactors f{std::span(factors).first(static_cast<std::size_t>(b * v)), v};
    for (int step = 0;; ++step) {
      REQUIRE(step < 100 * max_length);  // dead-end resampling must terminate
      dead.clear();
      const int num_dead = priors.ComputeMask(batch, m, &dead);
      if (num_dead > 0) {
        stats.dead_ends += num_dead;
        for (int row : dead) batch.ResetRow(row);
        priors.ComputeMask(batch, m);
      }
      priors.ComputeLogFactors(batch, f);
      bool any = false;
      for (int row = 0; row < b; ++row) {
        if (batch.IsComplete(row)) continue;
        any = true;
        const std::span<const std::uint8_t> allowed = m.Row(row);
        double total = 0.0;
        for (int t = 0; t < v; ++t) {
          double w = 0.0;
          if (allowed[static_cast<std::size_t>(t)]) {
            w = uniform ? 1.0
                        : std::exp(2.0 * rng.Normal() + f.Row(row)[static_cast<std::size_t>(t)]);
          }
          weights[static_cast<std::size_t>(t)] = w;
          total += w;
        }
        REQUIRE(total > 0.0);
        double u = rng.Uniform01() * total;
        int pick = -1;
        for (int t = 0; t < v; ++t) {
          if (weights[static_cast<std::size_t>(t)] <= 0.0) continue;
          pick = t;
          u -= weights[static_cast<std::size_t>(t)];
          if (u < 0.0) break;
        }
        batch.Append(row, static_cast<TokenId>(pick));
      }
      if (!any) break;
    }
    for (int row = 0; row < b; ++row) {
      const std::vector<TokenId> tokens(batch.tokens(row).begin(), batch.tokens(row).end());
      stats.tokens += static_cast<long long>(tokens.size());
      bool ok = IsComplete(tokens, library) && static_cast<int>(tokens.size()) <= max_length &&
                static_cast<int>(tokens.size()) >= min_length;
      if (ok) {
        const auto d = ReferenceDimension(tokens, library);
        ok = d && *d == *lattice.target_dimension();
        Program program;
        program.tokens = tokens;
        program.constants = library.FreeConstantDefaults();
        const UnitCheckResult check = CheckUnits(program, library, lattice.target_dimension());
        ok = ok && check.ok;
      }
      stats.bad += ok ? 0 : 1;
    }
    stats.programs += b;
  }
  return stats;
}

struct Scenario {
  std::string name;
  Library library;
  Dimension target;
};

std::vector<Scenario> Scenarios() {
  const std::vector<std::string> feynman_ops = {"add", "sub",  "mul", "div", "neg", "inv",
                                                "n2",  "sqrt", "exp", "log", "sin", "cos"};
  const std::vector<std::pair<std::string, Dimension>> feynman_vars = {
      {"x", Dim(1)}, {"m", Dim(0, 1)}, {"t", Dim(0, 0, 1)}, {"E", kJoule}, {"v", Dim(1, 0, -1)}};
  std::vector<Scenario> out;
  out.push_back(
      {"feynman, free constants, target J", MakeLibrary(feynman_ops, feynman_vars, 2), kJoule});
  out.push_back({"feynman, no free constants, target m/s",
                 MakeLibrary(feynman_ops, feynman_vars, 0), Dim(1, 0, -1)});
  out.push_back({"feynman, target kg*m^2 (momentum times length)",
                 MakeLibrary(feynman_ops, feynman_vars, 1), Dim(2, 1, -1)});
  out.push_back({"pendulum period: only through sqrt",
                 MakeLibrary({"add", "mul", "div", "sqrt", "n2", "sin", "cos"},
                             {{"l", Dim(1)}, {"g", Dim(1, 0, -2)}}, 1),
                 Dim(0, 0, 1)});
  out.push_back({"no div/inv: free operands must divide the target",
                 MakeLibrary({"add", "mul", "n2", "n3", "exp"},
                             {{"x", Dim(1)}, {"t", Dim(0, 0, 1)}, {"m", Dim(0, 1)}}, 1),
                 Dim(2, 1, 1)});
  out.push_back(
      {"all operators incl. pow, n3, tanh, arcsin, abs",
       MakeLibrary({"add", "sub", "mul", "div", "pow", "neg",  "inv",    "n2",     "n3",     "sqrt",
                    "exp", "log", "sin", "cos", "tan", "tanh", "arcsin", "arccos", "arctan", "abs"},
                   {{"x", Dim(1)}, {"T", Dim(0, 0, 0)}, {"v", Dim(1, 0, -1)}, {"q", Dim(0, 1, 1)}},
                   2),
       Dim(3, 1, 0)});
  return out;
}

// Samples every scenario under both policies; returns {programs, dead ends}.
std::pair<long long, long long> RunScenarios(const PriorOptions& options, int per_run,
                                             std::uint64_t seed) {
  Rng rng(seed);
  long long total_programs = 0;
  long long total_dead = 0;
  for (const Scenario& s : Scenarios()) {
    const DimensionLattice lattice(s.library, s.target);
    const PriorSet priors = MakeDefaultPriors(lattice, options);
    for (bool uniform : {true, false}) {
      const SampleStats stats = SampleAndCheck(lattice, priors, options.max_length,
                                               options.min_length, per_run, uniform, rng);
      MESSAGE(s.name, std::string(uniform ? " [uniform]" : " [random logits]"), ": ",
              stats.programs, " programs, mean length ",
              static_cast<double>(stats.tokens) / stats.programs, ", dead ends ", stats.dead_ends);
      CHECK(stats.bad == 0);
      total_programs += stats.programs;
      total_dead += stats.dead_ends;
    }
  }
  MESSAGE("dead ends: ", total_dead, " of ", total_programs, " programs");
  return {total_programs, total_dead};
}

// Programs per scenario and policy; unoptimised (sanitizer) builds sample fewer.
#ifdef NDEBUG
constexpr int kPerRun = 250;
#else
constexpr int kPerRun = 25;
#endif

// The units and length priors alone: the structural priors off, no Occam factors.
PriorOptions UnitsAndLengthOnly() {
  PriorOptions options;
  options.no_useless_inverse = false;
  options.max_exp_nesting = 0;
  options.max_log_nesting = 0;
  options.max_trig_nesting = 0;
  options.completion_length_weight = 0.0;
  return options;
}

// These random policies drive almost every program to max_length, where the look-ahead's
// budget is tight at nearly every step: the hardest regime for dead ends.
TEST_CASE("sampled programs are complete and dimensionally valid: units and length priors") {
  const auto [programs, dead] = RunScenarios(UnitsAndLengthOnly(), kPerRun, 20240611);
  CHECK(programs == 12 * kPerRun);
  CHECK(static_cast<double>(dead) < 2e-2 * static_cast<double>(programs));
}

TEST_CASE("sampled programs are complete and dimensionally valid: PhySO default priors") {
  // The structural priors can mask the look-ahead's cheapest completion (e.g. n2 under
  // sqrt), which at a tight budget leaves a dead end; the sampler resamples those rows.
  const auto [programs, dead] = RunScenarios(PriorOptions{}, kPerRun, 7);
  CHECK(programs == 12 * kPerRun);
  CHECK(static_cast<double>(dead) < 0.1 * static_cast<double>(programs));
}

// Exponents on all seven SI bases, in units::Base order: L, M, T, I, Θ, N, J.
Dimension SI(int l, int m, int t, int i = 0, int th = 0, int n = 0, int j = 0) {
  return Dimension::FromInts({l, m, t, i, th, n, j});
}

Library MakeUnitLibrary(const std::vector<std::string>& ops,
                        const std::vector<std::pair<std::string, Dimension>>& variables,
                        const std::vector<std::pair<std::string, Dimension>>& free_constants) {
  LibrarySpec spec;
  spec.operators = ops;
  for (const auto& [name, dim] : variables) spec.variables.push_back({name, dim});
  for (const auto& [name, dim] : free_constants) spec.free_constants.push_back({name, dim, 1.0});
  return Library::Build(spec);
}

const std::vector<std::string> kFeynmanOps = {"add", "sub",  "mul", "div", "neg", "inv",
                                              "n2",  "sqrt", "exp", "log", "sin", "cos"};
const Dimension kPascal = SI(-1, 1, -2);
const Dimension kMolarGasConstant = SI(2, 1, -2, 0, -1, -1);  // J/(mol*K)

// The ideal gas law, PV = nRT, with R a free constant: five bases (kg, m, s, K, mol).
Library GasLawLibrary(const std::vector<std::string>& ops) {
  return MakeUnitLibrary(
      ops, {{"V", SI(3, 0, 0)}, {"n", SI(0, 0, 0, 0, 0, 1)}, {"T", SI(0, 0, 0, 0, 1)}},
      {{"R", kMolarGasConstant}});
}

TEST_CASE("dense and sparse tables agree on the same box") {
  const Library library = MakeLibrary(
      kFeynmanOps,
      {{"x", Dim(1)}, {"m", Dim(0, 1)}, {"t", Dim(0, 0, 1)}, {"E", kJoule}, {"v", Dim(1, 0, -1)}},
      2);
  DimensionLatticeOptions options;
  const DimensionLattice dense(library, kJoule, options);
  options.force_sparse = true;
  const DimensionLattice sparse(library, kJoule, options);
  REQUIRE_FALSE(dense.sparse());
  REQUIRE(sparse.sparse());
  REQUIRE(dense.box_half_width() == sparse.box_half_width());
  CHECK(sparse.num_cells() <= dense.num_cells());
  for (std::int64_t cell = 0; cell < dense.num_cells(); ++cell) {
    const LatticeDim d = dense.DimAt(cell);
    REQUIRE(sparse.MinLen(d) == dense.MinLen(d));
    REQUIRE(sparse.FreeMinLen(d) == dense.FreeMinLen(d));
    const std::int64_t s = sparse.Cell(d);
    // Stored exactly when reachable by either table.
    CHECK((s >= 0) == (dense.MinLen(d) < DimensionLattice::kUnreachable ||
                       dense.FreeMinLen(d) < DimensionLattice::kUnreachable));
    if (s >= 0) CHECK(sparse.DimAt(s) == d);
  }
  // The free levels list the same dimensions in the same order (the look-ahead's candidate
  // order, hence the same masks and Occam factors).
  for (int len = 1; len <= dense.max_length(); ++len) {
    const auto a = dense.FreeLevel(len);
    const auto b = sparse.FreeLevel(len);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(dense.DimAt(a[i]) == sparse.DimAt(b[i]));
  }
  for (const Dimension& u : {Dim(1, 0, -1), kJoule, Dim(0, 0, 0), Dim(2, 1), Dim(9)}) {
    const LatticeDim lu = dense.Encode(u);
    CHECK(dense.PairCost(UnitRule::kProduct, lu) == sparse.PairCost(UnitRule::kProduct, lu));
    CHECK(dense.PairCost(UnitRule::kQuotient, lu) == sparse.PairCost(UnitRule::kQuotient, lu));
  }
}

TEST_CASE("five, six and seven base dimensions: the table stays small and the target reachable") {
  struct Case {
    std::string name;
    Library library;
    Dimension target;
    int bases;
    int min_len;
  };
  std::vector<Case> cases;
  // P = n R T / V.
  cases.push_back({"gas law", GasLawLibrary(kFeynmanOps), kPascal, 5, 7});
  // Molar heat capacity from electrical heating: c = U I t / (n ΔT) (A and V add the current).
  cases.push_back({"electrical heating",
                   MakeUnitLibrary(kFeynmanOps,
                                   {{"U", SI(2, 1, -3, -1)},
                                    {"I", SI(0, 0, 0, 1)},
                                    {"t", SI(0, 0, 1)},
                                    {"n", SI(0, 0, 0, 0, 0, 1)},
                                    {"dT", SI(0, 0, 0, 0, 1)}},
                                   {{"k", Dimension()}}),
                   kMolarGasConstant, 6, 9});
  // Illuminance of a lamp E = I_v / r^2, in a library on all seven bases.
  cases.push_back({"photometry",
                   MakeUnitLibrary(kFeynmanOps,
                                   {{"Iv", SI(0, 0, 0, 0, 0, 0, 1)},
                                    {"r", SI(1, 0, 0)},
                                    {"m", SI(0, 1, 0)},
                                    {"t", SI(0, 0, 1)},
                                    {"I", SI(0, 0, 0, 1)},
                                    {"T", SI(0, 0, 0, 0, 1)},
                                    {"n", SI(0, 0, 0, 0, 0, 1)}},
                                   {{"c", SI(0, 0, 0, 0, 0, 0, 0)}}),
                   SI(-2, 0, 0, 0, 0, 0, 1), 7, 4});
  Rng rng(5);
  for (const Case& c : cases) {
    INFO(c.name);
    const DimensionLatticeOptions options;
    const auto start = std::chrono::steady_clock::now();
    const DimensionLattice lattice(c.library, c.target, options);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    CHECK(lattice.num_active_bases() == c.bases);
    CHECK(lattice.sparse());
    CHECK(lattice.box_half_width() == 8 * lattice.denominator());  // the full ±8 box
    // The table holds the dimensions reached, not the box: at most max_stored of them.
    CHECK(lattice.num_cells() <= options.max_stored);
    CHECK(lattice.num_cells() > 1000);
    CHECK(lattice.num_cells() <= (std::int64_t{1} << 18));
    MESSAGE(c.name, ": ", lattice.num_cells(), " dimensions stored, built in ", ms, " ms");
    CHECK_NOTHROW(CheckTargetReachable(lattice));
    CHECK(lattice.MinLen(*lattice.target()) == c.min_len);
    // Sampled under the units and length priors only, as in the scenarios above.
    const PriorOptions prior_options = UnitsAndLengthOnly();
    const PriorSet priors = MakeDefaultPriors(lattice, prior_options);
    const SampleStats stats = SampleAndCheck(lattice, priors, prior_options.max_length,
                                             prior_options.min_length, kPerRun, true, rng);
    MESSAGE(c.name, ": ", stats.programs, " programs, dead ends ", stats.dead_ends);
    CHECK(stats.bad == 0);
    // Free slots complete through one-terminal second operands; with many terminal
    // dimensions that class misses more (the sampler resamples a dead-ended row).
    CHECK(static_cast<double>(stats.dead_ends) < 0.2 * stats.programs);
  }
}

TEST_CASE("units look-ahead is exact on five, six and seven base dimensions") {
  const std::vector<std::string> ops = {"mul", "div", "sqrt"};
  DimensionLatticeOptions options;
  // Five bases: the gas law (P = div mul mul n R T V, 7 tokens).
  const Library gas = MakeUnitLibrary(
      ops,
      {{"P", kPascal}, {"V", SI(3, 0, 0)}, {"n", SI(0, 0, 0, 0, 0, 1)}, {"T", SI(0, 0, 0, 0, 1)}},
      {{"R", kMolarGasConstant}});
  CHECK(CheckLookAhead(gas, {kPascal, SI(0, 0, 0, 0, 1, 1), kMolarGasConstant}, {5, 7}, options) >
        0);
  // Six bases: charge, voltage, amount and temperature give J/(mol K) as Q U / (n T).
  const Library heat = MakeUnitLibrary(ops,
                                       {{"Q", SI(0, 0, 1, 1)},
                                        {"U", SI(2, 1, -3, -1)},
                                        {"n", SI(0, 0, 0, 0, 0, 1)},
                                        {"T", SI(0, 0, 0, 0, 1)}},
                                       {});
  CHECK(CheckLookAhead(heat, {kMolarGasConstant, SI(2, 1, -2)}, {5, 7}, options) > 0);
  // Seven bases: cd/m^2 from a library on all of them.
  const Library lamp = MakeUnitLibrary(ops,
                                       {{"Iv", SI(0, 0, 0, 0, 0, 0, 1)},
                                        {"r", SI(1, 0, 0)},
                                        {"m", SI(0, 1, 0)},
                                        {"I", SI(0, 0, 0, 1)},
                                        {"T", SI(0, 0, 0, 0, 1)},
                                        {"n", SI(0, 0, 0, 0, 0, 1)},
                                        {"t", SI(0, 0, 1)}},
                                       {});
  CHECK(CheckLookAhead(lamp, {SI(-2, 0, 0, 0, 0, 0, 1), SI(1, 1, 0, 1)}, {5}, options) > 0);
  // A table capped far below what is reachable skips dimensions: it may allow less, but
  // never a token that cannot be completed.
  options.max_stored = 40;
  CHECK(CheckLookAhead(gas, {kPascal}, {7}, options, false) > 0);
}

}  // namespace
}  // namespace physr
