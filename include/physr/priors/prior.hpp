// The prior interface and PriorSet: rules that say which next tokens are allowed (hard masks)
// or favoured (soft log-factors) for each program of a PartialBatch, composed by ANDing masks
// and adding log-factors. Not here: the rules themselves (units_prior.hpp,
// structure_priors.hpp) or sampling (policy).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "physr/priors/partial_batch.hpp"

namespace physr {

// Row-major batch × library-size matrix view; row r belongs to program r of the batch. The
// caller owns the memory (values.size() == rows × num_tokens).
template <typename T>
struct TokenMatrix {
  std::span<T> values;
  int num_tokens = 0;

  std::span<T> Row(int row) const {
    return values.subspan(static_cast<std::size_t>(row) * static_cast<std::size_t>(num_tokens),
                          static_cast<std::size_t>(num_tokens));
  }
};
// 1 = allowed, 0 = not.
using TokenMask = TokenMatrix<std::uint8_t>;
// Natural-log multipliers of token probabilities: logits += factor before the softmax.
using TokenLogFactors = TokenMatrix<float>;

class Prior {
 public:
  virtual ~Prior() = default;
  virtual std::string_view name() const = 0;
  // Clears (never sets) flags of tokens this prior forbids, for every row of `batch` that is
  // not complete; complete rows are left untouched. Cost: O(batch × (library + depth)).
  virtual void Apply(const PartialBatch& batch, TokenMask mask) const = 0;
  // Adds this prior's log-factors (soft priors only; the default adds nothing).
  virtual void AddLogFactors(const PartialBatch& batch, TokenLogFactors factors) const {
    (void)batch;
    (void)factors;
  }
};

// A list of priors applied together. Masks commute under AND, so the order does not change
// the result; the units prior is kept last by convention, and is exact on its own: the
// dead-end count below measures how often the other priors' restrictions (or the rare
// nested free operand) leave a row with nothing allowed.
class PriorSet {
 public:
  PriorSet() = default;
  PriorSet(PriorSet&&) = default;
  PriorSet& operator=(PriorSet&&) = default;

  void Add(std::unique_ptr<Prior> prior);
  std::span<const std::unique_ptr<Prior>> priors() const { return priors_; }

  // Sets `mask` to all ones for incomplete rows and all zeros for complete rows, then applies
  // every prior. Returns the number of incomplete rows left with no allowed token (dead ends)
  // and, when `dead_rows` is given, appends their indices (the caller resamples them). The
  // mask must be batch_size × library size. Not thread-safe (the units prior memoises).
  int ComputeMask(const PartialBatch& batch, TokenMask mask,
                  std::vector<int>* dead_rows = nullptr) const;
  // Sets `factors` to 0 and adds every prior's log-factors.
  void ComputeLogFactors(const PartialBatch& batch, TokenLogFactors factors) const;

 private:
  std::vector<std::unique_ptr<Prior>> priors_;
};

struct PriorOptions {
  int min_length = 4;
  int max_length = 35;
  bool soft_length = true;
  double soft_length_loc = 8.0;
  double soft_length_variance = 5.0;
  bool no_useless_inverse = true;
  int max_exp_nesting = 1;   // exp inside exp; < 1 disables the rule
  int max_log_nesting = 1;   // log inside log
  int max_trig_nesting = 1;  // sin, cos, tan, arcsin, arccos, arctan inside one another
  bool no_redundant_constants = true;  // RedundantConstantPrior
  bool units = true;         // the in-situ units prior (needs a target in the lattice)
  // Occam look-ahead of the units prior: log-factor −w·(extra tokens a token forces to
  // complete the program, beyond the cheapest allowed token); 0 disables.
  double completion_length_weight = 0.5;
};

// PhySO's default set for `lattice`'s library (docs/algorithms.md, "The other priors"): hard and
// soft length, no useless inverse child, exp/log/trig nesting, physr's redundant-constant prior,
// and the units prior last when options.units and the lattice has a target. `lattice` must
// outlive the set. Throws InputError when the target cannot be reached (CheckTargetReachable).
PriorSet MakeDefaultPriors(const DimensionLattice& lattice, const PriorOptions& options = {});

}  // namespace physr
