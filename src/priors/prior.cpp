#include "physr/priors/prior.hpp"

#include <algorithm>

#include "physr/core/error.hpp"

namespace physr {

void PriorSet::Add(std::unique_ptr<Prior> prior) {
  PHYSR_CHECK(prior != nullptr, "null prior");
  priors_.push_back(std::move(prior));
}

int PriorSet::ComputeMask(const PartialBatch& batch, TokenMask mask,
                          std::vector<int>* dead_rows) const {
  const auto num_tokens = static_cast<std::size_t>(mask.num_tokens);
  PHYSR_CHECK(num_tokens == batch.library().size(), "mask width must be the library size");
  PHYSR_CHECK(mask.values.size() == static_cast<std::size_t>(batch.batch_size()) * num_tokens,
              "mask must be batch_size x library size");
  for (int row = 0; row < batch.batch_size(); ++row) {
    const std::span<std::uint8_t> r = mask.Row(row);
    std::fill(r.begin(), r.end(), static_cast<std::uint8_t>(!batch.IsComplete(row)));
  }
  for (const auto& prior : priors_) prior->Apply(batch, mask);
  int dead = 0;
  for (int row = 0; row < batch.batch_size(); ++row) {
    if (batch.IsComplete(row)) continue;
    const std::span<std::uint8_t> r = mask.Row(row);
    if (std::none_of(r.begin(), r.end(), [](std::uint8_t v) { return v != 0; })) {
      ++dead;
      if (dead_rows) dead_rows->push_back(row);
    }
  }
  return dead;
}

void PriorSet::ComputeLogFactors(const PartialBatch& batch, TokenLogFactors factors) const {
  std::fill(factors.values.begin(), factors.values.end(), 0.0f);
  for (const auto& prior : priors_) prior->AddLogFactors(batch, factors);
}

}  // namespace physr
