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

double SelectionCriterion(double loss, double complexity, int free_constants, double rows,
                          double penalty) {
  return 2.0 * rows * std::log(std::max(loss, 1e-300)) + penalty * complexity +
         std::log(std::max(rows, 1.0)) * free_constants;
}

double SelectionCriterion(std::span<const TokenId> tokens, const Library& library, double loss,
                          double rows, double penalty) {
  return SelectionCriterion(loss, Complexity(tokens, library), CountFreeConstants(tokens, library),
                            rows, penalty);
}

const FrontEntry* ParetoFront::Best(double good_enough_loss, double rows, const Library& library,
                                    double penalty) const {
  if (entries_.empty()) return nullptr;
  if (entries_.back().loss <= good_enough_loss) {
    for (const FrontEntry& e : entries_) {
      if (e.loss <= good_enough_loss) return &e;
    }
  }
  const FrontEntry* best = nullptr;
  double best_criterion = 0.0;
  for (const FrontEntry& e : entries_) {
    const double criterion = SelectionCriterion(
        e.loss, e.complexity, CountFreeConstants(e.program.tokens, library), rows, penalty);
    if (best == nullptr || criterion < best_criterion) {
      best = &e;
      best_criterion = criterion;
    }
  }
  return best;
}

}  // namespace physr
