// The LSTM policy that writes programs token by token: a batched, masked sampler for the epoch
// loop and the entry points for its gradient and checkpoints. The caller (the search) owns what
// depends on the tokens drawn so far: observation features and prior masks, built each step.
// Not for building those features or masks, and not for the training loop itself.
//
// Cost per step and active row: 2·(I·E + E·4H + H·4H + H·V) flops in float GEMMs (I input
// features, E embed, H hidden, V tokens); for I=150, E=64, H=128, V=30 that is ≈0.22 MFLOP.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <vector>

#include "physr/core/rng.hpp"
#include "physr/policy/lstm_parameters.hpp"
#include "physr/policy/policy_gradient.hpp"
#include "physr/policy/policy_matrices.hpp"

namespace physr {

struct LstmPolicyOptions {
  int input_size = 0;   // features per step (required, > 0)
  int num_tokens = 0;   // library size = number of logits (required, > 0)
  int embed_size = 64;  // width of the dense input layer
  int hidden_size = 128;
  InputActivation input_activation = InputActivation::kTanh;
  float forget_bias = 1.0f;  // initial forget-gate bias
  std::uint64_t seed = 0;    // initialisation seed (physr::Rng(seed, 0))
  // Run sampling chunks on the oneTBB pool. The result is identical either way.
  bool parallel = true;
};

// Rows are processed in fixed chunks of this many active rows (compacted, in row order); the
// partition does not depend on the thread count, so results do not either.
inline constexpr int kPolicyChunkRows = 128;

// Per-batch sampling state: the recurrent state (h, c) of every row plus scratch space. Made by
// LstmPolicy::Begin, advanced by LstmPolicy::Step. Reusable across epochs via Begin(state, batch)
// without reallocation when the batch does not grow. One state must not be stepped from two
// threads at once; distinct states may be.
class SamplingState {
 public:
  SamplingState() = default;
  int batch() const { return static_cast<int>(h_.rows()); }
  int steps_taken() const { return steps_; }
  // batch × hidden_size; rows of inactive rows keep the last state they had.
  const RowMatrixXf& hidden() const { return h_; }
  const RowMatrixXf& cell() const { return c_; }

 private:
  friend class LstmPolicy;
  struct Chunk {
    Eigen::MatrixXf x, e, a, h_prev, c_prev, c, h, logits_t;
  };
  RowMatrixXf h_, c_;
  std::vector<int> rows_;        // active rows this step, ascending
  std::vector<double> uniform_;  // one draw per active row, in row order
  std::vector<Chunk> chunks_;
  int steps_ = 0;
};

class LstmPolicy {
 public:
  // Throws InputError if a size is not positive. Initialises deterministically from seed.
  explicit LstmPolicy(const LstmPolicyOptions& options);
  // Wraps given parameters (e.g. read from a checkpoint). PHYSR_CHECKs their shapes agree.
  LstmPolicy(LstmParameters<float> parameters, bool parallel = true);

  int input_size() const { return params_.input_size; }
  int num_tokens() const { return params_.num_tokens; }
  int hidden_size() const { return params_.hidden_size; }
  int embed_size() const { return params_.embed_size; }
  bool parallel() const { return parallel_; }
  void set_parallel(bool parallel) { parallel_ = parallel; }

  const LstmParameters<float>& parameters() const { return params_; }
  LstmParameters<float>& mutable_parameters() { return params_; }

  // Starts `batch` sequences at the zero state. batch > 0.
  SamplingState Begin(int batch) const;
  void Begin(SamplingState& state, int batch) const;  // same, reusing state's storage

  // Advances every active row by one token.
  //   inputs      : batch × input_size features of the current step (read for active rows).
  //   mask        : batch × num_tokens, nonzero = allowed; forbidden tokens get probability
  //                 exactly 0. An active row with no allowed token is a programmer error
  //                 (PHYSR_CHECK).
  //   log_factors : batch × num_tokens soft-prior log-multipliers added to the logits before
  //                 the softmax (π ∝ mask·exp(logits + log_factors)); the overload without it
  //                 uses none. −∞ acts like a mask entry of 0.
  //   active      : batch flags, nonzero = row still growing; empty span = all rows active.
  //                 Inactive rows cost nothing and keep their state.
  //   rng         : consumed in row order, one Uniform01 per active row (inverse-CDF draw),
  //                 so the result for a seed is reproducible and independent of the thread
  //                 count.
  //   out_tokens / out_logp / out_entropy : batch entries each, written for every row: the
  //                 drawn token, its log-probability and the entropy (nats) of the masked
  //                 distribution; inactive rows get −1, 0, 0.
  // Matrices are row-major (one program per row); other layouts are accepted via a copy.
  // Not thread-safe on one state; the policy itself is only read.
  void Step(SamplingState& state, const Eigen::Ref<const RowMatrixXf>& inputs,
            const Eigen::Ref<const RowTokenMask>& mask,
            const Eigen::Ref<const RowMatrixXf>& log_factors, std::span<const std::uint8_t> active,
            Rng& rng, std::span<int> out_tokens, std::span<float> out_logp,
            std::span<float> out_entropy) const;
  void Step(SamplingState& state, const Eigen::Ref<const RowMatrixXf>& inputs,
            const Eigen::Ref<const RowTokenMask>& mask, std::span<const std::uint8_t> active,
            Rng& rng, std::span<int> out_tokens, std::span<float> out_logp,
            std::span<float> out_entropy) const;

  // Loss and gradient of recorded episodes (see policy_gradient.hpp); gradient may be null.
  PolicyLoss ComputeGradient(const EpisodeBuffer& episodes, std::span<const int> selected,
                             std::span<const float> advantages, const LossOptions& options,
                             LstmParameters<float>* gradient) const {
    return ComputeLossAndGradient(params_, episodes, selected, advantages, options, gradient);
  }

  // Checkpoints: the parameters in the binary form of WriteLstmParameters. Load throws
  // InputError on a truncated or foreign stream.
  void Save(std::ostream& out) const;
  static LstmPolicy Load(std::istream& in, const char* what = "policy checkpoint",
                         bool parallel = true);

 private:
  void RunChunk(SamplingState& state, int chunk, const Eigen::Ref<const RowMatrixXf>& inputs,
                const Eigen::Ref<const RowTokenMask>& mask,
                const Eigen::Ref<const RowMatrixXf>* log_factors, std::span<int> out_tokens,
                std::span<float> out_logp, std::span<float> out_entropy) const;

  LstmParameters<float> params_;
  bool parallel_ = true;
};

}  // namespace physr
