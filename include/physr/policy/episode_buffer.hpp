// Storage of the sampled episodes of one batch (per step: inputs, masks, soft log-factors,
// chosen tokens), kept so that an elite subset can be handed to the gradient by index. Stored
// compactly and reused across epochs: Reset never shrinks it. Not for deduplication or
// rewards.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

#include "physr/policy/policy_matrices.hpp"

namespace physr {

// Storage, compact so that it does not grow with batch × steps × tokens in floats: per step
// of an episode, its chosen token; the nonzero entries of its inputs row as (index, value)
// pairs (the observation rows are one-hot blocks plus a few dimension features, so a few dozen
// entries out of 3·tokens); and one byte per token coding mask and log-factor together: 0 for
// a forbidden token, else an index into that step's palette of distinct log-factor values
// (they take few values: the Occam costs are small integers), with 255 for a value past the
// palette's 254, kept as an (index, value) pair. Decoding gives back the recorded rows
// exactly, except that a forbidden token's log-factor reads 0 (the loss never uses it) and a
// negative zero input reads +0.
// Memory: about batch·steps·(tokens + 8·nonzero inputs + 4·distinct factors) bytes for the
// steps recorded (≈ 3.5 kB a step with 3,000 tokens, against 51 kB dense). Not thread-safe
// for writes; concurrent reads are fine.
class EpisodeBuffer {
 public:
  EpisodeBuffer() = default;
  // batch ≥ 0; max_steps, input_size, num_tokens > 0 (PHYSR_CHECK).
  EpisodeBuffer(int batch, int max_steps, int input_size, int num_tokens);

  // Starts a new batch of `batch` empty episodes (lengths 0), same max_steps and sizes. Keeps
  // the storage of earlier batches (it is reused).
  void Reset(int batch);

  // Appends step `step` for every active row: its inputs row, mask row, log-factor row and
  // chosen token. Shapes as in LstmPolicy::Step (inputs batch × input_size, mask and
  // log_factors batch × num_tokens, log_factors may be 0 × 0 for none, tokens batch entries,
  // active empty = all rows). PHYSR_CHECKs that step < max_steps, that each active row has
  // exactly `step` steps recorded so far and that its token is in range.
  void Record(int step, const Eigen::Ref<const RowMatrixXf>& inputs,
              const Eigen::Ref<const RowTokenMask>& mask,
              const Eigen::Ref<const RowMatrixXf>& log_factors,
              std::span<const std::uint8_t> active, std::span<const int> tokens);
  // Same without soft log-factors (all zero).
  void Record(int step, const Eigen::Ref<const RowMatrixXf>& inputs,
              const Eigen::Ref<const RowTokenMask>& mask, std::span<const std::uint8_t> active,
              std::span<const int> tokens);

  // Overwrites episode i with T = actions.size() ≤ max_steps steps: inputs T × input_size,
  // masks and log_factors T × num_tokens (log_factors 0 × 0 = all zero), e.g. to replay
  // programs kept from earlier epochs.
  void SetEpisode(int i, const Eigen::Ref<const RowMatrixXf>& inputs,
                  const Eigen::Ref<const RowTokenMask>& masks,
                  const Eigen::Ref<const RowMatrixXf>& log_factors, std::span<const int> actions);

  // Copies episode `from` of `other` (same max_steps and sizes) into episode `to` of this.
  void CopyEpisodeFrom(const EpisodeBuffer& other, int from, int to);

  int batch() const { return batch_; }
  int max_steps() const { return max_steps_; }
  int input_size() const { return input_size_; }
  int num_tokens() const { return num_tokens_; }
  int length(int i) const { return lengths_[static_cast<std::size_t>(i)]; }

  // Writes step `step` of episode i (step < length(i)) as recorded: its inputs row
  // (input_size floats) into `inputs`; its mask (num_tokens bytes, 1 = allowed) into `mask`
  // and its log-factors (num_tokens floats; 0 for forbidden tokens) into `log_factors`.
  // Cost: O(input_size) and O(num_tokens).
  void DecodeInputs(int i, int step, float* inputs) const;
  void DecodeMask(int i, int step, std::uint8_t* mask, float* log_factors) const;
  int Action(int i, int step) const {
    return episodes_[static_cast<std::size_t>(i)].actions[static_cast<std::size_t>(step)];
  }
  // Episode i's tokens (length(i) entries).
  std::span<const int> Actions(int i) const {
    return {episodes_[static_cast<std::size_t>(i)].actions.data(),
            static_cast<std::size_t>(length(i))};
  }

 private:
  // One episode's steps, each list indexed through its `*_begin` offsets (steps + 1 entries).
  struct Episode {
    std::vector<int> actions;
    std::vector<std::uint32_t> input_begin;
    std::vector<std::uint32_t> input_index;
    std::vector<float> input_value;
    std::vector<std::uint8_t> codes;  // steps × num_tokens
    std::vector<std::uint32_t> palette_begin;
    std::vector<float> palette;
    std::vector<std::uint32_t> extra_begin;
    std::vector<std::uint32_t> extra_index;
    std::vector<float> extra_value;

    void Clear();
  };
  // Appends one step to episode e (whose steps so far are recorded).
  void AppendStep(Episode& e, const float* inputs, const std::uint8_t* mask,
                  const float* log_factors, int token);
  void RecordRows(int step, const Eigen::Ref<const RowMatrixXf>& inputs,
                  const Eigen::Ref<const RowTokenMask>& mask,
                  const Eigen::Ref<const RowMatrixXf>* log_factors,
                  std::span<const std::uint8_t> active, std::span<const int> tokens);

  int batch_ = 0;
  int max_steps_ = 0;
  int input_size_ = 0;
  int num_tokens_ = 0;
  std::vector<Episode> episodes_;  // never shrinks: a smaller batch reuses the storage
  std::vector<int> lengths_;
  // AppendStep's palette lookup: float bits → code, open addressing (scratch).
  std::vector<std::uint32_t> slot_bits_;
  std::vector<std::uint8_t> slot_code_;
};

}  // namespace physr
