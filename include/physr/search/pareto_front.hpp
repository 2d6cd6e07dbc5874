// The Pareto front of a search: for each complexity, the most accurate formula seen so far
// (its fitted constants priced, when the front is given the rows), keeping only formulas no
// simpler formula beats, and the choice of one model from it.
// Not here: how candidates are produced or scored (search.hpp, fit/).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "physr/data/dataset.hpp"
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

// Two formulas are the same model when the data cannot tell their predictions apart. Each
// reported formula's values may be off their exact-arithmetic values by 1e-6 of the target's
// spread (NumericallyStable), so two whose predictions differ by less than twice that, in rms
// over the rows, may be one model written two ways: c^2*m and m*c*c (1e-16 apart), k*a^(3/2)
// and (k'*a - a)*sqrt(a) (5e-7 apart through the cancellation). So that an exact law is never
// taken for an approximation of it, the difference must also be at most a thousandth of either
// formula's own error (rms of prediction − target).
inline constexpr double kSameModelTolerance = 2e-6;
inline constexpr double kSameModelErrorShare = 1e-3;

// Whether predictions `a` and `b` of target `y` (all the same size) are the same model:
// rms(a − b) ≤ tolerance · scale and rms(a − b) ≤ kSameModelErrorShare · min(rms(a − y),
// rms(b − y)); `scale` is the target's spread (as NumericallyStable takes it). False for
// different sizes or any non-finite prediction; true for no rows.
bool SamePredictions(std::span<const double> a, std::span<const double> b,
                     std::span<const double> y, double scale,
                     double tolerance = kSameModelTolerance);

class ParetoFront {
 public:
  // A front that compares losses alone.
  ParetoFront() = default;
  // A front that prices fitted constants as SelectionCriterion does over `rows` effective
  // rows: an entry dominates another when it is at most as complex and its loss, raised by a
  // factor rows^(1/(2·rows)) for each free constant of `library` it holds (1.0019 at 2000
  // rows), is at most as low. A formula is then dropped only for one that SelectionCriterion
  // ranks at least as high whatever the complexity penalty, so Best over the front is the
  // best of all the formulas ever offered: a constant that fits the noise (1/sqrt(sin(C1 +
  // exp(x))) beside 1/sqrt(1 - x^2), as long and 0.02 % closer) no longer displaces the law.
  ParetoFront(const Library& library, double rows);
  // An empty front that prices constants as this one does.
  ParetoFront Emptied() const;

  // Offers a candidate; returns true if it entered the front (and may have evicted entries it
  // dominates). Candidates with a non-finite loss are ignored. Cost: O(front size).
  bool Offer(FrontEntry entry);
  // Whether Offer(entry) would keep the entry (it changes nothing). Cost: O(front size).
  bool Accepts(const FrontEntry& entry) const;

  // Entries by increasing complexity and strictly decreasing loss (with constants priced:
  // strictly decreasing priced loss; the loss itself may then rise where a longer entry holds
  // fewer constants).
  const std::vector<FrontEntry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  // The entry with the lowest loss (the simplest of equals), or nullptr when empty.
  const FrontEntry* MostAccurate() const;
  // The selected model. With a perfect fit in the front, the simplest entry whose loss is at
  // most good_enough_loss. Otherwise the entry with the lowest SelectionCriterion over `rows`,
  // the (effective) number of rows the losses were measured on (free constants counted over
  // `library`): a longer formula wins only when it lowers the squared error by more than the
  // noise of that many points explains. Ties go to the simpler entry.
  const FrontEntry* Best(double good_enough_loss, double rows, const Library& library,
                         double penalty = kSelectionPenalty) const;
  // Keeps one entry of each model: of entries whose predictions on `data` (constants the
  // programs' own) agree by SamePredictions, the simplest (lowest complexity, then fewest
  // tokens); the others are removed. The front stays sorted by complexity with strictly
  // decreasing (priced) loss. Entries that cannot be evaluated to finite values are kept as they
  // are. Cost: one evaluation per entry over all rows, O(front size² × rows) comparisons.
  void KeepDistinctModels(const Library& library, const Dataset& data,
                          double tolerance = kSameModelTolerance);

 private:
  // What dominance compares: the loss, or with constants priced ln(loss) + price · constants
  // (distinct free constants, as SelectionCriterion counts them).
  double Key(const FrontEntry& entry) const;
  // Accepts(entry) with its Key computed.
  bool Accepts(const FrontEntry& entry, double key) const;
  // Whether `a` is kept before `b` of equal key: lower loss, complexity, token sequence.
  static bool Better(const FrontEntry& a, double key_a, const FrontEntry& b, double key_b);

  std::vector<FrontEntry> entries_;
  std::vector<double> keys_;  // Key of each entry
  // Per token id of the library, whether it is a free constant; the price of each in ln(loss)
  // (0: constants not priced).
  std::vector<bool> free_constant_;
  double constant_price_ = 0.0;
};

}  // namespace physr
