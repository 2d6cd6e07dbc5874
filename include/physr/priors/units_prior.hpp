// UnitsPrior: the in-situ dimensional-analysis mask with look-ahead (docs/algorithms.md, "The
// units mask with look-ahead"). A token is allowed in a slot when its dimension fits the slot's
// requirement AND every slot still open after placing it can be closed validly within
// max_length tokens. Not here: the lattice tables it reads (dimension_lattice.hpp) or the other
// priors.
//
// The look-ahead, precisely. Let n be the program's length and x the dimension of the subtree
// that will fill the current slot. Walking up the path of open operators, every operand still
// pending is priced: a fixed requirement D costs MinLen(D); the second operand of a mul/div
// whose requirement U is fixed costs MinLen(U − y) (mul) or MinLen(y − U) (div), y being the
// first operand's dimension as a function of x; the second operand of add/sub under a free
// parent costs MinLen(y); a pending second operand of a mul/div under a free parent is assumed
// to be one terminal (each terminal dimension is tried). The minimum over those choices,
// Pending(x), is exact for that completion class. Then:
//  - a terminal of dimension τ is allowed iff it fits the slot and n + 1 + Pending(τ) ≤ max;
//  - an operator in a fixed slot D is allowed iff n + 1 + Pending(D) + cost of its operands
//    ≤ max, with MinLen of the operands' requirements, or PairCost(D) for mul/div;
//  - an operator in a free slot is allowed iff some child dimension z gives
//    n + 1 + FreeMinLen(z) + Pending(its result) ≤ max (z tried in order of FreeMinLen; at
//    most kMaxCandidates tries).
// Every allowed token keeps a completion of the class within max_length, and the class is
// closed under continuing it (FreeMinLen witnesses use terminal second operands, matching the
// assumption), so dead ends arise only from the candidate cap, the bounded lattice, or other
// priors masking the witness. PriorSet::ComputeMask counts them; the sampler resamples them.
//
// The same costs give a soft Occam prior on the completion length. With C(t) the fewest tokens
// after t that complete the program (Pending plus the token's own operands, exact in fixed
// slots; in free slots the cheapest candidate z within kMaxCandidates tries for operators and
// the pending cost of the terminal's dimension for terminals), every allowed token gets the
// log-factor −β·(C(t) − min of C over the tokens the look-ahead allows): tokens forcing longer
// programs become exponentially less likely, and none is masked by it.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "physr/priors/prior.hpp"

namespace physr {

class UnitsPrior final : public Prior {
 public:
  // `lattice` must outlive the prior and have a target (PHYSR_CHECK). max_length ≤
  // lattice.max_length(). completion_length_weight is β above (≥ 0, PHYSR_CHECK; 0 adds no
  // log-factors). Throws InputError when the target is unreachable (CheckTargetReachable).
  UnitsPrior(const DimensionLattice& lattice, int max_length,
             double completion_length_weight = 0.0);

  std::string_view name() const override { return "units"; }
  // Rows are priced by path state (the open operators' rules, requirements and first-operand
  // dimensions): each distinct state is priced once, by one pass over the
  // path, one check per operator token and one walk up the closing subtrees per distinct
  // terminal dimension, then kept in a bounded cache shared by later steps and batches (the
  // same states recur constantly). A state splits at its anchor (the deepest open operator
  // with a fixed requirement) into its upper path and the part below, which adds one cost
  // whatever fills the slot; the walks up the upper path (Pending by lattice cell) and the
  // costs per cost below (and budget) are kept per upper path, which far fewer states differ
  // in. Misses are priced in parallel (oneTBB), one task per upper path; the result does
  // not depend on the thread count. With β > 0 the same pass also prices the tokens for
  // AddLogFactors on the same batch state, which then costs nothing more. Not thread-safe:
  // one prior serves one sampling loop at a time.
  void Apply(const PartialBatch& batch, TokenMask mask) const override;
  // Adds −β·(C(t) − min C) to every token the look-ahead allows (see above); nothing when
  // β = 0. Right after Apply on the same batch state it adds the factors Apply priced (the
  // minimum then runs over the tokens left allowed, a per-row shift that leaves the sampling
  // distribution unchanged); otherwise it prices every token itself. Not thread-safe: one
  // prior serves one sampling loop at a time.
  void AddLogFactors(const PartialBatch& batch, TokenLogFactors factors) const override;

 private:
  struct OperatorEntry {
    TokenId token;
    UnitRule rule;
    int power_num;
    int power_den;
  };
  // What is known of one upper path (the open operators from the deepest one with a fixed
  // requirement up to the slot), kept between rows, steps and batches (see PriceRows):
  // Pending(x) without the part below the anchor, by lattice cell, in an open-addressing
  // table of cell << 8 | cost (−1 empty); and the completion costs of every row state priced
  // with this upper path, by the rest of its key (the cost below the anchor and, in a free
  // slot, the budget).
  class PendingMemo {
   public:
    // The memoised value for `cell`, or −1 when not stored.
    int Find(std::int64_t cell) const;
    void Insert(std::int64_t cell, int cost);
    const std::vector<int>* FindCosts(std::int32_t rest) const;  // nullptr when not stored
    void InsertCosts(std::int32_t rest, const std::vector<int>& costs);
    std::size_t bytes() const { return sizeof(std::int64_t) * slots_.size() + cost_bytes_; }

