// Risk-seeking training of the policy: the options of one training step and the choice of the
// elite a step learns from (the top ε quantile of a batch's rewards, each with its advantage
// over the quantile). Not here: the loss and its gradient (policy_gradient.hpp), the optimiser
// (adam.hpp), what the rewards are (search/).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "physr/policy/adam.hpp"
#include "physr/policy/episode_buffer.hpp"
#include "physr/policy/lstm_parameters.hpp"
#include "physr/policy/lstm_policy.hpp"
#include "physr/policy/policy_gradient.hpp"

namespace physr {

struct TrainingOptions {
  int batch_size = 1000;       // programs sampled per step
  double risk_epsilon = 0.05;  // the elite is the top ε of a batch's rewards
  int hidden_size = LstmPolicyOptions{}.hidden_size;
  double learning_rate = AdamOptions{}.learning_rate;
  LossOptions loss;  // the entropy bonus
  // The best distinct programs remembered across epochs (search/memory.hpp) that join each
  // step's elite (AddRemembered); 0 trains on the batch's elite alone. At most batch_size.
  int memory = 0;
  // Epochs without a gain in the best NRMSE after which the policy starts afresh: a new
  // initialisation, its optimiser's moments and the memory emptied, while the front and the
  // evolution it breeds from stay (search/restarts.hpp); 0 never restarts.
  int restart_after = 0;
};

// The (1 − ε) quantile of `rewards`, interpolating linearly between order statistics.
// PHYSR_CHECKs that rewards is not empty. Cost: O(n log n).
double RiskQuantile(std::vector<double> rewards, double epsilon);

// The elite of a batch: the rows whose reward is at least the (1 − ε) quantile R_ε, in batch
// order, with advantages R − R_ε; then the remembered programs AddRemembered adds.
struct Elite {
  std::vector<int> rows;        // indices into the rewards
  std::vector<int> remembered;  // indices into the remembered programs, after the rows
  // One per row, then one per remembered program.
  std::vector<float> advantages;
  double quantile = 0.0;  // R_ε
  // Whether some advantage is positive. When the quantile is the best reward (e.g. once exact
  // formulas fill the top ε) no row has one, and a step on the entropy bonus alone would only
  // spread the policy out, towards long programs: the caller skips it.
  bool signal = false;
};
Elite SelectElite(std::span<const double> rewards, double epsilon);

// Adds remembered programs to `elite`: program i (of rewards.size(), its reward rewards[i])
// joins when its reward exceeds the batch's quantile R_ε and the batch did not sample it
// (in_batch[i] == 0; a sampled copy is in the elite already), with advantage R_i − R_ε, as one
// more elite episode. The loss (policy_gradient.hpp) then averages over the m rows and q
// remembered programs alike: L = −1/(m+q) Σ A log π − λ_H/(m+q) Σ Σ_t γ^t H_t. Sets signal
// when one joins. in_batch has the size of rewards.
void AddRemembered(Elite& elite, std::span<const double> rewards,
                   std::span<const std::uint8_t> in_batch);

// The loss and gradient (policy_gradient.hpp) of one step on `elite`: its rows' episodes,
// batch_episodes[k] of `batch` for elite.rows[k], then its remembered programs' episodes, rows
// 0..q−1 of `remembered` in the order of elite.remembered; advantages elite.advantages. With
// remembered programs the episodes are copied into `scratch` first (sized on first use).
// PHYSR_CHECKs the sizes; the buffers share max_steps and sizes. Cost: the copies and
// ComputeLossAndGradient's.
template <typename Scalar>
PolicyLoss EliteLossAndGradient(const LstmParameters<Scalar>& params, const EpisodeBuffer& batch,
                                std::span<const int> batch_episodes,
                                const EpisodeBuffer& remembered, const Elite& elite,
                                const LossOptions& options, EpisodeBuffer& scratch,
                                LstmParameters<Scalar>* gradient);

}  // namespace physr
