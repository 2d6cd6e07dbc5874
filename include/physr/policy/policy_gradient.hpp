// The risk-seeking policy-gradient loss and its exact gradient by back-propagation through time
// over a batch of recorded episodes, templated on the scalar (float in production, double for
// finite-difference checks). Not for choosing the elite or the advantages: the caller does that.
#pragma once

#include <span>

#include "physr/policy/episode_buffer.hpp"
#include "physr/policy/lstm_parameters.hpp"

namespace physr {

struct LossOptions {
  double entropy_weight = 0.02;  // λ_H
  double entropy_gamma = 0.7;    // γ: step t's entropy is weighted by γ^t (t from 0)
};

struct PolicyLoss {
  double loss = 0.0;           // L below
  double mean_log_prob = 0.0;  // mean over episodes of Σ_t log π(a_t | ·)
  double mean_entropy = 0.0;   // mean over episodes of Σ_t H_t (undiscounted)
  int episodes = 0;
  int steps = 0;  // Σ lengths
};

// For the n = selected.size() episodes selected[k] of `episodes` with weights A_k =
// advantages[k] (e.g. R − R_ε):
//   L = −(1/n) Σ_k A_k Σ_t log π(a_t)  −  λ_H (1/n) Σ_k Σ_t γ^t H_t,
// with π the masked softmax of the policy's logits plus the recorded log-factors, and H_t its
// entropy (nats). The episodes
// run together as one batch (sorted by length, so each step computes only the episodes still
// running; no padding work). If gradient is not null it is resized and overwritten with ∂L/∂θ.
// Cost ≈ 3× the forward flops of the selected steps. PHYSR_CHECKs shapes, that every
// recorded action is allowed by its mask and that selected indices are valid; advantages has
// the size of selected. Thread-safe (reads params and episodes only).
template <typename Scalar>
PolicyLoss ComputeLossAndGradient(const LstmParameters<Scalar>& params,
                                  const EpisodeBuffer& episodes, std::span<const int> selected,
                                  std::span<const float> advantages, const LossOptions& options,
                                  LstmParameters<Scalar>* gradient);

extern template PolicyLoss ComputeLossAndGradient<float>(const LstmParameters<float>&,
                                                         const EpisodeBuffer&, std::span<const int>,
                                                         std::span<const float>, const LossOptions&,
                                                         LstmParameters<float>*);
extern template PolicyLoss ComputeLossAndGradient<double>(
    const LstmParameters<double>&, const EpisodeBuffer&, std::span<const int>,
    std::span<const float>, const LossOptions&, LstmParameters<double>*);

}  // namespace physr
