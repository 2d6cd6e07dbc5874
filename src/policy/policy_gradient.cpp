#include "physr/policy/policy_gradient.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "lstm_kernels.hpp"
#include "physr/core/error.hpp"

namespace physr {
namespace {

// Masked softmax of one row of logits. Writes probabilities into p (0 where masked) and
// returns the masked maximum and log Z relative to it (log p_j = z_j − max − log_z), and the
// entropy.
template <typename S>
struct RowSoftmax {
  S max = 0;
  S log_z = 0;
  S entropy = 0;
};

template <typename S, typename Row, typename ProbRow>
RowSoftmax<S> MaskedSoftmax(const Row& z, const std::uint8_t* mask, int v, ProbRow&& p) {
  RowSoftmax<S> r;
  r.max = -std::numeric_limits<S>::infinity();
  for (int j = 0; j < v; ++j)
    if (mask[j] != 0) r.max = std::max(r.max, z(j));
  PHYSR_CHECK(r.max > -std::numeric_limits<S>::infinity(),
              "policy gradient: a recorded step has no allowed token");
  S sum = 0, weighted = 0;
  for (int j = 0; j < v; ++j) {
    const S w = mask[j] != 0 ? std::exp(z(j) - r.max) : S(0);
    p(j) = w;
    if (w > 0) {  // a −∞ log-factor gives weight 0 and must not add 0·∞
      sum += w;
      weighted += w * (z(j) - r.max);
    }
  }
  r.log_z = std::log(sum);
  for (int j = 0; j < v; ++j) p(j) /= sum;
  r.entropy = r.log_z - weighted / sum;
  return r;
}

template <typename S>
using Matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <typename S>
using RowMatrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The steps of the selected episodes stacked as rows, longest episode first, so the episodes
// still running at step t are a prefix of that order and step t's rows are
// [offset(t), offset(t) + count(t)).
struct StepLayout {
  int steps = 0;
  int rows = 0;
  std::vector<int> counts;
  std::vector<int> offsets;
  // Episode (in `selected` order) and step of every stacked row.
  std::vector<int> row_episode;
  std::vector<int> row_step;

  int count(int t) const { return counts[static_cast<std::size_t>(t)]; }
  int offset(int t) const { return offsets[static_cast<std::size_t>(t)]; }
};

StepLayout StackSteps(const EpisodeBuffer& episodes, std::span<const int> selected) {
  const int n = static_cast<int>(selected.size());
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  auto len = [&](int k) { return episodes.length(selected[static_cast<std::size_t>(k)]); };
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return len(a) > len(b); });
  StepLayout layout;
  layout.steps = len(order[0]);
  layout.counts.resize(static_cast<std::size_t>(layout.steps));
  layout.offsets.resize(static_cast<std::size_t>(layout.steps));
  for (int t = 0; t < layout.steps; ++t) {
    int c = 0;
    while (c < n && len(order[static_cast<std::size_t>(c)]) > t) ++c;
    layout.counts[static_cast<std::size_t>(t)] = c;
    layout.offsets[static_cast<std::size_t>(t)] = layout.rows;
    layout.rows += c;
  }
  layout.row_episode.resize(static_cast<std::size_t>(layout.rows));
  layout.row_step.resize(static_cast<std::size_t>(layout.rows));
  for (int t = 0; t < layout.steps; ++t)
    for (int j = 0; j < layout.count(t); ++j) {
      const auto r = static_cast<std::size_t>(layout.offset(t) + j);
      layout.row_episode[r] = order[static_cast<std::size_t>(j)];
      layout.row_step[r] = t;
    }
  return layout;
}

// The forward pass over all stacked rows.
template <typename S>
struct Forward {
  RowMatrix<S> x;  // inputs
  Matrix<S> e;     // the input layer's output
  Matrix<S> a;     // activated gates, rows × 4H
  Matrix<S> c, tanh_c, h;
  RowMatrix<S> z;  // logits
};

