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
  const std::size_t steps = Offset(batch, 0);
  const auto in = static_cast<std::size_t>(input_size_);
  const auto v = static_cast<std::size_t>(num_tokens_);
  // resize() never releases capacity, so a smaller batch reuses the storage.
  if (inputs_.size() < steps * in) inputs_.resize(steps * in);
  if (masks_.size() < steps * v) masks_.resize(steps * v);
  if (log_factors_.size() < steps * v) log_factors_.resize(steps * v);
  if (actions_.size() < steps) actions_.resize(steps);
  lengths_.assign(static_cast<std::size_t>(batch), 0);
}

void EpisodeBuffer::Record(int step, const Eigen::Ref<const RowMatrixXf>& inputs,
                           const Eigen::Ref<const RowTokenMask>& mask,
                           const Eigen::Ref<const RowMatrixXf>& log_factors,
                           std::span<const std::uint8_t> active, std::span<const int> tokens) {
  const bool none = log_factors.size() == 0;
  PHYSR_CHECK(none || (log_factors.rows() == batch_ && log_factors.cols() == num_tokens_),
              "EpisodeBuffer::Record: log_factors must be batch x num_tokens or empty");
  RecordRows(step, inputs, mask, none ? nullptr : &log_factors, active, tokens);
}

void EpisodeBuffer::Record(int step, const Eigen::Ref<const RowMatrixXf>& inputs,
                           const Eigen::Ref<const RowTokenMask>& mask,
                           std::span<const std::uint8_t> active, std::span<const int> tokens) {
  RecordRows(step, inputs, mask, nullptr, active, tokens);
}

void EpisodeBuffer::RecordRows(int step, const Eigen::Ref<const RowMatrixXf>& inputs,
                               const Eigen::Ref<const RowTokenMask>& mask,
                               const Eigen::Ref<const RowMatrixXf>* log_factors,
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
  const auto v = static_cast<std::size_t>(num_tokens_);
  for (int i = 0; i < batch_; ++i) {
    const auto row = static_cast<std::size_t>(i);
    if (!active.empty() && active[row] == 0) continue;
    PHYSR_CHECK(lengths_[row] == step,
                "EpisodeBuffer::Record: steps of a row must be recorded in order");
    const int token = tokens[row];
    PHYSR_CHECK(token >= 0 && token < num_tokens_, "EpisodeBuffer::Record: token out of range");
    const std::size_t at = Offset(i, step);
    std::copy_n(inputs.row(i).data(), input_size_, inputs_.data() + at * input_size_);
    std::copy_n(mask.row(i).data(), num_tokens_, masks_.data() + at * v);
    if (log_factors != nullptr) {
      std::copy_n(log_factors->row(i).data(), num_tokens_, log_factors_.data() + at * v);
    } else {
      std::fill_n(log_factors_.data() + at * v, num_tokens_, 0.0f);
    }
    actions_[at] = token;
    lengths_[row] = step + 1;
  }
}

void EpisodeBuffer::SetEpisode(int i, const Eigen::Ref<const RowMatrixXf>& inputs,
                               const Eigen::Ref<const RowTokenMask>& masks,
                               const Eigen::Ref<const RowMatrixXf>& log_factors,
                               std::span<const int> actions) {
  PHYSR_CHECK(i >= 0 && i < batch_, "EpisodeBuffer::SetEpisode: index out of range");
  const auto t = static_cast<int>(actions.size());
  PHYSR_CHECK(t <= max_steps_, "EpisodeBuffer::SetEpisode: episode longer than max_steps");
  PHYSR_CHECK(inputs.rows() == t && inputs.cols() == input_size_,
              "EpisodeBuffer::SetEpisode: inputs must be T x input_size");
  PHYSR_CHECK(masks.rows() == t && masks.cols() == num_tokens_,
              "EpisodeBuffer::SetEpisode: masks must be T x num_tokens");
  const bool none = log_factors.size() == 0;
  PHYSR_CHECK(none || (log_factors.rows() == t && log_factors.cols() == num_tokens_),
              "EpisodeBuffer::SetEpisode: log_factors must be T x num_tokens or empty");
  const auto v = static_cast<std::size_t>(num_tokens_);
  for (int s = 0; s < t; ++s) {
    const int token = actions[static_cast<std::size_t>(s)];
    PHYSR_CHECK(token >= 0 && token < num_tokens_, "EpisodeBuffer::SetEpisode: token out of range");
    const std::size_t at = Offset(i, s);
    std::copy_n(inputs.row(s).data(), input_size_, inputs_.data() + at * input_size_);
    std::copy_n(masks.row(s).data(), num_tokens_, masks_.data() + at * v);
    if (none) {
      std::fill_n(log_factors_.data() + at * v, num_tokens_, 0.0f);
    } else {
      std::copy_n(log_factors.row(s).data(), num_tokens_, log_factors_.data() + at * v);
    }
    actions_[at] = token;
  }
  lengths_[static_cast<std::size_t>(i)] = t;
}

void EpisodeBuffer::CopyEpisodeFrom(const EpisodeBuffer& other, int from, int to) {
  PHYSR_CHECK(other.max_steps_ == max_steps_ && other.input_size_ == input_size_ &&
                  other.num_tokens_ == num_tokens_,
              "EpisodeBuffer::CopyEpisodeFrom: buffers have different shapes");
  PHYSR_CHECK(from >= 0 && from < other.batch_ && to >= 0 && to < batch_,
              "EpisodeBuffer::CopyEpisodeFrom: index out of range");
  const std::size_t n = static_cast<std::size_t>(other.length(from));
  const std::size_t src = other.Offset(from, 0), dst = Offset(to, 0);
  const auto in = static_cast<std::size_t>(input_size_);
  const auto v = static_cast<std::size_t>(num_tokens_);
  std::copy_n(other.inputs_.data() + src * in, n * in, inputs_.data() + dst * in);
  std::copy_n(other.masks_.data() + src * v, n * v, masks_.data() + dst * v);
  std::copy_n(other.log_factors_.data() + src * v, n * v, log_factors_.data() + dst * v);
  std::copy_n(other.actions_.data() + src, n, actions_.data() + dst);
  lengths_[static_cast<std::size_t>(to)] = other.length(from);
}

}  // namespace physr
