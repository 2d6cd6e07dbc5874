// The Pareto front of a search: for each complexity, the most accurate formula seen so far,
// keeping only formulas no simpler formula beats, and the choice of one model from it.
// Not here: how candidates are produced or scored (search.hpp, fit/).
#pragma once

#include <cstdint>
#include <vector>

#include "physr/expr/program.hpp"

namespace physr {

// One scored candidate as the front keeps it. `loss` is the search's error measure (NRMSE);
// ties in loss are broken by the token sequence so the front does not depend on the order in
// which equal candidates arrive.
struct FrontEntry {
  Program program;  // with its fitted constants
  double complexity = 0.0;
  double loss = 0.0;  // finite, ≥ 0
  std::uint64_t epoch = 0;  // when it was first seen
};

class ParetoFront {
 public:
  // Offers a candidate; returns true if it entered the front (and may have evicted entries it
  // dominates). Candidates with a non-finite loss are ignored. Cost: O(front size).
  bool Offer(FrontEntry entry);

  // Entries by increasing complexity and strictly decreasing loss.
  const std::vector<FrontEntry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  // The entry with the lowest loss (the last one), or nullptr when empty.
  const FrontEntry* MostAccurate() const;
  // The selected model. With a perfect fit in the front, the simplest entry whose loss is at
  // most good_enough_loss. Otherwise the entry with the lowest information criterion
  //   rows · ln(loss²) + penalty · complexity,
  // Akaike's criterion for Gaussian errors (losses are NRMSEs, so rows · ln(loss²) is the
  // deviance up to a constant) with each unit of complexity priced at `penalty`: a longer
  // formula wins only when it lowers the squared error by more than the noise of `rows` points
  // explains. `rows` is the (effective) number of rows the losses were measured on.
  const FrontEntry* Best(double good_enough_loss, double rows,
                         double penalty = kSelectionPenalty) const;

  // The default price of one unit of complexity, in deviance units: two fitted parameters'
  // worth of Akaike's criterion. Measured on noisy Feynman runs: 3 lets a refitted
  // constant in through the noise, 8 drops true terms a few points explain.
  static constexpr double kSelectionPenalty = 4.0;

 private:
  std::vector<FrontEntry> entries_;
};

}  // namespace physr
