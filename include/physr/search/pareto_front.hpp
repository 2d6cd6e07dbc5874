// The Pareto front of a search: for each complexity, the most accurate formula seen so far,
// keeping only formulas no simpler formula beats, and the choice of one model from it.
// Not here: how candidates are produced or scored (search.hpp, fit/).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"

namespace physr {

// One scored candidate as the front keeps it. `loss` is the search's error measure (NRMSE);
// ties in loss are broken by the token sequence so the front does not depend on the order in
// which equal candidates arrive.
struct FrontEntry {
  Program program;  // with its fitted constants
  double complexity = 0.0;
  double loss = 0.0;        // finite, ≥ 0
  std::uint64_t epoch = 0;  // when it was first seen
};

// The default price of one unit of complexity in the model-selection criterion, in deviance
// units (two fitted parameters' worth of Akaike's criterion). Measured on noisy Feynman runs:
// 3 lets a refitted constant in through the noise, 8 drops true terms a few points explain.
inline constexpr double kSelectionPenalty = 4.0;

// The model-selection criterion of a formula with NRMSE `loss` on `rows` (effective) rows and
// `free_constants` fitted values:
//   rows · ln(loss²) + penalty · complexity + ln(rows) · free_constants,
// the Bayesian information criterion for Gaussian errors (rows · ln(loss²) is the deviance
// up to a constant, as losses are NRMSEs) with each unit of complexity priced at `penalty`
// besides. A fitted value costs ln(rows), so a constant is written as a plain number unless
// the data reject that number by more than √ln(rows) standard errors (2.8 for 2000 rows).
// Lower is better. Losses are floored at 1e-300 and rows at 1 so that every term stays finite.
double SelectionCriterion(double loss, double complexity, int free_constants, double rows,
                          double penalty = kSelectionPenalty);
// The same for the formula `tokens`, its complexity and fitted constants counted over `library`.
double SelectionCriterion(std::span<const TokenId> tokens, const Library& library, double loss,
                          double rows, double penalty = kSelectionPenalty);

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
  // most good_enough_loss. Otherwise the entry with the lowest SelectionCriterion over `rows`,
  // the (effective) number of rows the losses were measured on (free constants counted over
  // `library`): a longer formula wins only when it lowers the squared error by more than the
  // noise of that many points explains. Ties go to the simpler entry.
  const FrontEntry* Best(double good_enough_loss, double rows, const Library& library,
                         double penalty = kSelectionPenalty) const;

 private:
  std::vector<FrontEntry> entries_;
};

}  // namespace physr
