// Sampler: draws one batch of programs from the policy under the priors — the observation
// features and prior masks are built step by step from the tokens drawn so far, and every
// step is recorded for the policy gradient. Rows that reach a dead end (no token allowed;
// rare, see units_prior.hpp) are sampled again from scratch. Not here: scoring or training.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "physr/core/rng.hpp"
#include "physr/expr/program.hpp"
#include "physr/policy/episode_buffer.hpp"
#include "physr/policy/lstm_policy.hpp"
#include "physr/priors/observation.hpp"
#include "physr/priors/partial_batch.hpp"
#include "physr/priors/prior.hpp"

namespace physr {

struct SampleBatch {
  std::vector<Program> programs;  // complete programs (constants empty: library defaults)
  std::vector<int> episode;       // programs[i] was recorded as episode[i] of episodes()
  std::int64_t sampled = 0;       // rows started, resampled ones included
  std::int64_t dead_ends = 0;     // rows that hit a dead end
  std::int64_t cut = 0;           // rows left unfinished at the deadline (dropped)
};

class Sampler {
 public:
  // All borrowed arguments must outlive the sampler. batch_size ≥ 1, max_length as the
  // priors'.
  Sampler(const DimensionLattice& lattice, const PriorSet& priors,
          const ObservationEncoder& encoder, int batch_size, int max_length);

  // Samples batch_size programs with `policy`, consuming `rng` in a fixed order (the result
  // does not depend on the thread count). The returned reference and episodes() stay valid
  // until the next call. Rows still dead after a few resampling rounds are dropped (and
  // counted in dead_ends). Past `deadline` (checked before each step) the rows still growing
  // are dropped and counted in `cut`, and dead rows are not resampled: the batch is then
  // smaller, and depends on the machine's speed. Cost: max_length policy steps plus the
  // priors' masks.
  const SampleBatch& Sample(const LstmPolicy& policy, Rng& rng,
                            std::chrono::steady_clock::time_point deadline =
                                std::chrono::steady_clock::time_point::max());

  // Records, as rows 0..n−1 of `out` (n = programs.size() ≤ batch_size), the episodes the
  // sampler records when it draws these token sequences, so that programs kept from earlier
  // epochs (or found another way) can be trained on. Returns, per program, 1 when it replays
  // — each token allowed by the priors' mask at its step, the program complete at its last
  // token — else 0, and that row is recorded only in part and must not be trained on. The
  // policy plays no part. Deterministic. Cost: as sampling n rows, without the policy.
  std::vector<std::uint8_t> Replay(std::span<const std::vector<TokenId>> programs,
                                   EpisodeBuffer& out);

  const EpisodeBuffer& episodes() const { return episodes_; }
  // Wall seconds spent in the policy's steps (LSTM forward and draw) over all calls so far;
  // the rest of Sample's time goes to the priors, observations and bookkeeping.
  double policy_seconds() const { return policy_seconds_; }

 private:
  // Samples rows [0, n) of the work batch; returns the rows that dead-ended.
  // Past deadline_, the rows still growing are returned as dead and cut_ is set.
  std::vector<int> SampleRows(const LstmPolicy& policy, Rng& rng, int n, EpisodeBuffer& buffer);
  // The priors' log-factors and the policy's inputs of rows [0, n) at the current step, into
  // log_factors_ and inputs_.
  void PriceAndEncode(int n);

  const PriorSet* priors_;
  const ObservationEncoder* encoder_;
  int batch_size_;
  int max_length_;
  int num_tokens_;
  PartialBatch partial_;
  SamplingState state_;
  EpisodeBuffer episodes_;
  EpisodeBuffer retry_episodes_;
  SampleBatch batch_;
  // Per-step scratch, row-major batch × features / tokens.
  RowMatrixXf inputs_;
  std::vector<std::uint8_t> mask_;
  RowMatrixXf log_factors_;
  std::vector<std::uint8_t> active_;
  std::vector<int> tokens_;
  std::vector<float> logp_;
  std::vector<float> entropy_;
  double policy_seconds_ = 0.0;
  std::chrono::steady_clock::time_point deadline_;
  std::int64_t cut_ = 0;  // rows SampleRows left unfinished at the deadline
};

}  // namespace physr
