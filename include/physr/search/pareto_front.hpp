// The Pareto front of a search: for each complexity, the most accurate formula seen so far,
// keeping only formulas no simpler formula beats. Model selection as in the field: the most
// accurate formula, and PySR's score −Δlog(loss)/Δcomplexity between neighbours on the front.
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
  // PySR's score of entry i: −Δlog(loss)/Δcomplexity against entry i−1; the first entry is
  // scored against the mean predictor (loss 1 at complexity 0), as losses are NRMSEs.
  // Losses are floored at `loss_floor` so exact fits do not give infinite scores.
  double Score(std::size_t i, double loss_floor = 1e-12) const;
  // The selected model: among entries whose loss is within max(1.5 × the lowest loss,
  // good_enough_loss), the one with the best score; with a perfect fit in the front, that is
  // the simplest formula whose loss is below good_enough_loss.
  const FrontEntry* Best(double good_enough_loss) const;

 private:
  std::vector<FrontEntry> entries_;
};

}  // namespace physr
