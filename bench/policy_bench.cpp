// Policy throughput: time per sampling epoch (batch × 35 steps) and per elite gradient step,
// with GFLOP/s of the dense products. Prints figures only; run it on an idle machine.
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

#include "physr/core/rng.hpp"
#include "physr/policy/adam.hpp"
#include "physr/policy/episode_buffer.hpp"
#include "physr/policy/lstm_policy.hpp"

namespace {

using physr::RowMatrixXf;
using physr::RowTokenMask;

constexpr int kInputSize = 150;
constexpr int kTokens = 30;
constexpr int kSteps = 35;

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds of the whole process (all threads): unlike wall time, not inflated when other
// processes share the cores.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double FlopsPerRowStep(const physr::LstmPolicy& p) {
  const double i = p.input_size(), e = p.embed_size(), h = p.hidden_size(), v = p.num_tokens();
  return 2.0 * (i * e + e * 4 * h + h * 4 * h + h * v);
}

struct EpochResult {
  double seconds = 0;
  double cpu_seconds = 0;
  double row_steps = 0;
};

// One sampling epoch. stop_prob = 0: every row runs all steps (worst case); otherwise rows stop
// at random (the length prior keeps real programs around 8–15 tokens). The inputs are sparse
// one-hot-like features, rebuilt per step outside the timed region.
EpochResult SampleEpoch(const physr::LstmPolicy& policy, int batch, double stop_prob,
                        physr::EpisodeBuffer* buffer, std::uint64_t seed) {
  physr::Rng data_rng(seed, 1), rng(seed, 2);
  physr::SamplingState state = policy.Begin(batch);
  RowMatrixXf inputs = RowMatrixXf::Zero(batch, kInputSize);
  RowTokenMask mask(batch, kTokens);
  std::vector<std::uint8_t> active(static_cast<std::size_t>(batch), 1);
  std::vector<int> tokens(static_cast<std::size_t>(batch));
  std::vector<float> logp(static_cast<std::size_t>(batch)),
      entropy(static_cast<std::size_t>(batch));
  if (buffer != nullptr) buffer->Reset(batch);
  EpochResult result;
  for (int step = 0; step < kSteps; ++step) {
    inputs.setZero();
    int n_active = 0;
    for (int i = 0; i < batch; ++i) {
      for (int k = 0; k < 6; ++k) inputs(i, static_cast<int>(data_rng.Below(kInputSize))) = 1.0f;
      for (int t = 0; t < kTokens; ++t) mask(i, t) = data_rng.Uniform01() < 0.6 ? 1 : 0;
      mask(i, 0) = 1;
      n_active += active[static_cast<std::size_t>(i)];
    }
    if (n_active == 0) break;
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = CpuSeconds();
    policy.Step(state, inputs, mask, active, rng, tokens, logp, entropy);
    if (buffer != nullptr) buffer->Record(step, inputs, mask, active, tokens);
    result.seconds += Seconds(start);
    result.cpu_seconds += CpuSeconds() - cpu_start;
    result.row_steps += n_active;
    for (auto& a : active)
      if (a && data_rng.Uniform01() < stop_prob) a = 0;
  }
  return result;
}

EpochResult Best(int repeats, const auto& run) {
  EpochResult best;
  best.seconds = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const EpochResult e = run(r);
    if (e.seconds < best.seconds) best = e;
  }
  return best;
}

}  // namespace

int main() {
  bool avx2 = false, fma = false;
#ifdef EIGEN_VECTORIZE_AVX2
  avx2 = true;
#endif
#ifdef EIGEN_VECTORIZE_FMA
  fma = true;
#endif
  std::printf("Eigen SIMD: %s; AVX2 %s, FMA %s (configure with -DPHYSR_NATIVE=ON for this CPU)\n",
              Eigen::SimdInstructionSetsInUse(), avx2 ? "on" : "off", fma ? "on" : "off");
  physr::LstmPolicyOptions options;
  options.input_size = kInputSize;
  options.num_tokens = kTokens;
  options.hidden_size = 128;
  options.embed_size = 64;
  options.seed = 1;
  physr::LstmPolicy policy(options);
  const double flops = FlopsPerRowStep(policy);
  std::printf("policy: input %d, embed %d, hidden %d, tokens %d; %.3f MFLOP per row-step\n",
              kInputSize, policy.embed_size(), policy.hidden_size(), kTokens, flops * 1e-6);

  for (int batch : {1000, 10000}) {
    const int repeats = batch <= 1000 ? 5 : 2;
    for (bool parallel : {false, true}) {
      policy.set_parallel(parallel);
      for (double stop : {0.0, 0.1}) {
        const EpochResult e = Best(repeats, [&](int r) {
          return SampleEpoch(policy, batch, stop, nullptr, static_cast<std::uint64_t>(r));
        });
        std::printf(
            "sample  batch %5d  %-8s  %-22s  %7.4f s/epoch (cpu %7.4f s)  %6.1f GFLOP/s wall, "
            "%6.1f per cpu-s  (%.1f steps/row)\n",
            batch, parallel ? "parallel" : "serial",
            stop == 0.0 ? "all rows 35 steps" : "rows stop (p=0.1/step)", e.seconds, e.cpu_seconds,
            e.row_steps * flops / e.seconds * 1e-9, e.row_steps * flops / e.cpu_seconds * 1e-9,
            e.row_steps / batch);
      }
    }
    policy.set_parallel(true);

    // Sampling while recording every step, then the elite (5%) gradient and an Adam step.
    physr::EpisodeBuffer buffer(batch, kSteps, kInputSize, kTokens);
    const EpochResult rec = Best(repeats, [&](int r) {
      return SampleEpoch(policy, batch, 0.1, &buffer, 100 + static_cast<std::uint64_t>(r));
    });
    std::printf("sample+record batch %5d  parallel  rows stop             %7.4f s/epoch\n", batch,
                rec.seconds);
    const int elite = batch / 20;
    std::vector<int> selected(static_cast<std::size_t>(elite));
    std::vector<float> advantages(static_cast<std::size_t>(elite));
    double elite_steps = 0;
    for (int k = 0; k < elite; ++k) {
      selected[static_cast<std::size_t>(k)] = k * 20;
      advantages[static_cast<std::size_t>(k)] = 0.01f * static_cast<float>(k % 7);
      elite_steps += buffer.length(k * 20);
    }
    physr::AdamOptimizer adam(policy.parameters(), physr::AdamOptions{});
    physr::LstmParameters<float> gradient;
    double best_grad = 1e300, best_grad_cpu = 1e300, best_adam = 1e300;
    physr::LossOptions loss_options;
    for (int r = 0; r < repeats + 1; ++r) {
      auto start = std::chrono::steady_clock::now();
      const double cpu_start = CpuSeconds();
      policy.ComputeGradient(buffer, selected, advantages, loss_options, &gradient);
      best_grad = std::min(best_grad, Seconds(start));
      best_grad_cpu = std::min(best_grad_cpu, CpuSeconds() - cpu_start);
      physr::LstmPolicy copy = policy;
      start = std::chrono::steady_clock::now();
      adam.Step(copy.mutable_parameters(), gradient);
      best_adam = std::min(best_adam, Seconds(start));
    }
    // Backward ≈ 2× forward flops.
    std::printf(
        "gradient batch %5d  elite %4d (%.0f steps)  %7.4f s (cpu %7.4f s)  %6.1f GFLOP/s per "
        "cpu-s;  Adam step %.5f s\n",
        batch, elite, elite_steps, best_grad, best_grad_cpu,
        3 * elite_steps * flops / best_grad_cpu * 1e-9, best_adam);
  }
  return 0;
}
