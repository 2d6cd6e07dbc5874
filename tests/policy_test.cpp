#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/policy/adam.hpp"
#include "physr/policy/episode_buffer.hpp"
#include "physr/policy/lstm_policy.hpp"
#include "physr/policy/policy_gradient.hpp"
#include "physr/policy/training.hpp"

namespace physr {
namespace {

// ---------------------------------------------------------------------------------------------
// An independent scalar reference of the network: plain loops in double, one row at a time.
struct RefState {
  std::vector<double> h, c;
};

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

std::vector<double> RefStep(const LstmParameters<double>& p, const std::vector<double>& x,
                            RefState& s) {
  const int in = p.input_size, em = p.embed_size, hd = p.hidden_size, v = p.num_tokens;
  std::vector<double> e(static_cast<std::size_t>(em));
  for (int j = 0; j < em; ++j) {
    double u = p.b_in(0, j);
    for (int k = 0; k < in; ++k) u += x[static_cast<std::size_t>(k)] * p.w_in(k, j);
    e[static_cast<std::size_t>(j)] =
        p.input_activation == InputActivation::kTanh ? std::tanh(u) : u;
  }
  std::vector<double> h_new(static_cast<std::size_t>(hd)), c_new(static_cast<std::size_t>(hd));
  for (int j = 0; j < hd; ++j) {
    double a[4];
    for (int q = 0; q < 4; ++q) {
      const int col = q * hd + j;
      double sum = p.b_gates(0, col);
      for (int k = 0; k < em; ++k) sum += e[static_cast<std::size_t>(k)] * p.w_x(k, col);
      for (int k = 0; k < hd; ++k) sum += s.h[static_cast<std::size_t>(k)] * p.w_h(k, col);
      a[q] = sum;
    }
    const double c =
        Sigmoid(a[1]) * s.c[static_cast<std::size_t>(j)] + Sigmoid(a[0]) * std::tanh(a[2]);
    c_new[static_cast<std::size_t>(j)] = c;
    h_new[static_cast<std::size_t>(j)] = Sigmoid(a[3]) * std::tanh(c);
  }
  s.h = h_new;
  s.c = c_new;
  std::vector<double> z(static_cast<std::size_t>(v));
  for (int t = 0; t < v; ++t) {
    double sum = p.b_out(0, t);
    for (int k = 0; k < hd; ++k) sum += s.h[static_cast<std::size_t>(k)] * p.w_out(k, t);
    z[static_cast<std::size_t>(t)] = sum;
  }
  return z;
}

RefState RefBegin(int hidden) {
  return {std::vector<double>(static_cast<std::size_t>(hidden), 0.0),
          std::vector<double>(static_cast<std::size_t>(hidden), 0.0)};
}

// Masked softmax probabilities in double.
std::vector<double> RefProbs(std::vector<double> z, const std::uint8_t* mask,
                             const float* log_factors = nullptr) {
  if (log_factors != nullptr)
    for (std::size_t t = 0; t < z.size(); ++t) z[t] += log_factors[t];
  double max = -1e300;
  for (std::size_t t = 0; t < z.size(); ++t)
    if (mask[t]) max = std::max(max, z[t]);
  std::vector<double> p(z.size(), 0.0);
  double sum = 0;
  for (std::size_t t = 0; t < z.size(); ++t)
    if (mask[t]) sum += (p[t] = std::exp(z[t] - max));
  for (double& q : p) q /= sum;
  return p;
}

double RefEntropy(const std::vector<double>& p) {
  double h = 0;
  for (double q : p)
    if (q > 0) h -= q * std::log(q);
  return h;
}

// Random mask with at least one allowed token.
void RandomMaskRow(RowTokenMask& mask, int row, Rng& rng, double allow_prob) {
  bool any = false;
  for (int t = 0; t < mask.cols(); ++t) {
    mask(row, t) = rng.Uniform01() < allow_prob ? 1 : 0;
    any = any || mask(row, t);
  }
  if (!any) mask(row, static_cast<int>(rng.Below(static_cast<std::uint64_t>(mask.cols())))) = 1;
}

// Runs `steps` sampling steps with random inputs and masks; rows stop at random. Records
// everything into `buffer` and returns the per-row sum of sampled log-probabilities.
struct Rollout {
  std::vector<std::vector<int>> tokens;
  std::vector<double> sum_logp;
  std::vector<std::vector<float>> logp, entropy;
};

Rollout RunRollout(const LstmPolicy& policy, int batch, int steps, std::uint64_t seed,
                   EpisodeBuffer* buffer, double stop_prob = 0.15) {
  Rng data_rng(seed, 1), sample_rng(seed, 2);
  SamplingState state = policy.Begin(batch);
  RowMatrixXf inputs(batch, policy.input_size());
  RowTokenMask mask(batch, policy.num_tokens());
  RowMatrixXf log_factors(batch, policy.num_tokens());
  std::vector<std::uint8_t> active(static_cast<std::size_t>(batch), 1);
  std::vector<int> tokens(static_cast<std::size_t>(batch));
  std::vector<float> logp(static_cast<std::size_t>(batch)),
      entropy(static_cast<std::size_t>(batch));
  Rollout out;
  out.tokens.resize(static_cast<std::size_t>(batch));
  out.logp.resize(static_cast<std::size_t>(batch));
  out.entropy.resize(static_cast<std::size_t>(batch));
  out.sum_logp.assign(static_cast<std::size_t>(batch), 0.0);
  if (buffer != nullptr) buffer->Reset(batch);
  for (int step = 0; step < steps; ++step) {
    for (int i = 0; i < batch; ++i) {
      for (int k = 0; k < inputs.cols(); ++k)
        inputs(i, k) = static_cast<float>(data_rng.Uniform(-1.0, 1.0));
      RandomMaskRow(mask, i, data_rng, 0.6);
      for (int t = 0; t < log_factors.cols(); ++t)
        log_factors(i, t) = static_cast<float>(data_rng.Uniform(-1.0, 1.0));
    }
    policy.Step(state, inputs, mask, log_factors, active, sample_rng, tokens, logp, entropy);
    if (buffer != nullptr) buffer->Record(step, inputs, mask, log_factors, active, tokens);
    for (int i = 0; i < batch; ++i) {
      const auto u = static_cast<std::size_t>(i);
      if (!active[u]) {
        CHECK(tokens[u] == -1);
        continue;
      }
      out.tokens[u].push_back(tokens[u]);
      out.logp[u].push_back(logp[u]);
      out.entropy[u].push_back(entropy[u]);
      out.sum_logp[u] += logp[u];
      if (data_rng.Uniform01() < stop_prob) active[u] = 0;
    }
  }
  return out;
}

LstmPolicyOptions SmallOptions(InputActivation activation = InputActivation::kTanh) {
  LstmPolicyOptions o;
  o.input_size = 7;
  o.num_tokens = 9;
  o.embed_size = 5;
  o.hidden_size = 6;
  o.input_activation = activation;
  o.seed = 11;
  return o;
}

// Fills episodes 0..lengths.size()−1 of `buffer` with random inputs, masks, log-factors and
// allowed actions.
void RandomEpisodes(EpisodeBuffer& buffer, const std::vector<int>& lengths, Rng& rng) {
  const int in = buffer.input_size(), v = buffer.num_tokens();
  buffer.Reset(static_cast<int>(lengths.size()));
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    const int t_len = lengths[i];
    RowMatrixXf x(t_len, in);
    RowTokenMask m(t_len, v);
    RowMatrixXf f(t_len, v);
    std::vector<int> actions;
    for (int t = 0; t < t_len; ++t) {
      for (int k = 0; k < in; ++k) x(t, k) = static_cast<float>(rng.Uniform(-1, 1));
      for (int k = 0; k < v; ++k) f(t, k) = static_cast<float>(rng.Uniform(-1, 1));
      RandomMaskRow(m, t, rng, 0.5);
      std::vector<int> allowed;
      for (int k = 0; k < v; ++k) {
        if (m(t, k)) allowed.push_back(k);
      }
      actions.push_back(allowed[rng.Below(allowed.size())]);
    }
    buffer.SetEpisode(static_cast<int>(i), x, m, f, actions);
  }
}

// Σ_t log π(a_t) and Σ_t γ^t H_t of episode i by the scalar reference.
std::pair<double, double> RefEpisode(const LstmParameters<double>& p, const EpisodeBuffer& b, int i,
                                     double gamma) {
  RefState s = RefBegin(p.hidden_size);
  double logp = 0.0, entropy = 0.0, discount = 1.0;
  std::vector<float> inputs(static_cast<std::size_t>(b.input_size()));
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(b.num_tokens()));
  std::vector<float> log_factors(static_cast<std::size_t>(b.num_tokens()));
  for (int t = 0; t < b.length(i); ++t) {
    b.DecodeInputs(i, t, inputs.data());
    b.DecodeMask(i, t, mask.data(), log_factors.data());
    const std::vector<double> x(inputs.begin(), inputs.end());
    const std::vector<double> probs = RefProbs(RefStep(p, x, s), mask.data(), log_factors.data());
    logp += std::log(probs[static_cast<std::size_t>(b.Action(i, t))]);
    entropy += discount * RefEntropy(probs);
    discount *= gamma;
  }
  return {logp, entropy};
}

