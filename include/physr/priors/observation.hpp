// ObservationEncoder: the per-step input features the policy reads for each program of a
// PartialBatch, including the dimension the current slot must produce (docs/algorithms.md,
// "Observation encoding").
// Not here: the network itself (policy).
#pragma once

#include <span>

#include "physr/priors/partial_batch.hpp"

namespace physr {

// Layout of one row (V = library size, K = lattice.num_active_bases()), floats:
//   [0, V]            one-hot parent token of the current slot; index V = none (at the root)
//   [V+1, 2V+1]       one-hot sibling token (root token of the completed first operand when
//                     the current slot is a second operand); index V = none
//   [2V+2, 3V+2]      one-hot previous token; index V = none (empty program)
//   3V+3              open slots / max_length
//   then four dimension blocks of K+1 floats each, in this order: the current slot's
//   requirement, the sibling's dimension, the parent's requirement, the previous token's
//   dimension (its own for a terminal, its requirement for an operator). A block holds the
//   exponents of the active bases (lattice.active_bases() order, as real numbers, e.g. 0.5
//   for m^(1/2)) followed by a flag: 1 when the dimension is known, else 0 with all-zero
//   exponents (free slot, no sibling, root, or a dimension outside the encoding).
// Complete rows are written as all zeros.
class ObservationEncoder {
 public:
  explicit ObservationEncoder(const DimensionLattice& lattice);

  int feature_size() const { return feature_size_; }
  // Writes batch_size × feature_size() floats, row-major, into `out` (PHYSR_CHECK on size).
  // Cost: O(batch × feature_size); no allocation.
  void Encode(const PartialBatch& batch, std::span<float> out) const;

 private:
  void WriteDim(const Requirement& r, float* block) const;

  const DimensionLattice* lattice_;
  int num_tokens_;
  int num_bases_;
  int feature_size_;
};

}  // namespace physr
