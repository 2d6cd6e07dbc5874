#include "physr/policy/training.hpp"

#include <algorithm>
#include <cmath>

#include "physr/core/error.hpp"

namespace physr {

double RiskQuantile(std::vector<double> rewards, double epsilon) {
  PHYSR_CHECK(!rewards.empty(), "quantile of an empty batch");
  std::sort(rewards.begin(), rewards.end());
  const double pos = (1.0 - epsilon) * static_cast<double>(rewards.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, rewards.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return rewards[lo] + frac * (rewards[hi] - rewards[lo]);
}

Elite SelectElite(std::span<const double> rewards, double epsilon) {
  Elite elite;
  if (rewards.empty()) return elite;
  const double quantile = RiskQuantile({rewards.begin(), rewards.end()}, epsilon);
  elite.quantile = quantile;
  for (std::size_t i = 0; i < rewards.size(); ++i) {
    if (rewards[i] < quantile) continue;
    elite.rows.push_back(static_cast<int>(i));
    const auto advantage = static_cast<float>(rewards[i] - quantile);
    elite.advantages.push_back(advantage);
    elite.signal = elite.signal || advantage > 0.0f;
  }
  return elite;
}

void AddRemembered(Elite& elite, std::span<const double> rewards,
                   std::span<const std::uint8_t> in_batch) {
  PHYSR_CHECK(in_batch.size() == rewards.size(), "one in-batch flag per remembered program");
  for (std::size_t i = 0; i < rewards.size(); ++i) {
    if (in_batch[i] != 0 || !(rewards[i] > elite.quantile)) continue;
    elite.remembered.push_back(static_cast<int>(i));
    elite.advantages.push_back(static_cast<float>(rewards[i] - elite.quantile));
    elite.signal = true;
  }
}

template <typename Scalar>
PolicyLoss EliteLossAndGradient(const LstmParameters<Scalar>& params, const EpisodeBuffer& batch,
                                std::span<const int> batch_episodes,
                                const EpisodeBuffer& remembered, const Elite& elite,
                                const LossOptions& options, EpisodeBuffer& scratch,
                                LstmParameters<Scalar>* gradient) {
  const std::size_t m = elite.rows.size(), q = elite.remembered.size();
  PHYSR_CHECK(batch_episodes.size() == m, "one batch episode per elite row");
  PHYSR_CHECK(elite.advantages.size() == m + q, "one advantage per elite episode");
  if (q == 0) {
    return ComputeLossAndGradient(params, batch, batch_episodes, elite.advantages, options,
                                  gradient);
  }
  PHYSR_CHECK(static_cast<std::size_t>(remembered.batch()) >= q,
              "one replayed episode per remembered program");
  if (scratch.max_steps() == 0) {
    scratch = EpisodeBuffer(0, batch.max_steps(), batch.input_size(), batch.num_tokens());
  }
  scratch.Reset(static_cast<int>(m + q));
  std::vector<int> rows(m + q);
  for (std::size_t k = 0; k < m + q; ++k) {
    rows[k] = static_cast<int>(k);
    if (k < m) {
      scratch.CopyEpisodeFrom(batch, batch_episodes[k], rows[k]);
    } else {
      scratch.CopyEpisodeFrom(remembered, static_cast<int>(k - m), rows[k]);
    }
  }
  return ComputeLossAndGradient(params, scratch, rows, elite.advantages, options, gradient);
}

template PolicyLoss EliteLossAndGradient<float>(const LstmParameters<float>&, const EpisodeBuffer&,
                                                std::span<const int>, const EpisodeBuffer&,
                                                const Elite&, const LossOptions&, EpisodeBuffer&,
                                                LstmParameters<float>*);
template PolicyLoss EliteLossAndGradient<double>(const LstmParameters<double>&,
                                                 const EpisodeBuffer&, std::span<const int>,
                                                 const EpisodeBuffer&, const Elite&,
                                                 const LossOptions&, EpisodeBuffer&,
                                                 LstmParameters<double>*);

}  // namespace physr
