// Cost of the priors per epoch: masks, log-factors and observation features for a batch of
// programs grown to completion (uniform over allowed tokens, the hardest case for the units
// look-ahead because nearly every program reaches max_length), plus the dead-end rate.
// Usage: priors_bench [feynman|gas|seven]: the library (default feynman, three bases; gas: the
// ideal gas law on five bases, R a free constant in J/(mol K); seven: a lamp's illuminance
// from a library on all seven SI bases).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "physr/core/rng.hpp"
#include "physr/priors/default_priors.hpp"
#include "physr/priors/dimension_lattice.hpp"
#include "physr/priors/observation.hpp"
#include "physr/priors/prior.hpp"

namespace {

using physr::Dimension;

physr::Library FeynmanLibrary() {
  physr::LibrarySpec spec;
  spec.operators = {"add", "sub",  "mul", "div", "neg", "inv",
                    "n2",  "sqrt", "exp", "log", "sin", "cos"};
  spec.variables = {{"x", Dimension::FromInts({1})},
                    {"m", Dimension::FromInts({0, 1})},
                    {"t", Dimension::FromInts({0, 0, 1})},
                    {"E", Dimension::FromInts({2, 1, -2})},
                    {"v", Dimension::FromInts({1, 0, -1})}};
  spec.fixed_constants = {{"1", 1.0, Dimension()}};
  spec.free_constants = {{"k0", Dimension(), 1.0}, {"k1", Dimension(), 1.0}};
  return physr::Library::Build(spec);
}

const std::vector<std::string> kOperators = {"add", "sub",  "mul", "div", "neg", "inv",
                                             "n2",  "sqrt", "exp", "log", "sin", "cos"};

// P = n R T / V: kg, m, s, K and mol.
physr::Library GasLibrary() {
  physr::LibrarySpec spec;
  spec.operators = kOperators;
  spec.variables = {{"V", Dimension::FromInts({3})},
                    {"n", Dimension::FromInts({0, 0, 0, 0, 0, 1})},
                    {"T", Dimension::FromInts({0, 0, 0, 0, 1})}};
  spec.fixed_constants = {{"1", 1.0, Dimension()}};
  spec.free_constants = {{"R", Dimension::FromInts({2, 1, -2, 0, -1, -1}), 1.0}};
  return physr::Library::Build(spec);
}

// E = I_v / r^2 among variables on all seven bases.
physr::Library SevenLibrary() {
  physr::LibrarySpec spec;
  spec.operators = kOperators;
  spec.variables = {{"Iv", Dimension::FromInts({0, 0, 0, 0, 0, 0, 1})},
                    {"r", Dimension::FromInts({1})},
                    {"m", Dimension::FromInts({0, 1})},
                    {"t", Dimension::FromInts({0, 0, 1})},
                    {"I", Dimension::FromInts({0, 0, 0, 1})},
                    {"T", Dimension::FromInts({0, 0, 0, 0, 1})},
                    {"n", Dimension::FromInts({0, 0, 0, 0, 0, 1})}};
  spec.fixed_constants = {{"1", 1.0, Dimension()}};
  spec.free_constants = {{"k0", Dimension(), 1.0}};
  return physr::Library::Build(spec);
}

}  // namespace

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  const std::string which = argc > 1 ? argv[1] : "feynman";
  const physr::Library library = which == "gas"     ? GasLibrary()
                                 : which == "seven" ? SevenLibrary()
                                                    : FeynmanLibrary();
  const Dimension target = which == "gas"     ? Dimension::FromInts({-1, 1, -2})
                           : which == "seven" ? Dimension::FromInts({-2, 0, 0, 0, 0, 0, 1})
                                              : Dimension::FromInts({2, 1, -2});
  const auto t0 = Clock::now();
  const physr::DimensionLattice lattice(library, target);
  const double build_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const physr::PriorSet priors = physr::MakeDefaultPriors(lattice);
  const physr::ObservationEncoder encoder(lattice);
  constexpr int kBatch = 1000;
  constexpr int kEpochs = 5;
  const int v = static_cast<int>(library.size());
  physr::PartialBatch batch(lattice, 35);
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(kBatch * v));
  std::vector<float> factors(static_cast<std::size_t>(kBatch * v));
  std::vector<float> features(static_cast<std::size_t>(kBatch * encoder.feature_size()));
  physr::Rng rng(1);
  double mask_s = 0.0, other_s = 0.0;
  long long dead = 0, tokens = 0;
  std::vector<int> dead_rows;
  for (int epoch = 0; epoch < kEpochs; ++epoch) {
    batch.Reset(kBatch);
    for (;;) {
      dead_rows.clear();
      auto a = Clock::now();
      dead += priors.ComputeMask(batch, physr::TokenMask{mask, v}, &dead_rows);
      for (int row : dead_rows) batch.ResetRow(row);
      if (!dead_rows.empty()) priors.ComputeMask(batch, physr::TokenMask{mask, v});
      auto b = Clock::now();
      priors.ComputeLogFactors(batch, physr::TokenLogFactors{factors, v});
      encoder.Encode(batch, features);
      auto c = Clock::now();
      mask_s += std::chrono::duration<double>(b - a).count();
      other_s += std::chrono::duration<double>(c - b).count();
      bool any = false;
      for (int row = 0; row < kBatch; ++row) {
        if (batch.IsComplete(row)) continue;
        any = true;
        const std::uint8_t* m = mask.data() + static_cast<std::size_t>(row) * v;
        int n = 0;
        for (int t = 0; t < v; ++t) n += m[t];
        int k = static_cast<int>(rng.Below(static_cast<std::uint64_t>(n)));
        for (int t = 0; t < v; ++t) {
          if (m[t] && k-- == 0) {
            batch.Append(row, static_cast<physr::TokenId>(t));
            break;
          }
        }
      }
      if (!any) break;
    }
    for (int row = 0; row < kBatch; ++row) tokens += batch.length(row);
  }
  std::printf("lattice build: %.1f ms (%d bases, denominator %d, %s table of %lld cells)\n",
              1e3 * build_s, lattice.num_active_bases(), lattice.denominator(),
              lattice.sparse() ? "sparse" : "dense", static_cast<long long>(lattice.num_cells()));
  std::printf("batch %d, %d epochs: masks %.1f ms/epoch, log-factors + features %.1f ms/epoch\n",
              kBatch, kEpochs, 1e3 * mask_s / kEpochs, 1e3 * other_s / kEpochs);
  std::printf("mean length %.2f, dead ends %lld of %d programs (%.3f %%)\n",
              static_cast<double>(tokens) / (kBatch * kEpochs), dead, kBatch * kEpochs,
              100.0 * static_cast<double>(dead) / (kBatch * kEpochs));
  return 0;
}