   private:
    // Bytes a stored costs vector takes besides its ints (node, key, vector header).
    static constexpr std::size_t kCostsOverhead = 64;
    std::vector<std::int64_t> slots_;
    std::size_t size_ = 0;
    std::unordered_map<std::int32_t, std::vector<int>> costs_;
    std::size_t cost_bytes_ = 0;
  };
  // Working storage of one thread.
  struct Scratch {
    std::vector<int> costs;  // per library token
  };
  static constexpr int kMaxCandidates = 64;
  // Completion costs of one path state (see Apply).
  struct StateCosts {
    std::vector<int> costs;  // C(t) per library token
    int row = -1;            // a row in this state, while it waits to be priced
  };
  struct KeyHash {
    std::size_t operator()(const std::vector<std::int32_t>& key) const;
  };
  // The PendingMemos kept between batches, one per distinct upper path, cleared when they
  // would pass this many bytes (counting kMemoNodeBytes for each one's map node and empty
  // memo besides its key and tables).
  static constexpr std::size_t kPendingMemoBytes = std::size_t{16} << 20;
  static constexpr std::size_t kMemoNodeBytes = 160;
  // The priced states kept between batches (cleared when a batch would pass the limit): at
  // most kStateCacheCapacity states
  static constexpr std::size_t kStateCacheCapacity = std::size_t{1} << 15;
  // and at most this many bytes of costs (4 per token per state), so that a library of
  // thousands of columns does not hold 2^15 × tokens ints: 64 MiB.
  static constexpr std::size_t kStateCacheBytes = std::size_t{64} << 20;
  // The path state of incomplete `row` (its open operators: rules, requirements and
  // first-operand dimensions; not its length), as a flat key.
  void StateKey(const PartialBatch& batch, int row, std::vector<std::int32_t>& key) const;
  // Appends the key words of `nodes` (rules, requirements, first-operand dimensions) to `key`.
  static void AppendNodesKey(std::span<const OpenNode> nodes, std::vector<std::int32_t>& key);
  // Index in `path` of the deepest open operator with a fixed requirement (the root's is).
  static int AnchorIndex(std::span<const OpenNode> path);
  // The memo of the upper path of incomplete `row`, created when new.
  PendingMemo& UpperMemo(const PartialBatch& batch, int row, std::vector<std::int32_t>& key) const;
  // Prices every incomplete row of `batch`, each distinct state once; entry r is row r's
  // costs (nullptr for complete rows). Valid until the next call.
  const std::vector<const StateCosts*>& PriceRows(const PartialBatch& batch) const;
  int SlotCost(const Requirement& r) const;
  // Fills scratch.costs[t] = C(t) for every token in the current slot of incomplete `row`
  // (kUnreachable when no completion is known). C depends on the path state only, not on
  // the row's length: the search for the fewest tokens is bounded by the budget of the
  // shortest program in that state, so costs within any row's budget are exact. Returns that
  // budget, −1 when the slot cannot be filled.
  int CompletionCosts(const PartialBatch& batch, int row, PendingMemo& memo,
                      Scratch& scratch) const;
  // The parts of CompletionCosts (defined in units_prior.cpp): Pending(x) for a row's current
  // slot, and the same memoised in the row's PendingMemo.
  class PendingCost;
  class MemoisedPending;
  // Tokens the operands of `op` need when it fills a fixed slot of dimension `slot`.
  int FixedOperandCost(const OperatorEntry& op, const LatticeDim& slot) const;
  // C(t) of every token in a fixed slot of dimension `slot`; `pending` is Pending(slot).
  void FixedSlotCosts(const LatticeDim& slot, int pending, std::vector<int>& costs) const;
  // C(t) of every token in a free slot, trying child dimensions within `budget`.
  void FreeSlotCosts(const MemoisedPending& pending, int budget, std::vector<int>& costs) const;
  // Tokens, beyond those of the child subtree, that the operator's own pending operand and
  // the open slots above need, given its first child's dimension z (free slot).
  int FreeRestCost(const OperatorEntry& op, const LatticeDim& z,
                   const MemoisedPending& pending) const;
  // Tokens left after placing one in `row`'s current slot (negative: none).
  int Budget(const PartialBatch& batch, int row) const {
    return max_length_ - batch.length(row) - 1;
  }
  // Pending(x) above for the subtree in progress under path.back(), walking path[size-1]
  // down to path[stop]. DimensionLattice::kUnreachable when infeasible.
  int Pending(std::span<const OpenNode> path, int stop, const LatticeDim& x) const;
  // Writes −β·(C(t) − min C) into `out` for tokens within `budget`, 0 elsewhere.
  void FactorsFromCosts(std::span<const int> costs, int budget, std::span<float> out) const;
  Scratch& LocalScratch() const;

  const DimensionLattice* lattice_;
  int max_length_;
  double completion_length_weight_;
  int zero_cost_;  // MinLen of the dimensionless
  std::vector<OperatorEntry> operators_;
  mutable tbb::enumerable_thread_specific<Scratch> scratch_;
  // Factors priced by the last Apply, for the batch state `cached_version_` (0: none).
  mutable std::vector<float> cached_factors_;
  mutable std::uint64_t cached_version_ = 0;
  mutable std::unordered_map<std::vector<std::int32_t>, StateCosts, KeyHash> state_cache_;
  mutable std::vector<const StateCosts*> row_costs_;
  mutable std::unordered_map<std::vector<std::int32_t>, PendingMemo, KeyHash> pending_memos_;
  mutable std::size_t pending_memo_bytes_ = 0;  // summed bytes() of pending_memos_
};

}  // namespace physr
