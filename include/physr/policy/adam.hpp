// Adam for the policy's parameters (Kingma & Ba, with bias correction), with optional
// clipping of the global gradient norm, and binary checkpoints of its state.
// Not a general optimiser library: it knows the LstmParameters<float> blocks only.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <vector>

#include "physr/policy/lstm_parameters.hpp"

namespace physr {

struct AdamOptions {
  double learning_rate = 0.0025;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  // If > 0, the gradient is scaled so its global L2 norm is at most this.
  double max_grad_norm = 0.0;
};

class AdamOptimizer {
 public:
  // Throws InputError on a non-positive learning rate or epsilon, betas outside [0, 1), or a
  // negative max_grad_norm.
  explicit AdamOptimizer(const AdamOptions& options = {});
  // Same, with the moments sized (zero) for parameters shaped like `like`.
  AdamOptimizer(const LstmParameters<float>& like, const AdamOptions& options);

  // One update θ ← θ − lr·m̂/(√v̂ + ε) of every block. The moments are sized (zero) at the first
  // step; later steps PHYSR_CHECK that the shapes match. Returns the gradient's global L2 norm
  // before clipping. Cost: a few passes over the parameters.
  double Step(LstmParameters<float>& params, const LstmParameters<float>& gradient);

  const AdamOptions& options() const { return options_; }
  void set_learning_rate(double lr) { options_.learning_rate = lr; }
  std::int64_t steps() const { return step_; }

  // Binary state: magic "PHYSRADM", version, byte-order marker, options, step count and both
  // moments of every block. Load throws InputError if the stream is truncated or foreign, or if
  // its moments do not fit the shapes of `like` (the policy they belong to).
  void Save(std::ostream& out) const;
  static AdamOptimizer Load(std::istream& in, const LstmParameters<float>& like,
                            const char* what = "optimizer checkpoint");

 private:
  AdamOptions options_;
  std::int64_t step_ = 0;
  std::vector<Eigen::MatrixXf> m_, v_;  // one per block, in ForEachBlock order
};

}  // namespace physr
