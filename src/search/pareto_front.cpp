#include "physr/search/pareto_front.hpp"

#include <algorithm>
#include <cmath>

namespace physr {
namespace {

// Strict order used to break exact ties: lower loss, then lower complexity, then the token
// sequence. Makes the front independent of arrival order.
bool Better(const FrontEntry& a, const FrontEntry& b) {
  if (a.loss != b.loss) return a.loss < b.loss;
  if (a.complexity != b.complexity) return a.complexity < b.complexity;
  return a.program.tokens < b.program.tokens;
}

}  // namespace

bool ParetoFront::Offer(FrontEntry entry) {
  if (!std::isfinite(entry.loss) || !std::isfinite(entry.complexity)) return false;
  // Dominated by an entry at most as complex with a loss at most as low (ties resolved by
  // Better so that exactly one of two equal candidates is kept)?
  for (const FrontEntry& e : entries_) {
    if (e.complexity <= entry.complexity && e.loss <= entry.loss) {
      if (e.complexity < entry.complexity || e.loss < entry.loss) return false;
      if (!Better(entry, e)) return false;
    }
  }
  std::erase_if(entries_, [&](const FrontEntry& e) {
    return entry.complexity <= e.complexity && entry.loss <= e.loss;
  });
  const auto pos = std::lower_bound(
      entries_.begin(), entries_.end(), entry,
      [](const FrontEntry& a, const FrontEntry& b) { return a.complexity < b.complexity; });
  entries_.insert(pos, std::move(entry));
  return true;
}

const FrontEntry* ParetoFront::MostAccurate() const {
  return entries_.empty() ? nullptr : &entries_.back();
}

double ParetoFront::Score(std::size_t i, double loss_floor) const {
  if (i >= entries_.size()) return 0.0;
  const FrontEntry& b = entries_[i];
  // The first entry is scored against the baseline that predicts the mean of y: NRMSE 1 at
  // complexity 0.
  const double a_loss = i == 0 ? 1.0 : entries_[i - 1].loss;
  const double a_complexity = i == 0 ? 0.0 : entries_[i - 1].complexity;
  const double dc = b.complexity - a_complexity;
  if (dc <= 0.0) return 0.0;
  return -(std::log(std::max(b.loss, loss_floor)) - std::log(std::max(a_loss, loss_floor))) / dc;
}

const FrontEntry* ParetoFront::Best(double good_enough_loss) const {
  if (entries_.empty()) return nullptr;
  const double lowest = entries_.back().loss;
  if (lowest <= good_enough_loss) {
    for (const FrontEntry& e : entries_) {
      if (e.loss <= good_enough_loss) return &e;
    }
  }
  const double threshold = std::max(1.5 * lowest, good_enough_loss);
  const FrontEntry* best = nullptr;
  double best_score = -1.0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].loss > threshold) continue;
    const double s = Score(i);
    if (best == nullptr || s > best_score) {
      best = &entries_[i];
      best_score = s;
    }
  }
  return best;
}

}  // namespace physr
