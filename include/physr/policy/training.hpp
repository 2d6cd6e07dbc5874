// Risk-seeking training of the policy: the options of one training step and the choice of the
// elite a step learns from (the top ε quantile of a batch's rewards, each with its advantage
// over the quantile). Not here: the loss and its gradient (policy_gradient.hpp), the optimiser
// (adam.hpp), what the rewards are (search/).
#pragma once

#include <span>
#include <vector>

#include "physr/policy/adam.hpp"
#include "physr/policy/lstm_policy.hpp"
#include "physr/policy/policy_gradient.hpp"

namespace physr {

struct TrainingOptions {
  int batch_size = 1000;       // programs sampled per step
  double risk_epsilon = 0.05;  // the elite is the top ε of a batch's rewards
  int hidden_size = LstmPolicyOptions{}.hidden_size;
  double learning_rate = AdamOptions{}.learning_rate;
  LossOptions loss;  // the entropy bonus
};

// The (1 − ε) quantile of `rewards`, interpolating linearly between order statistics.
// PHYSR_CHECKs that rewards is not empty. Cost: O(n log n).
double RiskQuantile(std::vector<double> rewards, double epsilon);

// The elite of a batch: the rows whose reward is at least the (1 − ε) quantile R_ε, in batch
// order, with advantages R − R_ε.
struct Elite {
  std::vector<int> rows;  // indices into the rewards
  std::vector<float> advantages;
  // Whether some advantage is positive. When the quantile is the best reward (e.g. once exact
  // formulas fill the top ε) no row has one, and a step on the entropy bonus alone would only
  // spread the policy out, towards long programs: the caller skips it.
  bool signal = false;
};
Elite SelectElite(std::span<const double> rewards, double epsilon);

}  // namespace physr
