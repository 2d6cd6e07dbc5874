// Storage of the sampled episodes of one batch (per step: inputs, masks, chosen tokens), kept
// so that an elite subset can be handed to the gradient by index. Storage is contiguous and
// reused across epochs: Reset never shrinks it. Not for deduplication or rewards.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

#include "physr/policy/token_mask.hpp"

namespace physr {

// Layout: sample-major, i.e. episode i is a contiguous max_steps × input_size row-major block
// of floats (and max_steps × num_tokens bytes of mask, max_steps ints of actions); only its
// first length(i) steps are meaningful. Memory: batch·max_steps·(4·input_size + num_tokens + 4)
// bytes (≈ 22 MB for batch 1000, 35 steps, 150 features, 30 tokens). Not thread-safe for
// writes; concurrent reads are fine.
class EpisodeBuffer {
 public:
  EpisodeBuffer() = default;
  EpisodeBuffer(int batch, int max_steps, int input_size, int num_tokens);

  // Starts a new batch of `batch` empty episodes (lengths 0), same max_steps and sizes. Grows
  // storage only when batch exceeds what was ever held.
  void Reset(int batch);

  // Appends step `step` for every active row: its inputs row, mask row and chosen token.
  // Shapes as in LstmPolicy::Step (inputs batch × input_size, mask batch × num_tokens, tokens
  // batch entries; active empty = all rows). PHYSR_CHECKs that step < max_steps and that each
  // active row has exactly `step` steps recorded so far.
  void Record(int step, const Eigen::Ref<const Eigen::MatrixXf>& inputs,
              const Eigen::Ref<const TokenMask>& mask, std::span<const std::uint8_t> active,
              std::span<const int> tokens);

  // Overwrites episode i with T = actions.size() ≤ max_steps steps: inputs T × input_size,
  // masks T × num_tokens (row-major), e.g. to replay programs kept from earlier epochs.
  void SetEpisode(int i, const Eigen::Ref<const RowMatrixXf>& inputs,
                  const Eigen::Ref<const RowTokenMask>& masks, std::span<const int> actions);

  int batch() const { return batch_; }
  int max_steps() const { return max_steps_; }
  int input_size() const { return input_size_; }
  int num_tokens() const { return num_tokens_; }
  int length(int i) const { return lengths_[static_cast<std::size_t>(i)]; }

  // Pointers into storage, valid until the next Reset that grows it.
  const float* Inputs(int i, int step) const {
    return inputs_.data() + (static_cast<std::size_t>(i) * max_steps_ + step) * input_size_;
  }
  const std::uint8_t* Mask(int i, int step) const {
    return masks_.data() + (static_cast<std::size_t>(i) * max_steps_ + step) * num_tokens_;
  }
  int Action(int i, int step) const {
    return actions_[static_cast<std::size_t>(i) * max_steps_ + step];
  }
  // Episode i's tokens (length(i) entries).
  std::span<const int> Actions(int i) const {
    return {actions_.data() + static_cast<std::size_t>(i) * max_steps_,
            static_cast<std::size_t>(length(i))};
  }

 private:
  std::size_t Offset(int i, int step) const {
    return static_cast<std::size_t>(i) * max_steps_ + step;
  }

  int batch_ = 0;
  int max_steps_ = 0;
  int input_size_ = 0;
  int num_tokens_ = 0;
  std::vector<float> inputs_;
  std::vector<std::uint8_t> masks_;
  std::vector<int> actions_;
  std::vector<int> lengths_;
};

}  // namespace physr
