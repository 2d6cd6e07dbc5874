#include "physr/policy/episode_buffer.hpp"

#include <algorithm>

#include "physr/core/error.hpp"

namespace physr {

EpisodeBuffer::EpisodeBuffer(int batch, int max_steps, int input_size, int num_tokens)
    : max_steps_(max_steps), input_size_(input_size), num_tokens_(num_tokens) {
  PHYSR_CHECK(max_steps > 0 && input_size > 0 && num_tokens > 0,
              "EpisodeBuffer sizes must be positive");
  Reset(batch);
}

void EpisodeBuffer::Reset(int batch) {
  PHYSR_CHECK(batch >= 0, "EpisodeBuffer::Reset needs batch >= 0");
  PHYSR_CHECK(max_steps_ > 0, "EpisodeBuffer used before construction with sizes");
  batch_ = batch;
  const auto b = static_cast<std::size_t>(batch);
  const auto t = static_cast<std::size_t>(max_steps_);
  // resize() never releases capacity, so a smaller batch reuses the storage.
  if (inputs_.size() < b * t * input_size_) inputs_.resize(b * t * input_size_);
  if (masks_.size() < b * t * num_tokens_) masks_.resize(b * t * num_tokens_);
  if (actions_.size() < b * t) actions_.resize(b * t);
  lengths_.assign(b, 0);
}

void EpisodeBuffer::Record(int step, const Eigen::Ref<const Eigen::MatrixXf>& inputs,
                           const Eigen::Ref<const TokenMask>& mask,
                           std::span<const std::uint8_t> active, std::span<const int> tokens) {
  PHYSR_CHECK(step >= 0 && step < max_steps_, "EpisodeBuffer::Record: step out of range");
  PHYSR_CHECK(inputs.rows() == batch_ && inputs.cols() == input_size_,
              "EpisodeBuffer::Record: inputs must be batch x input_size");
  PHYSR_CHECK(mask.rows() == batch_ && mask.cols() == num_tokens_,
              "EpisodeBuffer::Record: mask must be batch x num_tokens");
  PHYSR_CHECK(active.empty() || static_cast<int>(active.size()) == batch_,
              "EpisodeBuffer::Record: active must be empty or have batch entries");
  PHYSR_CHECK(static_cast<int>(tokens.size()) == batch_,
              "EpisodeBuffer::Record: tokens must have batch entries");
  for (int i = 0; i < batch_; ++i) {
    if (!active.empty() && active[static_cast<std::size_t>(i)] == 0) continue;
    PHYSR_CHECK(lengths_[static_cast<std::size_t>(i)] == step,
                "EpisodeBuffer::Record: steps of a row must be recorded in order");
    const int token = tokens[static_cast<std::size_t>(i)];
    PHYSR_CHECK(token >= 0 && token < num_tokens_, "EpisodeBuffer::Record: token out of range");
    float* in = inputs_.data() + Offset(i, step) * input_size_;
    for (int k = 0; k < input_size_; ++k) in[k] = inputs(i, k);
    std::uint8_t* m = masks_.data() + Offset(i, step) * num_tokens_;
    for (int k = 0; k < num_tokens_; ++k) m[k] = mask(i, k) != 0 ? 1 : 0;
    actions_[Offset(i, step)] = token;
    lengths_[static_cast<std::size_t>(i)] = step + 1;
  }
}

void EpisodeBuffer::SetEpisode(int i, const Eigen::Ref<const RowMatrixXf>& inputs,
                               const Eigen::Ref<const RowTokenMask>& masks,
                               std::span<const int> actions) {
  PHYSR_CHECK(i >= 0 && i < batch_, "EpisodeBuffer::SetEpisode: index out of range");
  const auto t = static_cast<int>(actions.size());
  PHYSR_CHECK(t <= max_steps_, "EpisodeBuffer::SetEpisode: episode longer than max_steps");
  PHYSR_CHECK(inputs.rows() == t && inputs.cols() == input_size_,
              "EpisodeBuffer::SetEpisode: inputs must be T x input_size");
  PHYSR_CHECK(masks.rows() == t && masks.cols() == num_tokens_,
              "EpisodeBuffer::SetEpisode: masks must be T x num_tokens");
  for (int s = 0; s < t; ++s) {
    const int token = actions[static_cast<std::size_t>(s)];
    PHYSR_CHECK(token >= 0 && token < num_tokens_, "EpisodeBuffer::SetEpisode: token out of range");
    float* in = inputs_.data() + Offset(i, s) * input_size_;
    for (int k = 0; k < input_size_; ++k) in[k] = inputs(s, k);
    std::uint8_t* m = masks_.data() + Offset(i, s) * num_tokens_;
    for (int k = 0; k < num_tokens_; ++k) m[k] = masks(s, k) != 0 ? 1 : 0;
    actions_[Offset(i, s)] = token;
  }
  lengths_[static_cast<std::size_t>(i)] = t;
}

}  // namespace physr
