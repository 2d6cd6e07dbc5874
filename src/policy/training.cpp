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
  for (std::size_t i = 0; i < rewards.size(); ++i) {
    if (rewards[i] < quantile) continue;
    elite.rows.push_back(static_cast<int>(i));
    const auto advantage = static_cast<float>(rewards[i] - quantile);
    elite.advantages.push_back(advantage);
    elite.signal = elite.signal || advantage > 0.0f;
  }
  return elite;
}

}  // namespace physr