template <typename S>
Forward<S> RunForward(const LstmParameters<S>& params, const EpisodeBuffer& episodes,
                      std::span<const int> selected, const StepLayout& layout) {
  using Mat = Matrix<S>;
  const int rows = layout.rows;
  const int in_size = params.input_size;
  const int hidden = params.hidden_size;
  // The input layer and the input part of the gates for all rows at once.
  RowMatrix<S> x(rows, in_size);
  std::vector<float> src(static_cast<std::size_t>(in_size));
  for (int r = 0; r < rows; ++r) {
    episodes.DecodeInputs(
        selected[static_cast<std::size_t>(layout.row_episode[static_cast<std::size_t>(r)])],
        layout.row_step[static_cast<std::size_t>(r)], src.data());
    for (int k = 0; k < in_size; ++k) x(r, k) = static_cast<S>(src[static_cast<std::size_t>(k)]);
  }
  Mat e = x * params.w_in;
  e.rowwise() += params.b_in.row(0);
  detail::InputActivationInPlace<S>(e, params.input_activation);
  Mat a = e * params.w_x;  // pre-activations, then activated gates
  a.rowwise() += params.b_gates.row(0);
  Mat c(rows, hidden), tanh_c(rows, hidden), h(rows, hidden);
  for (int t = 0; t < layout.steps; ++t) {
    const int r0 = layout.offset(t), m = layout.count(t);
    auto a_t = a.middleRows(r0, m);
    if (t > 0) a_t.noalias() += h.middleRows(layout.offset(t - 1), m) * params.w_h;
    detail::GateActivations<S>(a_t, hidden);
    if (t > 0) {
      const Eigen::Ref<const Mat> c_prev = c.middleRows(layout.offset(t - 1), m);
      detail::CellUpdate<S>(a_t, &c_prev, hidden, c.middleRows(r0, m), tanh_c.middleRows(r0, m),
                            h.middleRows(r0, m));
    } else {
      detail::CellUpdate<S>(a_t, nullptr, hidden, c.middleRows(r0, m), tanh_c.middleRows(r0, m),
                            h.middleRows(r0, m));
    }
  }
  RowMatrix<S> z = h * params.w_out;
  z.rowwise() += params.b_out.row(0);
  return {std::move(x),      std::move(e), std::move(a), std::move(c),
          std::move(tanh_c), std::move(h), std::move(z)};
}

// The loss and its means into `result`, row by row, overwriting the logits z with ∂L/∂z.
template <typename S>
void LossAndLogitGradient(const EpisodeBuffer& episodes, std::span<const int> selected,
                          std::span<const float> advantages, const LossOptions& options,
                          const StepLayout& layout, RowMatrix<S>& z, PolicyLoss& result) {
  const int n = static_cast<int>(selected.size());
  const int v = episodes.num_tokens();
  const S inv_n = S(1) / static_cast<S>(n);
  std::vector<S> gamma_pow(static_cast<std::size_t>(layout.steps));
  for (int t = 0; t < layout.steps; ++t)
    gamma_pow[static_cast<std::size_t>(t)] = static_cast<S>(std::pow(options.entropy_gamma, t));
  const S lambda = static_cast<S>(options.entropy_weight);
  Eigen::Matrix<S, 1, Eigen::Dynamic> p(v);
  std::vector<std::uint8_t> mask_row(static_cast<std::size_t>(v));
  std::vector<float> factor_row(static_cast<std::size_t>(v));
  double loss = 0, sum_logp = 0, sum_entropy = 0;
  for (int r = 0; r < layout.rows; ++r) {
    const int k = layout.row_episode[static_cast<std::size_t>(r)];
    const int t = layout.row_step[static_cast<std::size_t>(r)];
    const int episode = selected[static_cast<std::size_t>(k)];
    episodes.DecodeMask(episode, t, mask_row.data(), factor_row.data());
    const std::uint8_t* mask = mask_row.data();
    const int action = episodes.Action(episode, t);
    PHYSR_CHECK(mask[action] != 0, "policy gradient: recorded action is masked");
    auto zr = z.row(r);
    const float* factors = factor_row.data();
    for (int j = 0; j < v; ++j) zr(j) += static_cast<S>(factors[j]);
    const RowSoftmax<S> sm = MaskedSoftmax<S>(zr, mask, v, p);
    const S logp = zr(action) - sm.max - sm.log_z;
    const S adv = static_cast<S>(advantages[static_cast<std::size_t>(k)]);
    const S w_ent = lambda * gamma_pow[static_cast<std::size_t>(t)];
    loss += static_cast<double>(-adv * logp - w_ent * sm.entropy) * static_cast<double>(inv_n);
    sum_logp += static_cast<double>(logp);
    sum_entropy += static_cast<double>(sm.entropy);
    // ∂(−A log p_a)/∂z_j = A (p_j − δ_ja);  ∂(−w H)/∂z_j = w p_j (log p_j + H).
    for (int j = 0; j < v; ++j) {
      S d = adv * (p(j) - (j == action ? S(1) : S(0)));  // p_j = 0 where masked
      if (p(j) > 0) d += w_ent * p(j) * (zr(j) - sm.max - sm.log_z + sm.entropy);
      zr(j) = mask[j] != 0 ? d * inv_n : S(0);
    }
  }
  result.loss = loss;
  result.mean_log_prob = sum_logp / n;
  result.mean_entropy = sum_entropy / n;
}

