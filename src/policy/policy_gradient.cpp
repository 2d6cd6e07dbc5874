#include "physr/policy/policy_gradient.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
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

}  // namespace

template <typename S>
PolicyLoss ComputeLossAndGradient(const LstmParameters<S>& params, const EpisodeBuffer& episodes,
                                  std::span<const int> selected, std::span<const float> advantages,
                                  const LossOptions& options, LstmParameters<S>* gradient) {
  using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
  using RowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int n = static_cast<int>(selected.size());
  const int in_size = params.input_size;
  const int hidden = params.hidden_size;
  const int v = params.num_tokens;
  PHYSR_CHECK(n > 0, "policy gradient: no episodes selected");
  PHYSR_CHECK(advantages.size() == selected.size(),
              "policy gradient: one advantage per selected episode");
  PHYSR_CHECK(episodes.input_size() == in_size && episodes.num_tokens() == v,
              "policy gradient: episode buffer and policy sizes differ");
  for (int k : selected)
    PHYSR_CHECK(k >= 0 && k < episodes.batch(), "policy gradient: episode index out of range");

  // Longest first, so the episodes still running at step t are a prefix: order[0, n_t).
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  auto len = [&](int k) { return episodes.length(selected[static_cast<std::size_t>(k)]); };
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return len(a) > len(b); });
  const int steps = len(order[0]);
  std::vector<int> count(static_cast<std::size_t>(steps)), offset(static_cast<std::size_t>(steps));
  int rows = 0;
  for (int t = 0; t < steps; ++t) {
    int c = 0;
    while (c < n && len(order[static_cast<std::size_t>(c)]) > t) ++c;
    count[static_cast<std::size_t>(t)] = c;
    offset[static_cast<std::size_t>(t)] = rows;
    rows += c;
  }
  auto cnt = [&](int t) { return count[static_cast<std::size_t>(t)]; };
  auto off = [&](int t) { return offset[static_cast<std::size_t>(t)]; };
  // Episode (in `selected` order) and step of every stacked row.
  std::vector<int> row_episode(static_cast<std::size_t>(rows)), row_step(static_cast<std::size_t>(rows));
  for (int t = 0; t < steps; ++t)
    for (int j = 0; j < cnt(t); ++j) {
      row_episode[static_cast<std::size_t>(off(t) + j)] = order[static_cast<std::size_t>(j)];
      row_step[static_cast<std::size_t>(off(t) + j)] = t;
    }

  PolicyLoss result;
  result.episodes = n;
  result.steps = rows;
  if (gradient != nullptr) *gradient = params.ZerosLike();
  if (rows == 0) return result;

  // ---- forward: the input layer and the input part of the gates for all rows at once.
  RowMat x(rows, in_size);
  for (int r = 0; r < rows; ++r) {
    const float* src = episodes.Inputs(selected[static_cast<std::size_t>(row_episode[static_cast<std::size_t>(r)])],
                                       row_step[static_cast<std::size_t>(r)]);
    for (int k = 0; k < in_size; ++k) x(r, k) = static_cast<S>(src[k]);
  }
  Mat e = x * params.w_in;
  e.rowwise() += params.b_in.row(0);
  detail::InputActivationInPlace<S>(e, params.input_activation);
  Mat a = e * params.w_x;  // pre-activations, then activated gates, rows × 4H
  a.rowwise() += params.b_gates.row(0);
  Mat c(rows, hidden), tanh_c(rows, hidden), h(rows, hidden);
  for (int t = 0; t < steps; ++t) {
    auto a_t = a.middleRows(off(t), cnt(t));
    if (t > 0) a_t.noalias() += h.middleRows(off(t - 1), cnt(t)) * params.w_h;
    detail::GateActivations<S>(a_t, hidden);
    if (t > 0) {
      const Eigen::Ref<const Mat> c_prev = c.middleRows(off(t - 1), cnt(t));
      detail::CellUpdate<S>(a_t, &c_prev, hidden, c.middleRows(off(t), cnt(t)),
                            tanh_c.middleRows(off(t), cnt(t)), h.middleRows(off(t), cnt(t)));
    } else {
      detail::CellUpdate<S>(a_t, nullptr, hidden, c.middleRows(off(t), cnt(t)),
                            tanh_c.middleRows(off(t), cnt(t)), h.middleRows(off(t), cnt(t)));
    }
  }
  RowMat z = h * params.w_out;  // logits, then ∂L/∂logits in place
  z.rowwise() += params.b_out.row(0);

  // ---- loss and ∂L/∂z, row by row.
  const S inv_n = S(1) / static_cast<S>(n);
  std::vector<S> gamma_pow(static_cast<std::size_t>(steps));
  for (int t = 0; t < steps; ++t)
    gamma_pow[static_cast<std::size_t>(t)] = static_cast<S>(std::pow(options.entropy_gamma, t));
  const S lambda = static_cast<S>(options.entropy_weight);
  Eigen::Matrix<S, 1, Eigen::Dynamic> p(v);
  double loss = 0, sum_logp = 0, sum_entropy = 0;
  for (int r = 0; r < rows; ++r) {
    const int k = row_episode[static_cast<std::size_t>(r)];
    const int t = row_step[static_cast<std::size_t>(r)];
    const int episode = selected[static_cast<std::size_t>(k)];
    const std::uint8_t* mask = episodes.Mask(episode, t);
    const int action = episodes.Action(episode, t);
    PHYSR_CHECK(mask[action] != 0, "policy gradient: recorded action is masked");
    auto zr = z.row(r);
    const float* factors = episodes.LogFactors(episode, t);
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
  if (gradient == nullptr) return result;

  // ---- backward.
  LstmParameters<S>& g = *gradient;
  const RowMat& dz = z;
  g.w_out.noalias() = h.transpose() * dz;
  g.b_out = dz.colwise().sum();
  Mat dh = dz * params.w_out.transpose();  // rows × H, gathers the recurrent part below
  Mat dc = Mat::Zero(rows, hidden);
  Mat da(rows, 4 * hidden);
  for (int t = steps - 1; t >= 0; --t) {
    const int r0 = off(t), m = cnt(t);
    const auto gate = a.middleRows(r0, m);
    const auto i = gate.middleCols(0, hidden).array();
    const auto f = gate.middleCols(hidden, hidden).array();
    const auto gg = gate.middleCols(2 * hidden, hidden).array();
    const auto o = gate.middleCols(3 * hidden, hidden).array();
    const auto th = tanh_c.middleRows(r0, m).array();
    const auto dh_t = dh.middleRows(r0, m).array();
    auto dc_t = dc.middleRows(r0, m).array();
    dc_t += dh_t * o * (S(1) - th * th);
    auto da_t = da.middleRows(r0, m);
    da_t.middleCols(0, hidden).array() = dc_t * gg * i * (S(1) - i);
    if (t > 0) {
      da_t.middleCols(hidden, hidden).array() =
          dc_t * c.middleRows(off(t - 1), m).array() * f * (S(1) - f);
    } else {
      da_t.middleCols(hidden, hidden).setZero();
    }
    da_t.middleCols(2 * hidden, hidden).array() = dc_t * i * (S(1) - gg * gg);
    da_t.middleCols(3 * hidden, hidden).array() = dh_t * th * o * (S(1) - o);
    if (t > 0) {
      dc.middleRows(off(t - 1), m).array() += dc_t * f;
      dh.middleRows(off(t - 1), m).noalias() += da_t * params.w_h.transpose();
      g.w_h.noalias() += h.middleRows(off(t - 1), m).transpose() * da_t;
    }
  }
  g.b_gates = da.colwise().sum();
  g.w_x.noalias() = e.transpose() * da;
  Mat de = da * params.w_x.transpose();
  if (params.input_activation == InputActivation::kTanh)
    de.array() *= (S(1) - e.array() * e.array());
  g.w_in.noalias() = x.transpose() * de;
  g.b_in = de.colwise().sum();
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
