// The prior interface and PriorSet: rules that say which next tokens are allowed (hard masks)
// or favoured (soft log-factors) for each program of a PartialBatch, composed by ANDing masks
// and adding log-factors. Not here: the rules themselves (units_prior.hpp,
// structure_priors.hpp), the default set of them (default_priors.hpp) or sampling (policy).
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

}  // namespace physr