// Perturbs every bias away from zero so that the gradient check sees all terms.
void RandomizeBiases(LstmParameters<float>& p, Rng& rng) {
  for (Eigen::MatrixXf* b : {&p.b_in, &p.b_gates, &p.b_out})
    for (Eigen::Index j = 0; j < b->size(); ++j)
      (*b)(j) = static_cast<float>(rng.Uniform(-0.5, 0.5));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
TEST_CASE("policy gradient matches central finite differences in double") {
  for (InputActivation activation : {InputActivation::kTanh, InputActivation::kLinear}) {
    CAPTURE(static_cast<int>(activation));
    LstmPolicyOptions o;
    o.input_size = 5;
    o.embed_size = 3;
    o.hidden_size = 4;
    o.num_tokens = 6;
    o.input_activation = activation;
    o.seed = 3;
    LstmPolicy policy(o);
    Rng rng(5);
    RandomizeBiases(policy.mutable_parameters(), rng);
    // Larger weights than Glorot's so that the logits and gates are far from linear.
    policy.mutable_parameters().ForEachBlock([](const char*, Eigen::MatrixXf& b) { b *= 1.5f; });
    const LstmParameters<double> params = policy.parameters().Cast<double>();

    // Four stored episodes; three selected, lengths 5, 3, 4, in a non-sorted order.
    EpisodeBuffer buffer(4, 5, o.input_size, o.num_tokens);
    const int lengths[4] = {3, 2, 5, 4};
    for (int i = 0; i < 4; ++i) {
      const int t_len = lengths[i];
      RowMatrixXf x(t_len, o.input_size);
      RowTokenMask m(t_len, o.num_tokens);
      RowMatrixXf f(t_len, o.num_tokens);
      std::vector<int> actions;
      for (int t = 0; t < t_len; ++t) {
        for (int k = 0; k < o.input_size; ++k) x(t, k) = static_cast<float>(rng.Uniform(-1, 1));
        for (int k = 0; k < o.num_tokens; ++k) f(t, k) = static_cast<float>(rng.Uniform(-1, 1));
        std::vector<int> allowed;
        for (int k = 0; k < o.num_tokens; ++k) {
          m(t, k) = rng.Uniform01() < 0.5 ? 1 : 0;
          if (m(t, k)) allowed.push_back(k);
        }
        if (allowed.empty()) {
          m(t, 2) = 1;
          allowed.push_back(2);
        }
        actions.push_back(allowed[rng.Below(allowed.size())]);
      }
      buffer.SetEpisode(i, x, m, f, actions);
    }
    const std::vector<int> selected = {0, 2, 3};
    const std::vector<float> advantages = {0.7f, -0.4f, 1.3f};
    LossOptions loss_options;
    loss_options.entropy_weight = 0.3;  // large, so the entropy term is well tested
    loss_options.entropy_gamma = 0.7;

    LstmParameters<double> grad;
    const PolicyLoss loss =
        ComputeLossAndGradient(params, buffer, selected, advantages, loss_options, &grad);
    CHECK(loss.episodes == 3);
    CHECK(loss.steps == 3 + 5 + 4);
    CHECK(std::isfinite(loss.loss));

    auto loss_at = [&](const LstmParameters<double>& q) {
      return ComputeLossAndGradient<double>(q, buffer, selected, advantages, loss_options, nullptr)
          .loss;
    };
    LstmParameters<double> probe = params;
    std::vector<Eigen::MatrixXd*> probe_blocks, grad_blocks;
    std::vector<const char*> names;
    probe.ForEachBlock([&](const char* name, Eigen::MatrixXd& b) {
      probe_blocks.push_back(&b);
      names.push_back(name);
    });
    grad.ForEachBlock([&](const char*, Eigen::MatrixXd& b) { grad_blocks.push_back(&b); });
    const double h = 1e-6;
    for (std::size_t b = 0; b < probe_blocks.size(); ++b) {
      CAPTURE(names[b]);
      Eigen::MatrixXd& block = *probe_blocks[b];
      REQUIRE(grad_blocks[b]->rows() == block.rows());
      REQUIRE(grad_blocks[b]->cols() == block.cols());
      Eigen::MatrixXd fd(block.rows(), block.cols());
      for (Eigen::Index j = 0; j < block.size(); ++j) {
        const double saved = block(j);
        block(j) = saved + h;
        const double up = loss_at(probe);
        block(j) = saved - h;
        const double down = loss_at(probe);
        block(j) = saved;
        fd(j) = (up - down) / (2 * h);
      }
      const double err = (fd - *grad_blocks[b]).norm();
      const double scale = std::max(fd.norm(), 1e-3);
      CHECK(err / scale < 1e-5);
      CHECK(fd.norm() > 1e-6);  // every block actually influences the loss
    }
  }
}

TEST_CASE("remembered programs join the elite as documented; the step's gradient matches") {
  LstmPolicyOptions o;
  o.input_size = 5;
  o.embed_size = 3;
  o.hidden_size = 4;
  o.num_tokens = 6;
  o.seed = 8;
  LstmPolicy policy(o);
  Rng rng(12);
  RandomizeBiases(policy.mutable_parameters(), rng);
  const LstmParameters<double> params = policy.parameters().Cast<double>();
  EpisodeBuffer batch(0, 6, o.input_size, o.num_tokens);
  RandomEpisodes(batch, {3, 6, 2, 5, 4, 1, 3, 2}, rng);
  EpisodeBuffer remembered(0, 6, o.input_size, o.num_tokens);
  RandomEpisodes(remembered, {4, 2, 5, 3}, rng);
  const std::vector<double> rewards = {0.2, 0.9, 0.5, 0.7, 0.1, 0.95, 0.3, 0.8};
  const double epsilon = 0.3;
  // The memory's rewards (best first) and whether the batch sampled each.
  const std::vector<double> memory_rewards = {0.99, 0.97, 0.85, 0.4};
  const std::vector<std::uint8_t> in_batch = {0, 1, 0, 0};
  Elite elite = SelectElite(rewards, epsilon);
  AddRemembered(elite, memory_rewards, in_batch);

  // The documented set, computed here: R_ε by sorting and interpolating; the batch rows with
  // R ≥ R_ε, then the remembered programs not in the batch with R > R_ε, each A = R − R_ε.
  std::vector<double> sorted = rewards;
  std::sort(sorted.begin(), sorted.end());
  const double pos = (1.0 - epsilon) * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const double quantile =
      sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
  std::vector<std::pair<int, double>> batch_set, memory_set;  // (episode, advantage)
  for (std::size_t i = 0; i < rewards.size(); ++i) {
    if (rewards[i] >= quantile) batch_set.emplace_back(static_cast<int>(i), rewards[i] - quantile);
  }
  std::vector<int> memory_rows;
  for (std::size_t i = 0; i < memory_rewards.size(); ++i) {
    if (in_batch[i] || !(memory_rewards[i] > quantile)) continue;
    memory_set.emplace_back(static_cast<int>(memory_rows.size()), memory_rewards[i] - quantile);
    memory_rows.push_back(static_cast<int>(i));
  }
  CHECK(elite.quantile == doctest::Approx(quantile));
  CHECK(elite.rows.size() == batch_set.size());
  CHECK(elite.remembered == memory_rows);
  REQUIRE(memory_rows == std::vector<int>{0, 2});
  CHECK(elite.signal);
  // Row j of the replayed buffer holds remembered program memory_rows[j]: here program i's
  // episode is episode i of `remembered`, so copy them into that order.
  EpisodeBuffer replayed(0, 6, o.input_size, o.num_tokens);
  replayed.Reset(static_cast<int>(memory_rows.size()));
  for (std::size_t j = 0; j < memory_rows.size(); ++j) {
    replayed.CopyEpisodeFrom(remembered, memory_rows[j], static_cast<int>(j));
  }

  LossOptions loss_options;
  loss_options.entropy_weight = 0.3;
  loss_options.entropy_gamma = 0.7;
  const double n = static_cast<double>(batch_set.size() + memory_set.size());
  const auto reference = [&](const LstmParameters<double>& q) {
    double loss = 0.0;
    for (const auto& [sets, buffer] :
         {std::pair{&batch_set, &batch}, std::pair{&memory_set, &replayed}}) {
      for (const auto& [episode, advantage] : *sets) {
        const auto [logp, entropy] = RefEpisode(q, *buffer, episode, loss_options.entropy_gamma);
        loss -= (advantage * logp + loss_options.entropy_weight * entropy) / n;
      }
    }
    return loss;
  };
  EpisodeBuffer scratch;
  LstmParameters<double> grad;
  const PolicyLoss loss = EliteLossAndGradient(params, batch, elite.rows, replayed, elite,
                                               loss_options, scratch, &grad);
  CHECK(loss.episodes == static_cast<int>(n));
  CHECK(loss.loss == doctest::Approx(reference(params)).epsilon(1e-6));

  LstmParameters<double> probe = params;
  std::vector<Eigen::MatrixXd*> probe_blocks, grad_blocks;
  probe.ForEachBlock([&](const char*, Eigen::MatrixXd& b) { probe_blocks.push_back(&b); });
  grad.ForEachBlock([&](const char*, Eigen::MatrixXd& b) { grad_blocks.push_back(&b); });
  const double h = 1e-6;
  for (std::size_t b = 0; b < probe_blocks.size(); ++b) {
    CAPTURE(b);
    Eigen::MatrixXd& block = *probe_blocks[b];
    Eigen::MatrixXd fd(block.rows(), block.cols());
    for (Eigen::Index j = 0; j < block.size(); ++j) {
      const double saved = block(j);
      block(j) = saved + h;
      const double up = reference(probe);
      block(j) = saved - h;
      const double down = reference(probe);
      block(j) = saved;
      fd(j) = (up - down) / (2 * h);
    }
    CHECK((fd - *grad_blocks[b]).norm() / std::max(fd.norm(), 1e-3) < 1e-5);
  }
}

TEST_CASE("masked tokens are never sampled; log-prob and entropy match a direct computation") {
  LstmPolicy policy(SmallOptions());
  const LstmParameters<double> ref = policy.parameters().Cast<double>();
  const int batch = 1000, steps = 10;
  EpisodeBuffer buffer(batch, steps, policy.input_size(), policy.num_tokens());
  const Rollout r = RunRollout(policy, batch, steps, 21, &buffer, 0.0);
  int samples = 0;
  double max_logp_err = 0, max_entropy_err = 0;
  for (int i = 0; i < batch; ++i) {
    REQUIRE(buffer.length(i) == steps);
    RefState s = RefBegin(policy.hidden_size());
    for (int t = 0; t < steps; ++t) {
      const int token = r.tokens[static_cast<std::size_t>(i)][static_cast<std::size_t>(t)];
      std::vector<std::uint8_t> mask_row(static_cast<std::size_t>(policy.num_tokens()));
      std::vector<float> factors(mask_row.size());
      buffer.DecodeMask(i, t, mask_row.data(), factors.data());
      const std::uint8_t* mask = mask_row.data();
      REQUIRE(token >= 0);
      REQUIRE(mask[token] == 1);  // never a masked token
      ++samples;
      std::vector<float> x(static_cast<std::size_t>(policy.input_size()));
      buffer.DecodeInputs(i, t, x.data());
      const std::vector<double> z = RefStep(ref, std::vector<double>(x.begin(), x.end()), s);
      const std::vector<double> p = RefProbs(z, mask, factors.data());
      max_logp_err = std::max(
          max_logp_err, std::abs(std::log(p[static_cast<std::size_t>(token)]) -
                                 r.logp[static_cast<std::size_t>(i)][static_cast<std::size_t>(t)]));
      max_entropy_err =
          std::max(max_entropy_err,
                   std::abs(RefEntropy(p) -
                            r.entropy[static_cast<std::size_t>(i)][static_cast<std::size_t>(t)]));
    }
  }
  CHECK(samples == 10000);
  CHECK(max_logp_err < 1e-4);
  CHECK(max_entropy_err < 1e-4);
}

TEST_CASE("inactive rows are skipped, keep their state and match the reference when resumed") {
  LstmPolicy policy(SmallOptions());
  const LstmParameters<double> ref = policy.parameters().Cast<double>();
  const int batch = 300;  // three chunks
  Rng data_rng(4), rng(8);
  SamplingState state = policy.Begin(batch);
  std::vector<RefState> refs(static_cast<std::size_t>(batch), RefBegin(policy.hidden_size()));
  RowMatrixXf inputs(batch, policy.input_size());
  RowTokenMask mask = RowTokenMask::Ones(batch, policy.num_tokens());
  std::vector<int> tokens(static_cast<std::size_t>(batch));
  std::vector<float> logp(static_cast<std::size_t>(batch)), ent(static_cast<std::size_t>(batch));
  double max_err = 0;
  for (int step = 0; step < 6; ++step) {
    std::vector<std::uint8_t> active(static_cast<std::size_t>(batch));
    for (auto& a : active) a = data_rng.Uniform01() < 0.5 ? 1 : 0;
    for (int i = 0; i < batch; ++i)
      for (int k = 0; k < inputs.cols(); ++k)
        inputs(i, k) = static_cast<float>(data_rng.Uniform(-1, 1));
    const Eigen::MatrixXf h_before = state.hidden();
    policy.Step(state, inputs, mask, active, rng, tokens, logp, ent);
    for (int i = 0; i < batch; ++i) {
      const auto u = static_cast<std::size_t>(i);
      if (!active[u]) {
        CHECK(tokens[u] == -1);
        CHECK(logp[u] == 0.0f);
        CHECK(state.hidden().row(i) == h_before.row(i));
        continue;
      }
      std::vector<double> x(static_cast<std::size_t>(inputs.cols()));
      for (int k = 0; k < inputs.cols(); ++k) x[static_cast<std::size_t>(k)] = inputs(i, k);
      const std::vector<double> p = RefProbs(RefStep(ref, x, refs[u]), mask.row(i).eval().data());
      max_err =
          std::max(max_err, std::abs(std::log(p[static_cast<std::size_t>(tokens[u])]) - logp[u]));
      for (int k = 0; k < policy.hidden_size(); ++k)
        max_err = std::max(max_err,
                           std::abs(refs[u].h[static_cast<std::size_t>(k)] - state.hidden()(i, k)));
    }
  }
  CHECK(max_err < 1e-4);
}

TEST_CASE("sampling frequencies match the softmax probabilities") {
  LstmPolicy policy(SmallOptions());
  const int batch = 20000;
  Rng data_rng(2), rng(99);
  RowMatrixXf inputs(batch, policy.input_size());
  std::vector<double> x(static_cast<std::size_t>(policy.input_size()));
  for (int k = 0; k < policy.input_size(); ++k) {
    x[static_cast<std::size_t>(k)] = data_rng.Uniform(-2, 2);
    inputs.col(k).setConstant(static_cast<float>(x[static_cast<std::size_t>(k)]));
  }
  // Make the distribution uneven but keep every allowed probability sizeable.
  LstmParameters<float>& p = policy.mutable_parameters();
  for (int t = 0; t < policy.num_tokens(); ++t) p.b_out(0, t) = 0.3f * static_cast<float>(t % 4);
  RowTokenMask mask = RowTokenMask::Ones(batch, policy.num_tokens());
  mask.col(1).setZero();
  mask.col(5).setZero();
  SamplingState state = policy.Begin(batch);
  std::vector<int> tokens(static_cast<std::size_t>(batch));
  std::vector<float> logp(static_cast<std::size_t>(batch)), ent(static_cast<std::size_t>(batch));
  policy.Step(state, inputs, mask, {}, rng, tokens, logp, ent);

  RefState s = RefBegin(policy.hidden_size());
  std::vector<std::uint8_t> m0(static_cast<std::size_t>(policy.num_tokens()));
  for (int t = 0; t < policy.num_tokens(); ++t) m0[static_cast<std::size_t>(t)] = mask(0, t);
  const std::vector<double> probs = RefProbs(RefStep(p.Cast<double>(), x, s), m0.data());
  std::vector<double> counts(probs.size(), 0.0);
  for (int t : tokens) counts[static_cast<std::size_t>(t)] += 1;
  CHECK(counts[1] == 0);
  CHECK(counts[5] == 0);
  double chi2 = 0;
  int dof = -1;
  for (std::size_t t = 0; t < probs.size(); ++t) {
    if (probs[t] == 0) continue;
    const double expected = probs[t] * batch;
    REQUIRE(expected > 100);
    chi2 += (counts[t] - expected) * (counts[t] - expected) / expected;
    ++dof;
  }
  CHECK(dof == 6);
  // P(χ²₆ > 30) ≈ 4e-5; a sampler off by 3 % on a 10 % token already exceeds it.
  CHECK(chi2 < 30.0);
}

TEST_CASE("sampling is reproducible for a seed and independent of parallel execution") {
  LstmPolicy policy(SmallOptions());
  const Rollout a = RunRollout(policy, 700, 8, 5, nullptr);
  const Rollout b = RunRollout(policy, 700, 8, 5, nullptr);
  policy.set_parallel(false);
  const Rollout c = RunRollout(policy, 700, 8, 5, nullptr);
  const Rollout d = RunRollout(policy, 700, 8, 6, nullptr);
  CHECK(a.tokens == b.tokens);
  CHECK(a.logp == b.logp);
  CHECK(a.tokens == c.tokens);
  CHECK(a.logp == c.logp);
  CHECK(a.entropy == c.entropy);
  CHECK(a.tokens != d.tokens);
}

TEST_CASE("training forward pass reproduces the sampled log-probabilities") {
  LstmPolicy policy(SmallOptions(InputActivation::kLinear));
  const int batch = 200, steps = 12;
  EpisodeBuffer buffer(batch, steps, policy.input_size(), policy.num_tokens());
  const Rollout r = RunRollout(policy, batch, steps, 77, &buffer);
  std::vector<int> selected;
  for (int i = 0; i < batch; i += 7) selected.push_back(i);
  std::vector<float> advantages(selected.size(), 1.0f);
  LossOptions no_entropy;
  no_entropy.entropy_weight = 0.0;
  const PolicyLoss loss = policy.ComputeGradient(buffer, selected, advantages, no_entropy, nullptr);
  double expected_mean = 0, expected_entropy = 0;
  int expected_steps = 0;
  for (int i : selected) {
    expected_mean += r.sum_logp[static_cast<std::size_t>(i)];
    for (float e : r.entropy[static_cast<std::size_t>(i)]) expected_entropy += e;
    expected_steps += buffer.length(i);
  }
  const double n = static_cast<double>(selected.size());
  CHECK(loss.steps == expected_steps);
  CHECK(loss.mean_log_prob == doctest::Approx(expected_mean / n).epsilon(1e-5));
  CHECK(loss.loss == doctest::Approx(-expected_mean / n).epsilon(1e-5));
  CHECK(loss.mean_entropy == doctest::Approx(expected_entropy / n).epsilon(1e-5));
  // Lengths vary, so the length-sorted batching is exercised.
  int min_len = steps, max_len = 0;
  for (int i : selected) {
    min_len = std::min(min_len, buffer.length(i));
    max_len = std::max(max_len, buffer.length(i));
  }
  CHECK(min_len < max_len);
}

TEST_CASE("Adam's first step is lr·sign(g) and clipping reports the norm") {
  LstmPolicy policy(SmallOptions());
  LstmParameters<float> params = policy.parameters();
  LstmParameters<float> grad = params.ZerosLike();
  Rng rng(1);
  double norm2 = 0;
  grad.ForEachBlock([&](const char*, Eigen::MatrixXf& b) {
    for (Eigen::Index j = 0; j < b.size(); ++j) {
      b(j) = static_cast<float>(rng.Uniform(0.01, 1.0) * (rng.Uniform01() < 0.5 ? -1 : 1));
      norm2 += static_cast<double>(b(j)) * b(j);
    }
  });
  AdamOptions options;
  options.learning_rate = 0.01;
  options.max_grad_norm = 0.5;
  AdamOptimizer adam(options);
  const LstmParameters<float> before = params;
  const double norm = adam.Step(params, grad);
  CHECK(norm == doctest::Approx(std::sqrt(norm2)).epsilon(1e-6));
  CHECK(adam.steps() == 1);
  std::vector<const Eigen::MatrixXf*> b0, g0;
  before.ForEachBlock([&](const char*, const Eigen::MatrixXf& b) { b0.push_back(&b); });
  grad.ForEachBlock([&](const char*, const Eigen::MatrixXf& b) { g0.push_back(&b); });
  std::size_t k = 0;
  double max_err = 0;
  params.ForEachBlock([&](const char*, const Eigen::MatrixXf& b) {
    const Eigen::MatrixXf expected = *b0[k] - 0.01f * g0[k]->array().sign().matrix();
    max_err = std::max(max_err, static_cast<double>((b - expected).cwiseAbs().maxCoeff()));
    ++k;
  });
  CHECK(max_err < 1e-6);
  CHECK_THROWS_AS(AdamOptimizer(AdamOptions{-1.0}), InputError);
}

TEST_CASE("Adam training raises a preferred token's probability above 0.9") {
  LstmPolicyOptions o = SmallOptions();
  LstmPolicy policy(o);
  const int batch = 32, steps = 3, target = 4;
  Rng data_rng(3);
  EpisodeBuffer buffer(batch, steps, o.input_size, o.num_tokens);
  for (int i = 0; i < batch; ++i) {
    RowMatrixXf x(steps, o.input_size);
    for (int t = 0; t < steps; ++t)
      for (int k = 0; k < o.input_size; ++k) x(t, k) = static_cast<float>(data_rng.Uniform(-1, 1));
    const RowTokenMask m = RowTokenMask::Ones(steps, o.num_tokens);
    const std::vector<int> actions(steps, target);
    buffer.SetEpisode(i, x, m, RowMatrixXf(), actions);
  }
  std::vector<int> all(batch);
  for (int i = 0; i < batch; ++i) all[static_cast<std::size_t>(i)] = i;
  const std::vector<float> advantages(batch, 1.0f);
  AdamOptimizer adam;  // default learning rate 0.0025
  LstmParameters<float> grad;
  const double initial = policy.ComputeGradient(buffer, all, advantages, {}, nullptr).mean_log_prob;
  double last = initial;
  for (int iter = 0; iter < 300; ++iter) {
    last = policy.ComputeGradient(buffer, all, advantages, {}, &grad).mean_log_prob;
    adam.Step(policy.mutable_parameters(), grad);
  }
  CHECK(initial < steps * std::log(0.2));
  // Mean over steps of log p(target) > log 0.9, i.e. p(target) > 0.9 on (geometric) average.
  CHECK(last / steps > std::log(0.9));

  // And sampling now picks the target token almost always.
  SamplingState state = policy.Begin(1000);
  RowMatrixXf inputs(1000, o.input_size);
  for (int i = 0; i < 1000; ++i) buffer.DecodeInputs(i % batch, 0, inputs.row(i).data());
  std::vector<int> tokens(1000);
  std::vector<float> logp(1000), ent(1000);
  Rng rng(5);
  policy.Step(state, inputs, RowTokenMask::Ones(1000, o.num_tokens), {}, rng, tokens, logp, ent);
  CHECK(std::count(tokens.begin(), tokens.end(), target) > 900);
}

TEST_CASE("checkpoints round-trip to bit-identical sampling and Adam updates") {
  LstmPolicy policy(SmallOptions());
  EpisodeBuffer buffer(64, 6, policy.input_size(), policy.num_tokens());
  RunRollout(policy, 64, 6, 3, &buffer);
  std::vector<int> selected = {1, 5, 9, 30};
  std::vector<float> adv = {0.5f, 0.1f, 0.2f, 0.9f};
  AdamOptimizer adam;
  LstmParameters<float> grad;
  for (int i = 0; i < 3; ++i) {
    policy.ComputeGradient(buffer, selected, adv, {}, &grad);
    adam.Step(policy.mutable_parameters(), grad);
  }
  std::stringstream policy_file, adam_file;
  policy.Save(policy_file);
  adam.Save(adam_file);
  LstmPolicy loaded = LstmPolicy::Load(policy_file);
  AdamOptimizer loaded_adam = AdamOptimizer::Load(adam_file, loaded.parameters());
  CHECK(loaded_adam.steps() == 3);
  const Rollout a = RunRollout(policy, 300, 6, 9, nullptr);
  const Rollout b = RunRollout(loaded, 300, 6, 9, nullptr);
  CHECK(a.tokens == b.tokens);
  CHECK(a.logp == b.logp);
  // One more step from the restored optimizer gives the same parameters.
  policy.ComputeGradient(buffer, selected, adv, {}, &grad);
  adam.Step(policy.mutable_parameters(), grad);
  loaded_adam.Step(loaded.mutable_parameters(), grad);
  CHECK(policy.parameters().w_h == loaded.parameters().w_h);
  CHECK(policy.parameters().b_out == loaded.parameters().b_out);
}

// The files' layout, written out byte by byte: files saved by earlier builds must still load.
template <typename T>
void Append(std::string& bytes, const T& value) {
  bytes.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

TEST_CASE("policy and optimizer files keep their byte layout") {
  LstmPolicy policy(SmallOptions());
  const LstmParameters<float>& p = policy.parameters();
  std::string expected = "PHYSRLSP";
  Append(expected, std::uint32_t{1});
  Append(expected, std::uint32_t{0x01020304});
  for (const int size : {p.input_size, p.embed_size, p.hidden_size, p.num_tokens}) {
    Append(expected, static_cast<std::int32_t>(size));
  }
  Append(expected, static_cast<std::int32_t>(p.input_activation));
  p.ForEachBlock([&](const char*, const Eigen::MatrixXf& block) {
    Append(expected, static_cast<std::int64_t>(block.rows()));
    Append(expected, static_cast<std::int64_t>(block.cols()));
    expected.append(reinterpret_cast<const char*>(block.data()),
                    sizeof(float) * static_cast<std::size_t>(block.size()));
  });
  std::ostringstream policy_file;
  policy.Save(policy_file);
  CHECK(policy_file.str() == expected);

  AdamOptions options;
  options.learning_rate = 0.125;
  options.max_grad_norm = 3.0;
  const AdamOptimizer adam(options);
  expected = "PHYSRADM";
  Append(expected, std::uint32_t{1});
  Append(expected, std::uint32_t{0x01020304});
  for (const double v : {0.125, options.beta1, options.beta2, options.epsilon, 3.0}) {
    Append(expected, v);
  }
  Append(expected, std::int64_t{0});  // steps
  Append(expected, std::int32_t{0});  // no moments yet
  std::ostringstream adam_file;
  adam.Save(adam_file);
  CHECK(adam_file.str() == expected);
  std::istringstream in(expected);
  CHECK(AdamOptimizer::Load(in, p).options().learning_rate == 0.125);
}

TEST_CASE("reading a mismatched or damaged checkpoint throws InputError") {
  LstmPolicy policy(SmallOptions());
  std::stringstream good;
  policy.Save(good);
  const std::string bytes = good.str();
  {
    std::istringstream truncated(bytes.substr(0, bytes.size() - 10));
    CHECK_THROWS_AS(LstmPolicy::Load(truncated), InputError);
  }
  {
    std::string bad = bytes;
    bad[0] = 'X';
    std::istringstream in(bad);
    CHECK_THROWS_AS(LstmPolicy::Load(in), InputError);
  }
  {
    std::istringstream empty("");
    CHECK_THROWS_AS(LstmPolicy::Load(empty), InputError);
  }
  // Adam state of one policy does not load for a policy of another shape.
  AdamOptimizer adam;
  LstmParameters<float> grad = policy.parameters().ZerosLike();
  LstmParameters<float> params = policy.parameters();
  adam.Step(params, grad);
  std::stringstream adam_file;
  adam.Save(adam_file);
  LstmPolicyOptions other = SmallOptions();
  other.hidden_size = 7;
  LstmPolicy other_policy(other);
  CHECK_THROWS_AS(AdamOptimizer::Load(adam_file, other_policy.parameters()), InputError);
  std::istringstream policy_as_adam(bytes);
  CHECK_THROWS_AS(AdamOptimizer::Load(policy_as_adam, policy.parameters()), InputError);
  LstmPolicyOptions zero = SmallOptions();
  zero.hidden_size = 0;
  CHECK_THROWS_AS(LstmPolicy{zero}, InputError);
}

TEST_CASE("episode buffer reuses storage and keeps what was recorded") {
  EpisodeBuffer buffer(4, 3, 2, 3);
  RowMatrixXf inputs(4, 2);
  inputs << 1, 2, 3, 4, 5, 6, 7, 8;
  RowTokenMask mask = RowTokenMask::Ones(4, 3);
  mask(2, 0) = 0;
  const std::vector<std::uint8_t> active = {1, 0, 1, 1};
  const std::vector<int> tokens = {0, -1, 2, 1};
  buffer.Record(0, inputs, mask, active, tokens);
  CHECK(buffer.length(0) == 1);
  CHECK(buffer.length(1) == 0);
  float x[2];
  std::uint8_t m[3];
  float f[3];
  buffer.DecodeInputs(2, 0, x);
  CHECK(x[1] == 6.0f);
  buffer.DecodeMask(2, 0, m, f);
  CHECK(m[0] == 0);
  CHECK(buffer.Action(3, 0) == 1);
  EpisodeBuffer copy(2, 3, 2, 3);
  copy.CopyEpisodeFrom(buffer, 2, 1);
  CHECK(copy.length(1) == 1);
  copy.DecodeInputs(1, 0, x);
  CHECK(x[0] == 5.0f);
  copy.DecodeMask(1, 0, m, f);
  CHECK(m[0] == 0);
  CHECK(copy.Action(1, 0) == 2);
  CHECK(f[2] == 0.0f);
  buffer.Reset(2);
  CHECK(buffer.batch() == 2);
  CHECK(buffer.length(0) == 0);
}

TEST_CASE("episode buffer decodes exactly what was recorded, however many distinct factors") {
  // Sparse inputs (a few nonzero, one negative zero), masks, and log-factors with few
  // distinct values, many (past the palette's 254), infinities and negative zero: each step
  // reads back bit for bit, except a forbidden token's factor, which reads 0.
  const int batch = 3, steps = 4, in = 40, v = 600;
  Rng rng(17);
  EpisodeBuffer buffer(batch, steps, in, v);
  std::vector<RowMatrixXf> xs, fs;
  std::vector<RowTokenMask> ms;
  for (int step = 0; step < steps; ++step) {
    RowMatrixXf x = RowMatrixXf::Zero(batch, in);
    RowMatrixXf f(batch, v);
    RowTokenMask m(batch, v);
    for (int i = 0; i < batch; ++i) {
      for (int k = 0; k < in; k += 7) x(i, k) = static_cast<float>(rng.Uniform(-2, 2));
      x(i, 3) = -0.0f;
      for (int j = 0; j < v; ++j) {
        m(i, j) = rng.Uniform01() < 0.8 ? 1 : 0;
        // Row 0: four values; row 1: all distinct; row 2: a mix with infinities.
        const double u = rng.Uniform(-3, 0);
        f(i, j) = i == 0   ? static_cast<float>(-(j % 4))
                  : i == 1 ? static_cast<float>(u)
                           : (j % 5 == 0 ? -std::numeric_limits<float>::infinity()
                                         : (j % 5 == 1 ? -0.0f : static_cast<float>(j % 3)));
      }
    }
    std::vector<int> tokens(batch);
    for (int i = 0; i < batch; ++i) {
      int j = 0;
      while (m(i, j) == 0) ++j;
      tokens[static_cast<std::size_t>(i)] = j;
    }
    buffer.Record(step, x, m, f, {}, tokens);
    xs.push_back(x);
    fs.push_back(f);
    ms.push_back(m);
  }
  std::vector<float> x(in), f(v);
  std::vector<std::uint8_t> m(v);
  for (int i = 0; i < batch; ++i) {
    for (int step = 0; step < steps; ++step) {
      buffer.DecodeInputs(i, step, x.data());
      for (int k = 0; k < in; ++k) {
        CHECK(
            std::bit_cast<std::uint32_t>(x[static_cast<std::size_t>(k)]) ==
            std::bit_cast<std::uint32_t>(k == 3 ? 0.0f : xs[static_cast<std::size_t>(step)](i, k)));
      }
      buffer.DecodeMask(i, step, m.data(), f.data());
      for (int j = 0; j < v; ++j) {
        const auto at = static_cast<std::size_t>(j);
        const bool allowed = ms[static_cast<std::size_t>(step)](i, j) != 0;
        CHECK(m[at] == (allowed ? 1 : 0));
        const float want = allowed ? fs[static_cast<std::size_t>(step)](i, j) : 0.0f;
        CHECK(std::bit_cast<std::uint32_t>(f[at]) == std::bit_cast<std::uint32_t>(want));
      }
    }
  }
}

TEST_CASE("an infinitely negative log-factor forbids a token and keeps the gradient finite") {
  LstmPolicy policy(SmallOptions());
  const int batch = 2000, v = policy.num_tokens();
  Rng data_rng(6), rng(7);
  RowMatrixXf inputs(batch, policy.input_size());
  for (int i = 0; i < batch; ++i)
    for (int k = 0; k < inputs.cols(); ++k)
      inputs(i, k) = static_cast<float>(data_rng.Uniform(-1, 1));
  const RowTokenMask mask = RowTokenMask::Ones(batch, v);
  RowMatrixXf factors = RowMatrixXf::Zero(batch, v);
  factors.col(3).setConstant(-std::numeric_limits<float>::infinity());
  factors.col(0).setConstant(2.0f);  // favoured: drawn more often than without the factor
  SamplingState state = policy.Begin(batch);
  std::vector<int> tokens(batch);
  std::vector<float> logp(batch), ent(batch);
  policy.Step(state, inputs, mask, factors, {}, rng, tokens, logp, ent);
  CHECK(std::count(tokens.begin(), tokens.end(), 3) == 0);
  CHECK(std::count(tokens.begin(), tokens.end(), 0) > batch / v);
  for (float e : ent) REQUIRE(std::isfinite(e));
  EpisodeBuffer buffer(batch, 1, policy.input_size(), v);
  buffer.Record(0, inputs, mask, factors, {}, tokens);
  const std::vector<int> selected = {0, 1, 2, 3, 4};
  const std::vector<float> adv(5, 0.5f);
  LstmParameters<float> grad;
  const PolicyLoss loss = policy.ComputeGradient(buffer, selected, adv, {}, &grad);
  double sampled = 0;
  for (int i : selected) sampled += logp[static_cast<std::size_t>(i)];
  CHECK(loss.mean_log_prob == doctest::Approx(sampled / 5).epsilon(1e-5));
  bool finite = true;
  grad.ForEachBlock(
      [&](const char*, const Eigen::MatrixXf& b) { finite = finite && b.allFinite(); });
  CHECK(finite);
  CHECK(grad.b_out(0, 3) == 0.0f);  // a forbidden token's logit gets no gradient
}

}  // namespace physr
