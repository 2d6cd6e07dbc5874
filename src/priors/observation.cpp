#include "physr/priors/observation.hpp"

#include <algorithm>

#include "physr/core/error.hpp"

namespace physr {

ObservationEncoder::ObservationEncoder(const DimensionLattice& lattice)
    : lattice_(&lattice),
      num_tokens_(static_cast<int>(lattice.library().size())),
      num_bases_(lattice.num_active_bases()),
      feature_size_(3 * (num_tokens_ + 1) + 1 + 4 * (num_bases_ + 1)) {}

void ObservationEncoder::WriteDim(const Requirement& r, float* block) const {
  if (!r.is_fixed()) return;  // already zero: unknown
  const auto inv_den = 1.0f / static_cast<float>(lattice_->denominator());
  for (int i = 0; i < num_bases_; ++i) {
    block[i] = static_cast<float>(r.dim.num[static_cast<std::size_t>(i)]) * inv_den;
  }
  block[num_bases_] = 1.0f;
}

void ObservationEncoder::Encode(const PartialBatch& batch, std::span<float> out) const {
  const auto f = static_cast<std::size_t>(feature_size_);
  PHYSR_CHECK(out.size() == static_cast<std::size_t>(batch.batch_size()) * f,
              "observation buffer must be batch_size x feature_size");
  PHYSR_CHECK(static_cast<int>(batch.library().size()) == num_tokens_,
              "batch and encoder use different libraries");
  std::fill(out.begin(), out.end(), 0.0f);
  const int v1 = num_tokens_ + 1;
  const auto one_hot = [&](float* base, TokenId t) { base[t == kNoToken ? num_tokens_ : t] = 1; };
  for (int row = 0; row < batch.batch_size(); ++row) {
    if (batch.IsComplete(row)) continue;
    float* x = out.data() + static_cast<std::size_t>(row) * f;
    one_hot(x, batch.ParentToken(row));
    one_hot(x + v1, batch.SiblingToken(row));
    one_hot(x + 2 * v1, batch.PreviousToken(row));
    x[3 * v1] =
        static_cast<float>(batch.num_open_slots(row)) / static_cast<float>(batch.max_length());
    float* dims = x + 3 * v1 + 1;
    const int block = num_bases_ + 1;
    WriteDim(batch.CurrentRequirement(row), dims);
    if (const LatticeDim* sibling = batch.SiblingDim(row)) {
      WriteDim(Requirement::Fixed(*sibling), dims + block);
    }
    const OpenNode& parent = batch.Path(row).back();
    if (parent.token != kNoToken) WriteDim(parent.requirement, dims + 2 * block);
    WriteDim(batch.PreviousRequirement(row), dims + 3 * block);
  }
}

}  // namespace physr
