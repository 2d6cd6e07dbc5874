// Cost of the priors per epoch: masks, log-factors and observation features for a batch of
// programs grown to completion (uniform over allowed tokens, the hardest case for the units
// look-ahead because nearly every program reaches max_length), plus the dead-end rate.
#include <chrono>
#include <cstdio>
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
  spec.operators = {"add", "sub", "mul", "div", "neg", "inv",
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

}  // namespace

int main() {
  using Clock = std::chrono::steady_clock;
  const physr::Library library = FeynmanLibrary();
  const auto t0 = Clock::now();
  const physr::DimensionLattice lattice(library, Dimension::FromInts({2, 1, -2}));
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
  std::printf("lattice build: %.1f ms (%d bases, denominator %d)\n", 1e3 * build_s,
              lattice.num_active_bases(), lattice.denominator());
  std::printf("batch %d, %d epochs: masks %.1f ms/epoch, log-factors + features %.1f ms/epoch\n",
              kBatch, kEpochs, 1e3 * mask_s / kEpochs, 1e3 * other_s / kEpochs);
  std::printf("mean length %.2f, dead ends %lld of %d programs (%.3f %%)\n",
              static_cast<double>(tokens) / (kBatch * kEpochs), dead, kBatch * kEpochs,
              100.0 * static_cast<double>(dead) / (kBatch * kEpochs));
  return 0;
}
