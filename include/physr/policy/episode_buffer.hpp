// Storage of the sampled episodes of one batch (per step: inputs, masks, soft log-factors,
// chosen tokens), kept so that an elite subset can be handed to the gradient by index. Storage
// is contiguous and reused across epochs: Reset never shrinks it. Not for deduplication or
// rewards.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <utility>
#include <vector>

#include "physr/policy/policy_matrices.hpp"

namespace physr {

// Layout: sample-major, i.e. episode i is a contiguous max_steps × input_size row-major block
// of floats (and max_steps × num_tokens mask bytes and log-factor floats, max_steps action
// ints); only its first length(i) steps are meaningful. Memory:
// batch·max_steps·(4·input_size + 5·num_tokens + 4) bytes (≈ 26 MB for batch 1000, 35 steps,
// 150 features, 30 tokens). Not thread-safe for writes; concurrent reads are fine.
class EpisodeBuffer {
 public:
  EpisodeBuffer() = default;
  // batch ≥ 0; max_steps, input_size, num_tokens > 0 (PHYSR_CHECK).
  EpisodeBuffer(int batch, int max_steps, int input_size, int num_tokens);

  // Starts a new batch of `batch` empty episodes (lengths 0), same max_steps and sizes. Grows
  // storage only when batch exceeds what was ever held.
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

  // Rows of step `step` of episode i (input_size floats, num_tokens bytes or floats). Pointers
  // stay valid until a Reset that grows the storage.
  const float* Inputs(int i, int step) const {
    return inputs_.data() + Offset(i, step) * input_size_;
  }
  const std::uint8_t* Mask(int i, int step) const {
    return masks_.data() + Offset(i, step) * num_tokens_;
  }
  const float* LogFactors(int i, int step) const {
    return log_factors_.data() + Offset(i, step) * num_tokens_;
  }
  int Action(int i, int step) const { return actions_[Offset(i, step)]; }
  // Episode i's tokens (length(i) entries).
  std::span<const int> Actions(int i) const {
    return {actions_.data() + Offset(i, 0), static_cast<std::size_t>(length(i))};
  }

 private:
  std::size_t Offset(int i, int step) const {
    return static_cast<std::size_t>(i) * static_cast<std::size_t>(max_steps_) +
           static_cast<std::size_t>(step);
  }
  void RecordRows(int step, const Eigen::Ref<const RowMatrixXf>& inputs,
                  const Eigen::Ref<const RowTokenMask>& mask,
                  const Eigen::Ref<const RowMatrixXf>* log_factors,
                  std::span<const std::uint8_t> active, std::span<const int> tokens);

  int batch_ = 0;
  int max_steps_ = 0;
  int input_size_ = 0;
  int num_tokens_ = 0;
  // Left uninitialised when grown (only the first length(i) steps of an episode are ever
  // written or read), so the pages of steps no episode reached are never touched: with many
  // tokens the inputs alone take batch·max_steps·(3·tokens + …) floats of address space, of
  // which programs far shorter than max_length use a fraction.
  template <class T>
  struct UninitAllocator : std::allocator<T> {
    template <class U>
    struct rebind {
      using other = UninitAllocator<U>;
    };
    template <class U>
    void construct(U* p) noexcept {
      ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  };
  std::vector<float, UninitAllocator<float>> inputs_;
  std::vector<std::uint8_t, UninitAllocator<std::uint8_t>> masks_;
  std::vector<float, UninitAllocator<float>> log_factors_;
  std::vector<int, UninitAllocator<int>> actions_;
  std::vector<int> lengths_;
};

}  // namespace physr
