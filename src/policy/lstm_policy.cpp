#include "physr/policy/lstm_policy.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "lstm_kernels.hpp"
#include "physr/core/error.hpp"

namespace physr {

LstmPolicy::LstmPolicy(const LstmPolicyOptions& options) : parallel_(options.parallel) {
  auto require_positive = [](int value, const char* name) {
    if (value <= 0)
      throw InputError(std::string("policy option ") + name + " must be positive, got " +
                       std::to_string(value));
  };
  require_positive(options.input_size, "input_size");
  require_positive(options.num_tokens, "num_tokens");
  require_positive(options.embed_size, "embed_size");
  require_positive(options.hidden_size, "hidden_size");
  params_.Resize(options.input_size, options.embed_size, options.hidden_size, options.num_tokens,
                 options.input_activation);
  Rng rng(options.seed, 0);
  InitializeGlorot(params_, options.forget_bias, rng);
}

LstmPolicy::LstmPolicy(LstmParameters<float> parameters, bool parallel)
    : params_(std::move(parameters)), parallel_(parallel) {
  const auto& p = params_;
  PHYSR_CHECK(p.input_size > 0 && p.embed_size > 0 && p.hidden_size > 0 && p.num_tokens > 0,
              "LstmPolicy: parameter sizes must be positive");
  PHYSR_CHECK(p.w_in.rows() == p.input_size && p.w_in.cols() == p.embed_size &&
                  p.b_in.rows() == 1 && p.b_in.cols() == p.embed_size &&
                  p.w_x.rows() == p.embed_size && p.w_x.cols() == 4 * p.hidden_size &&
                  p.w_h.rows() == p.hidden_size && p.w_h.cols() == 4 * p.hidden_size &&
                  p.b_gates.rows() == 1 && p.b_gates.cols() == 4 * p.hidden_size &&
                  p.w_out.rows() == p.hidden_size && p.w_out.cols() == p.num_tokens &&
                  p.b_out.rows() == 1 && p.b_out.cols() == p.num_tokens,
              "LstmPolicy: parameter blocks do not match the declared sizes");
}

SamplingState LstmPolicy::Begin(int batch) const {
  SamplingState state;
  Begin(state, batch);
  return state;
}

void LstmPolicy::Begin(SamplingState& state, int batch) const {
  PHYSR_CHECK(batch > 0, "LstmPolicy::Begin needs batch > 0");
  state.h_.setZero(batch, params_.hidden_size);
  state.c_.setZero(batch, params_.hidden_size);
  state.rows_.reserve(static_cast<std::size_t>(batch));
  state.uniform_.resize(static_cast<std::size_t>(batch));
  state.steps_ = 0;
}

void LstmPolicy::Step(SamplingState& state, const Eigen::Ref<const RowMatrixXf>& inputs,
                      const Eigen::Ref<const RowTokenMask>& mask,
                      std::span<const std::uint8_t> active, Rng& rng, std::span<int> out_tokens,
                      std::span<float> out_logp, std::span<float> out_entropy) const {
  Step(state, inputs, mask, RowMatrixXf(), active, rng, out_tokens, out_logp, out_entropy);
}

void LstmPolicy::Step(SamplingState& state, const Eigen::Ref<const RowMatrixXf>& inputs,
                      const Eigen::Ref<const RowTokenMask>& mask,
                      const Eigen::Ref<const RowMatrixXf>& log_factors,
                      std::span<const std::uint8_t> active, Rng& rng, std::span<int> out_tokens,
                      std::span<float> out_logp, std::span<float> out_entropy) const {
  const int batch = state.batch();
  PHYSR_CHECK(batch > 0 && state.h_.cols() == params_.hidden_size,
              "LstmPolicy::Step: state was not started by this policy's Begin");
  PHYSR_CHECK(inputs.rows() == batch && inputs.cols() == params_.input_size,
              "LstmPolicy::Step: inputs must be batch x input_size");
  PHYSR_CHECK(mask.rows() == batch && mask.cols() == params_.num_tokens,
              "LstmPolicy::Step: mask must be batch x num_tokens");
  const bool has_factors = log_factors.size() != 0;
  PHYSR_CHECK(
      !has_factors || (log_factors.rows() == batch && log_factors.cols() == params_.num_tokens),
      "LstmPolicy::Step: log_factors must be batch x num_tokens or empty");
  PHYSR_CHECK(active.empty() || static_cast<int>(active.size()) == batch,
              "LstmPolicy::Step: active must be empty or have batch entries");
  const auto b = static_cast<std::size_t>(batch);
  PHYSR_CHECK(out_tokens.size() == b && out_logp.size() == b && out_entropy.size() == b,
              "LstmPolicy::Step: outputs must have batch entries");
  const Eigen::Ref<const RowMatrixXf>* factors = has_factors ? &log_factors : nullptr;

  state.rows_.clear();
  for (int i = 0; i < batch; ++i) {
    if (active.empty() || active[static_cast<std::size_t>(i)] != 0) {
      state.rows_.push_back(i);
    } else {
      out_tokens[static_cast<std::size_t>(i)] = -1;
      out_logp[static_cast<std::size_t>(i)] = 0.0f;
      out_entropy[static_cast<std::size_t>(i)] = 0.0f;
    }
  }
  // The draws are taken here, serially in row order, so chunks may run in any order.
  for (std::size_t j = 0; j < state.rows_.size(); ++j) state.uniform_[j] = rng.Uniform01();
  const int num_active = static_cast<int>(state.rows_.size());
  const int num_chunks = (num_active + kPolicyChunkRows - 1) / kPolicyChunkRows;
  if (static_cast<int>(state.chunks_.size()) < num_chunks)
    state.chunks_.resize(static_cast<std::size_t>(num_chunks));
  auto run = [&](int k) {
    RunChunk(state, k, inputs, mask, factors, out_tokens, out_logp, out_entropy);
  };
  if (parallel_ && num_chunks > 1) {
    tbb::parallel_for(0, num_chunks, run);
  } else {
    for (int k = 0; k < num_chunks; ++k) run(k);
  }
  ++state.steps_;
}

void LstmPolicy::RunChunk(SamplingState& state, int chunk,
                          const Eigen::Ref<const RowMatrixXf>& inputs,
                          const Eigen::Ref<const RowTokenMask>& mask,
                          const Eigen::Ref<const RowMatrixXf>* log_factors,
                          std::span<int> out_tokens, std::span<float> out_logp,
                          std::span<float> out_entropy) const {
  const auto& p = params_;
  const int hidden = p.hidden_size;
  const int v = p.num_tokens;
  const int first = chunk * kPolicyChunkRows;
  const int m = std::min(kPolicyChunkRows, static_cast<int>(state.rows_.size()) - first);
  const int* rows = state.rows_.data() + first;
  SamplingState::Chunk& w = state.chunks_[static_cast<std::size_t>(chunk)];
  const bool first_step = state.steps_ == 0;

  // Gather the active rows (contiguous rows, since the inputs are row-major).
  w.x.resize(m, p.input_size);
  for (int j = 0; j < m; ++j) w.x.row(j) = inputs.row(rows[j]);
  w.e.noalias() = w.x * p.w_in;
  w.e.rowwise() += p.b_in.row(0);
  detail::InputActivationInPlace<float>(w.e, p.input_activation);
  w.a.noalias() = w.e * p.w_x;
  w.a.rowwise() += p.b_gates.row(0);
  if (!first_step) {
    w.h_prev.resize(m, hidden);
    w.c_prev.resize(m, hidden);
    for (int j = 0; j < m; ++j) {
      w.h_prev.row(j) = state.h_.row(rows[j]);
      w.c_prev.row(j) = state.c_.row(rows[j]);
    }
    w.a.noalias() += w.h_prev * p.w_h;
  }
  detail::GateActivations<float>(w.a, hidden);
  w.c.resize(m, hidden);
  w.h.resize(m, hidden);
  // tanh(c) goes into h_prev's storage (no longer needed) to save a buffer.
  Eigen::MatrixXf& tanh_c = w.h_prev;
  tanh_c.resize(m, hidden);
  if (first_step) {
    detail::CellUpdate<float>(w.a, nullptr, hidden, w.c, tanh_c, w.h);
  } else {
    const Eigen::Ref<const Eigen::MatrixXf> c_prev = w.c_prev;
    detail::CellUpdate<float>(w.a, &c_prev, hidden, w.c, tanh_c, w.h);
  }
  for (int j = 0; j < m; ++j) {
    state.h_.row(rows[j]) = w.h.row(j);
    state.c_.row(rows[j]) = w.c.row(j);
  }
  // Logits transposed (tokens × rows) so each row's logits are contiguous.
  w.logits_t.noalias() = p.w_out.transpose() * w.h.transpose();
  w.logits_t.colwise() += p.b_out.row(0).transpose();

  for (int j = 0; j < m; ++j) {
    const int row = rows[j];
    float* z = w.logits_t.col(j).data();
    const std::uint8_t* allowed = mask.row(row).data();
    if (log_factors != nullptr) {
      const float* f = log_factors->row(row).data();
      for (int t = 0; t < v; ++t) z[t] += f[t];
    }
    float max = -std::numeric_limits<float>::infinity();
    for (int t = 0; t < v; ++t)
      if (allowed[t] != 0) max = std::max(max, z[t]);
    PHYSR_CHECK(max > -std::numeric_limits<float>::infinity(),
                "LstmPolicy::Step: an active row has no allowed token");
    // z becomes the unnormalised weights exp(z − max), exactly 0 where masked.
    float sum = 0.0f, weighted = 0.0f;
    for (int t = 0; t < v; ++t) {
      const float wt = allowed[t] != 0 ? std::exp(z[t] - max) : 0.0f;
      if (wt > 0.0f) {
        sum += wt;
        weighted += wt * (z[t] - max);
      }
      z[t] = wt;
    }
    // Inverse CDF; rounding can leave the target at or above the total, then the last token
    // of positive weight is taken. A token of weight 0 can never be chosen.
    const double target = state.uniform_[static_cast<std::size_t>(first + j)] * sum;
    int chosen = -1;
    double cumulative = 0.0;
    for (int t = 0; t < v; ++t) {
      if (z[t] == 0.0f) continue;
      chosen = t;
      cumulative += z[t];
      if (cumulative > target) break;
    }
    const float log_z = std::log(sum);
    // log p = z_a − max − log Z; z[chosen] holds exp(z_a − max).
    out_tokens[static_cast<std::size_t>(row)] = chosen;
    out_logp[static_cast<std::size_t>(row)] = std::log(z[chosen]) - log_z;
    out_entropy[static_cast<std::size_t>(row)] = log_z - weighted / sum;
  }
}

void LstmPolicy::Save(std::ostream& out) const { WriteLstmParameters(out, params_); }

LstmPolicy LstmPolicy::Load(std::istream& in, const char* what, bool parallel) {
  return LstmPolicy(ReadLstmParameters(in, what), parallel);
}

}  // namespace physr