// Back-propagation through time of dz = ∂L/∂z (in f.z) into the gradient g, which holds zeros.
template <typename S>
void Backward(const LstmParameters<S>& params, const StepLayout& layout, const Forward<S>& f,
              LstmParameters<S>& g) {
  using Mat = Matrix<S>;
  const int rows = layout.rows;
  const int hidden = params.hidden_size;
  const RowMatrix<S>& dz = f.z;
  g.w_out.noalias() = f.h.transpose() * dz;
  g.b_out = dz.colwise().sum();
  Mat dh = dz * params.w_out.transpose();  // rows × H, gathers the recurrent part below
  Mat dc = Mat::Zero(rows, hidden);
  Mat da(rows, 4 * hidden);
  for (int t = layout.steps - 1; t >= 0; --t) {
    const int r0 = layout.offset(t), m = layout.count(t);
    const auto gate = f.a.middleRows(r0, m);
    const auto i = gate.middleCols(0, hidden).array();
    const auto fg = gate.middleCols(hidden, hidden).array();
    const auto gg = gate.middleCols(2 * hidden, hidden).array();
    const auto o = gate.middleCols(3 * hidden, hidden).array();
    const auto th = f.tanh_c.middleRows(r0, m).array();
    const auto dh_t = dh.middleRows(r0, m).array();
    auto dc_t = dc.middleRows(r0, m).array();
    dc_t += dh_t * o * (S(1) - th * th);
    auto da_t = da.middleRows(r0, m);
    da_t.middleCols(0, hidden).array() = dc_t * gg * i * (S(1) - i);
    if (t > 0) {
      da_t.middleCols(hidden, hidden).array() =
          dc_t * f.c.middleRows(layout.offset(t - 1), m).array() * fg * (S(1) - fg);
    } else {
      da_t.middleCols(hidden, hidden).setZero();
    }
    da_t.middleCols(2 * hidden, hidden).array() = dc_t * i * (S(1) - gg * gg);
    da_t.middleCols(3 * hidden, hidden).array() = dh_t * th * o * (S(1) - o);
    if (t > 0) {
      const int prev = layout.offset(t - 1);
      dc.middleRows(prev, m).array() += dc_t * fg;
      dh.middleRows(prev, m).noalias() += da_t * params.w_h.transpose();
      g.w_h.noalias() += f.h.middleRows(prev, m).transpose() * da_t;
    }
  }
  g.b_gates = da.colwise().sum();
  g.w_x.noalias() = f.e.transpose() * da;
  Mat de = da * params.w_x.transpose();
  if (params.input_activation == InputActivation::kTanh)
    de.array() *= (S(1) - f.e.array() * f.e.array());
  g.w_in.noalias() = f.x.transpose() * de;
  g.b_in = de.colwise().sum();
}

}  // namespace

template <typename S>
PolicyLoss ComputeLossAndGradient(const LstmParameters<S>& params, const EpisodeBuffer& episodes,
                                  std::span<const int> selected, std::span<const float> advantages,
                                  const LossOptions& options, LstmParameters<S>* gradient) {
  const int n = static_cast<int>(selected.size());
  PHYSR_CHECK(n > 0, "policy gradient: no episodes selected");
  PHYSR_CHECK(advantages.size() == selected.size(),
              "policy gradient: one advantage per selected episode");
  PHYSR_CHECK(
      episodes.input_size() == params.input_size && episodes.num_tokens() == params.num_tokens,
      "policy gradient: episode buffer and policy sizes differ");
  for (int k : selected)
    PHYSR_CHECK(k >= 0 && k < episodes.batch(), "policy gradient: episode index out of range");

  const StepLayout layout = StackSteps(episodes, selected);
  PolicyLoss result;
  result.episodes = n;
  result.steps = layout.rows;
  if (gradient != nullptr) *gradient = params.ZerosLike();
  if (layout.rows == 0) return result;

  Forward<S> forward = RunForward(params, episodes, selected, layout);
  LossAndLogitGradient(episodes, selected, advantages, options, layout, forward.z, result);
  if (gradient != nullptr) Backward(params, layout, forward, *gradient);
  return result;
}

template PolicyLoss ComputeLossAndGradient<float>(const LstmParameters<float>&,
                                                  const EpisodeBuffer&, std::span<const int>,
                                                  std::span<const float>, const LossOptions&,
                                                  LstmParameters<float>*);
template PolicyLoss ComputeLossAndGradient<double>(const LstmParameters<double>&,
                                                   const EpisodeBuffer&, std::span<const int>,
                                                   std::span<const float>, const LossOptions&,
                                                   LstmParameters<double>*);

}  // namespace physr
