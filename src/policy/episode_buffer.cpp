#include "physr/policy/episode_buffer.hpp"

#include <algorithm>
#include <bit>

#include "physr/core/error.hpp"

namespace physr {
namespace {

constexpr std::uint8_t kForbidden = 0;
constexpr std::uint8_t kExtra = 255;
constexpr std::size_t kPaletteSize = 254;  // codes 1..254
constexpr std::size_t kSlots = 1024;       // > 2 × kPaletteSize: the lookup never fills up
constexpr std::uint8_t kEmptySlot = 0;

std::size_t SlotOf(std::uint32_t bits) {
  return static_cast<std::size_t>((bits * 0x9E3779B1u) >> 22);  // 10 bits: kSlots
}

}  // namespace

void EpisodeBuffer::Episode::Clear() {
  actions.clear();
  input_begin.assign(1, 0);
  input_index.clear();
  input_value.clear();
  codes.clear();
  palette_begin.assign(1, 0);
  palette.clear();
  extra_begin.assign(1, 0);
  extra_index.clear();
  extra_value.clear();
}

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
  if (episodes_.size() < static_cast<std::size_t>(batch)) {
    episodes_.resize(static_cast<std::size_t>(batch));
  }
  for (int i = 0; i < batch; ++i) episodes_[static_cast<std::size_t>(i)].Clear();
  lengths_.assign(static_cast<std::size_t>(batch), 0);
}

void EpisodeBuffer::AppendStep(Episode& e, const float* inputs, const std::uint8_t* mask,
                               const float* log_factors, int token) {
  e.actions.push_back(token);
  for (int k = 0; k < input_size_; ++k) {
    if (inputs[k] == 0.0f) continue;
    e.input_index.push_back(static_cast<std::uint32_t>(k));
    e.input_value.push_back(inputs[k]);
  }
  e.input_begin.push_back(static_cast<std::uint32_t>(e.input_index.size()));
  // Mask and log-factors as one code per token, through this step's palette.
  if (slot_code_.size() != kSlots) {
    slot_code_.assign(kSlots, kEmptySlot);
    slot_bits_.assign(kSlots, 0);
  }
  const std::size_t palette_start = e.palette.size();
  std::vector<std::size_t> used;
  const std::size_t code_start = e.codes.size();
  e.codes.resize(code_start + static_cast<std::size_t>(num_tokens_));
  for (int j = 0; j < num_tokens_; ++j) {
    std::uint8_t& code = e.codes[code_start + static_cast<std::size_t>(j)];
    if (mask[j] == 0) {
      code = kForbidden;
      continue;
    }
    const float value = log_factors != nullptr ? log_factors[j] : 0.0f;
    const auto bits = std::bit_cast<std::uint32_t>(value);
    std::size_t slot = SlotOf(bits);
    while (slot_code_[slot] != kEmptySlot && slot_bits_[slot] != bits) slot = (slot + 1) % kSlots;
    if (slot_code_[slot] != kEmptySlot) {
      code = slot_code_[slot];
    } else if (e.palette.size() - palette_start < kPaletteSize) {
      e.palette.push_back(value);
      code = static_cast<std::uint8_t>(e.palette.size() - palette_start);
      slot_code_[slot] = code;
      slot_bits_[slot] = bits;
      used.push_back(slot);
    } else {
      code = kExtra;
      e.extra_index.push_back(static_cast<std::uint32_t>(j));
      e.extra_value.push_back(value);
    }
  }
  for (std::size_t slot : used) slot_code_[slot] = kEmptySlot;
  e.palette_begin.push_back(static_cast<std::uint32_t>(e.palette.size()));
  e.extra_begin.push_back(static_cast<std::uint32_t>(e.extra_index.size()));
}

void EpisodeBuffer::DecodeInputs(int i, int step, float* inputs) const {
  const Episode& e = episodes_[static_cast<std::size_t>(i)];
  std::fill_n(inputs, input_size_, 0.0f);
  const auto s = static_cast<std::size_t>(step);
  for (std::uint32_t k = e.input_begin[s]; k < e.input_begin[s + 1]; ++k) {
    inputs[e.input_index[k]] = e.input_value[k];
  }
}

void EpisodeBuffer::DecodeMask(int i, int step, std::uint8_t* mask, float* log_factors) const {
  const Episode& e = episodes_[static_cast<std::size_t>(i)];
  const auto s = static_cast<std::size_t>(step);
  const std::uint8_t* codes = e.codes.data() + s * static_cast<std::size_t>(num_tokens_);
  const float* palette = e.palette.data() + e.palette_begin[s];
  std::uint32_t extra = e.extra_begin[s];
  for (int j = 0; j < num_tokens_; ++j) {
    const std::uint8_t code = codes[j];
    mask[j] = code != kForbidden ? 1 : 0;
    if (code == kForbidden) {
      log_factors[j] = 0.0f;
    } else if (code == kExtra) {
      log_factors[j] = e.extra_value[extra++];
    } else {
      log_factors[j] = palette[code - 1];
    }
  }
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
  for (int i = 0; i < batch_; ++i) {
    const auto row = static_cast<std::size_t>(i);
    if (!active.empty() && active[row] == 0) continue;
    PHYSR_CHECK(lengths_[row] == step,
                "EpisodeBuffer::Record: steps of a row must be recorded in order");
    const int token = tokens[row];
    PHYSR_CHECK(token >= 0 && token < num_tokens_, "EpisodeBuffer::Record: token out of range");
    AppendStep(episodes_[row], inputs.row(i).data(), mask.row(i).data(),
               log_factors != nullptr ? log_factors->row(i).data() : nullptr, token);
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
  Episode& e = episodes_[static_cast<std::size_t>(i)];
  e.Clear();
  for (int s = 0; s < t; ++s) {
    const int token = actions[static_cast<std::size_t>(s)];
    PHYSR_CHECK(token >= 0 && token < num_tokens_, "EpisodeBuffer::SetEpisode: token out of range");
    AppendStep(e, inputs.row(s).data(), masks.row(s).data(),
               none ? nullptr : log_factors.row(s).data(), token);
  }
  lengths_[static_cast<std::size_t>(i)] = t;
}

void EpisodeBuffer::CopyEpisodeFrom(const EpisodeBuffer& other, int from, int to) {
  PHYSR_CHECK(other.max_steps_ == max_steps_ && other.input_size_ == input_size_ &&
                  other.num_tokens_ == num_tokens_,
              "EpisodeBuffer::CopyEpisodeFrom: buffers have different shapes");
  PHYSR_CHECK(from >= 0 && from < other.batch_ && to >= 0 && to < batch_,
              "EpisodeBuffer::CopyEpisodeFrom: index out of range");
  episodes_[static_cast<std::size_t>(to)] = other.episodes_[static_cast<std::size_t>(from)];
  lengths_[static_cast<std::size_t>(to)] = other.length(from);
}

}  // namespace physr
