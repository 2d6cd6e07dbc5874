#include "physr/priors/units_prior.hpp"

#include <algorithm>
#include <array>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "physr/core/error.hpp"
#include "physr/core/hash.hpp"

namespace physr {
namespace {

constexpr int kInf = DimensionLattice::kUnreachable;

// a + b, saturating at kInf.
int Plus(int a, int b) { return a >= kInf || b >= kInf ? kInf : a + b; }

// Candidate values of the subtree in progress at one level of the path, each with the tokens
// its pending operands still need. Small and fixed-size: no allocation per step. Values off
// the lattice box are dropped, and so are candidates beyond the capacity; both only make the
// look-ahead stricter. The cells are kept apart from the values, so that the search for a
// duplicate reads one compact array.
class FormSet {
 public:
  static constexpr int kCapacity = 24;
  struct Form {
    LatticeDim value;
    int extra;
  };
  void Clear() { size_ = 0; }
  bool empty() const { return size_ == 0; }
  int size() const { return size_; }
  const Form& operator[](int i) const { return items_[static_cast<std::size_t>(i)]; }
  void Add(const DimensionLattice& lattice, const LatticeDim& value, int extra) {
    if (extra >= kInf) return;
    const std::int64_t cell = lattice.Cell(value);
    if (cell < 0) return;
    for (int i = 0; i < size_; ++i) {
      if (cells_[static_cast<std::size_t>(i)] == cell) {
        Form& f = items_[static_cast<std::size_t>(i)];
        f.extra = std::min(f.extra, extra);
        return;
      }
    }
    if (size_ < kCapacity) {
      cells_[static_cast<std::size_t>(size_)] = cell;
      items_[static_cast<std::size_t>(size_++)] = {value, extra};
    }
  }
  int MinExtra() const {
    int best = kInf;
    for (int i = 0; i < size_; ++i)
      best = std::min(best, items_[static_cast<std::size_t>(i)].extra);
    return best;
  }

 private:
  std::array<std::int64_t, kCapacity> cells_;
  std::array<Form, kCapacity> items_;
  int size_ = 0;
};

}  // namespace

UnitsPrior::UnitsPrior(const DimensionLattice& lattice, int max_length,
                       double completion_length_weight)
    : lattice_(&lattice),
      max_length_(max_length),
      completion_length_weight_(completion_length_weight),
      zero_cost_(lattice.MinLen(LatticeDim{})) {
  PHYSR_CHECK(completion_length_weight >= 0.0, "completion_length_weight must be >= 0");
  PHYSR_CHECK(lattice.target().has_value(), "the units prior needs a target dimension");
  PHYSR_CHECK(max_length >= 1 && max_length <= lattice.max_length(),
              "units prior max_length must not exceed the lattice's");
  CheckTargetReachable(lattice);
  const Library& library = lattice.library();
  for (std::size_t id = 0; id < library.size(); ++id) {
    const Token& t = library[static_cast<TokenId>(id)];
    if (t.IsTerminal()) continue;
    operators_.push_back({static_cast<TokenId>(id), t.rule, t.power.num(), t.power.den()});
  }
}

int UnitsPrior::SlotCost(const Requirement& r) const {
  switch (r.kind) {
    case Requirement::Kind::kFree:
      return 1;
    case Requirement::Kind::kFixed:
      return lattice_->MinLen(r.dim);
    case Requirement::Kind::kImpossible:
      break;
  }
  return kInf;
}

int UnitsPrior::Pending(std::span<const OpenNode> path, int stop, const LatticeDim& x) const {
  // Per thread rather than on the stack: constructing two sets (their values' initialisers)
  // cost as much as a short walk.
  thread_local FormSet a;
  thread_local FormSet b;
  a.Clear();
  FormSet* cur = &a;
  FormSet* next = &b;
  cur->Add(*lattice_, x, 0);
  for (int i = static_cast<int>(path.size()) - 1; i >= stop; --i) {
    const OpenNode& node = path[static_cast<std::size_t>(i)];
    next->Clear();
    const Requirement& req = node.requirement;
    if (node.next_child + 1 >= node.arity) {
      // The subtree in progress is the node's last operand: the node closes with it.
      for (int k = 0; k < cur->size(); ++k) {
        next->Add(*lattice_, NodeResult(node, node.first_dim, (*cur)[k].value), (*cur)[k].extra);
      }
    } else {
      // First operand in progress; price the pending second one.
      switch (node.rule) {
        case UnitRule::kSame:
          for (int k = 0; k < cur->size(); ++k) {
            const FormSet::Form& f = (*cur)[k];
            const int c = lattice_->MinLen(req.is_fixed() ? req.dim : f.value);
            if (c < kInf) next->Add(*lattice_, f.value, f.extra + c);
          }
          break;
        case UnitRule::kProduct:
        case UnitRule::kQuotient: {
          const bool product = node.rule == UnitRule::kProduct;
          if (req.is_fixed()) {
            int best = kInf;
            for (int k = 0; k < cur->size(); ++k) {
              const FormSet::Form& f = (*cur)[k];
              const int c = lattice_->MinLen(product ? req.dim - f.value : f.value - req.dim);
              if (c < kInf) best = std::min(best, f.extra + c);
            }
            next->Add(*lattice_, req.dim, best);
          } else {
            for (int k = 0; k < cur->size(); ++k) {
              const FormSet::Form& f = (*cur)[k];
              for (const DimensionLattice::TerminalGroup& g : lattice_->terminal_groups()) {
                next->Add(*lattice_, product ? f.value + g.dim : f.value - g.dim, f.extra + 1);
              }
            }
          }
          break;
        }
        case UnitRule::kPowRule: {
          const int c = lattice_->MinLen(LatticeDim{});
          for (int k = 0; k < cur->size(); ++k) {
            if ((*cur)[k].value.IsZero() && c < kInf) {
              next->Add(*lattice_, LatticeDim{}, (*cur)[k].extra + c);
            }
          }
          break;
        }
        default:
          PHYSR_CHECK(false, "unexpected binary unit rule");
      }
    }
    if (req.is_fixed()) {
      // Only values meeting the node's requirement survive; they collapse into one.
      int best = kInf;
      for (int k = 0; k < next->size(); ++k) {
        if ((*next)[k].value == req.dim) best = std::min(best, (*next)[k].extra);
      }
      next->Clear();
      next->Add(*lattice_, req.dim, best);
    } else if (req.kind == Requirement::Kind::kImpossible) {
      return kInf;
    }
    if (next->empty()) return kInf;
    std::swap(cur, next);
  }
  return cur->MinExtra();
}

UnitsPrior::Scratch& UnitsPrior::LocalScratch() const {
  Scratch& scratch = scratch_.local();
  scratch.costs.resize(lattice_->library().size());
  return scratch;
}

int UnitsPrior::AnchorIndex(std::span<const OpenNode> path) {
  int fixed_at = static_cast<int>(path.size()) - 1;
  while (!path[static_cast<std::size_t>(fixed_at)].requirement.is_fixed()) --fixed_at;
  return fixed_at;
}

// Pending(x) for one row's current slot, x being the dimension of the subtree that will fill
// it: Upper(x), the walk up the upper path (the anchor, the deepest operator with a fixed
// requirement, and the free ones above it), plus the part below the anchor, which no longer
// depends on x and is priced once, at construction.
class UnitsPrior::PendingCost {
 public:
  PendingCost(const UnitsPrior& prior, std::span<const OpenNode> path) : prior_(prior) {
    const int fixed_at = AnchorIndex(path);
    const OpenNode& anchor = path[static_cast<std::size_t>(fixed_at)];
    below_ = fixed_at == 0 ? 0
                           : prior.Pending(path.first(static_cast<std::size_t>(fixed_at)), 0,
                                           anchor.requirement.dim);
    upper_ = path.subspan(static_cast<std::size_t>(fixed_at));
  }
  int Upper(const LatticeDim& x) const { return prior_.Pending(upper_, 0, x); }
  int below() const { return below_; }

 private:
  const UnitsPrior& prior_;
  std::span<const OpenNode> upper_;
  int below_ = 0;
};

int UnitsPrior::PendingMemo::Find(std::int64_t cell) const {
  if (slots_.empty()) return -1;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t s =
           static_cast<std::size_t>(Mix(0x9E3779B97F4A7C15ULL, static_cast<std::uint64_t>(cell))) &
           mask;
       ; s = (s + 1) & mask) {
    const std::int64_t entry = slots_[s];
    if (entry < 0) return -1;
    if (entry >> 8 == cell) return static_cast<int>(entry & 0xFF);
  }
}

void UnitsPrior::PendingMemo::Insert(std::int64_t cell, int cost) {
  if (2 * (size_ + 1) > slots_.size()) {
    // Keep the load at most one half.
    std::vector<std::int64_t> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(64, 2 * old.size()), -1);
    size_ = 0;
    for (const std::int64_t entry : old) {
      if (entry >= 0) Insert(entry >> 8, static_cast<int>(entry & 0xFF));
    }
  }
  const std::size_t mask = slots_.size() - 1;
  std::size_t s =
      static_cast<std::size_t>(Mix(0x9E3779B97F4A7C15ULL, static_cast<std::uint64_t>(cell))) & mask;
  while (slots_[s] >= 0) s = (s + 1) & mask;
  // Costs at or above kInf all mean "no completion" (Plus saturates), so one byte holds them.
  slots_[s] = cell << 8 | std::min(cost, kInf);
  ++size_;
}

const std::vector<int>* UnitsPrior::PendingMemo::FindCosts(std::int32_t rest) const {
  const auto it = costs_.find(rest);
  return it == costs_.end() ? nullptr : &it->second;
}

void UnitsPrior::PendingMemo::InsertCosts(std::int32_t rest, const std::vector<int>& costs) {
  costs_.emplace(rest, costs);
  cost_bytes_ += sizeof(int) * costs.size() + kCostsOverhead;
}

// PendingCost memoised per lattice cell in the upper path's PendingMemo, which every row with
// that upper path shares (Upper(x) depends on the upper path alone).
class UnitsPrior::MemoisedPending {
 public:
  MemoisedPending(const UnitsPrior& prior, const PendingCost& pending, PendingMemo& memo)
      : prior_(prior), pending_(pending), memo_(memo) {}
  int operator()(const LatticeDim& x) const {
    const std::int64_t cell = prior_.lattice_->Cell(x);
    if (cell < 0) return kInf;
    int upper = memo_.Find(cell);
    if (upper < 0) {
      upper = std::min(pending_.Upper(x), kInf);
      memo_.Insert(cell, upper);
    }
    return Plus(upper, pending_.below());
  }

 private:
  const UnitsPrior& prior_;
  const PendingCost& pending_;
  PendingMemo& memo_;
};

int UnitsPrior::CompletionCosts(const PartialBatch& batch, int row, PendingMemo& memo,
                                Scratch& scratch) const {
  std::vector<int>& costs = scratch.costs;
  std::fill(costs.begin(), costs.end(), kInf);
  const std::span<const OpenNode> path = batch.Path(row);
  const OpenNode& top = path.back();
  const Requirement slot = ChildRequirement(top, top.next_child, top.first_dim);
  // Tokens still available after placing this one, for the shortest program in this path
  // state: one token per open operator (the placeholder aside).
  const int budget = max_length_ - static_cast<int>(path.size() - 1) - 1;
  if (slot.kind == Requirement::Kind::kImpossible || budget < 0) return -1;
  const PendingCost cost(*this, path);
  // The costs depend on the upper path, the part below it and, in a free slot, the budget.
  const std::int32_t rest = cost.below() << 8 | (slot.is_fixed() ? 0 : budget + 1);
  if (const std::vector<int>* known = memo.FindCosts(rest)) {
    std::copy(known->begin(), known->end(), costs.begin());
    return budget;
  }
  const MemoisedPending pending(*this, cost, memo);
  if (slot.is_fixed()) {
    FixedSlotCosts(slot.dim, pending(slot.dim), costs);
  } else {
    FreeSlotCosts(pending, budget, costs);
  }
  memo.InsertCosts(rest, costs);
  return budget;
}

int UnitsPrior::FixedOperandCost(const OperatorEntry& op, const LatticeDim& slot) const {
  switch (op.rule) {
    case UnitRule::kPower:
      return lattice_->MinLen(DivideByPower(slot, op.power_num, op.power_den));
    case UnitRule::kPreserve:
      return lattice_->MinLen(slot);
    case UnitRule::kDimensionless:
      return slot.IsZero() ? zero_cost_ : kInf;
    case UnitRule::kPowRule:
      return slot.IsZero() ? Plus(zero_cost_, zero_cost_) : kInf;
    case UnitRule::kSame:
      return Plus(lattice_->MinLen(slot), lattice_->MinLen(slot));
    case UnitRule::kProduct:
    case UnitRule::kQuotient:
      return lattice_->PairCost(op.rule, slot);
    case UnitRule::kTerminal:
      break;
  }
  return kInf;
}

void UnitsPrior::FixedSlotCosts(const LatticeDim& slot, int pending,
                                std::vector<int>& costs) const {
  for (const OperatorEntry& op : operators_) {
    costs[op.token] = Plus(pending, FixedOperandCost(op, slot));
  }
  for (const DimensionLattice::TerminalGroup& group : lattice_->terminal_groups()) {
    if (!(group.dim == slot)) continue;
    for (TokenId t : group.tokens) {
      costs[t] = pending;
    }
  }
}

// Free slot: the subtree's dimension x is the look-ahead's variable. Every operator's cost
// reduces to Pending(x) for some x (its result as a function of its first child's dimension
// z), hence the memo.
void UnitsPrior::FreeSlotCosts(const MemoisedPending& pending, int budget,
                               std::vector<int>& costs) const {
  for (const DimensionLattice::TerminalGroup& group : lattice_->terminal_groups()) {
    const int cost = pending(group.dim);
    for (TokenId t : group.tokens) {
      costs[t] = cost;
    }
  }
  for (const OperatorEntry& op : operators_) {
    int best = kInf;
    if (op.rule == UnitRule::kDimensionless || op.rule == UnitRule::kPowRule) {
      best = Plus(zero_cost_, FreeRestCost(op, LatticeDim{}, pending));
    } else {
      // Candidates z in order of FreeMinLen, while a shorter completion is still possible.
      int tries = 0;
      for (int len = 1; len <= budget && len < best && tries < kMaxCandidates; ++len) {
        for (const std::int32_t z : lattice_->FreeLevel(len)) {
          if (++tries > kMaxCandidates) break;
          best = std::min(best, Plus(len, FreeRestCost(op, lattice_->DimAt(z), pending)));
        }
      }
    }
    costs[op.token] = best;
  }
}

int UnitsPrior::FreeRestCost(const OperatorEntry& op, const LatticeDim& z,
                             const MemoisedPending& pending) const {
  switch (op.rule) {
    case UnitRule::kPower:
      return pending(Scale(z, op.power_num, op.power_den));
    case UnitRule::kPreserve:
      return pending(z);
    case UnitRule::kDimensionless:
      return pending(LatticeDim{});
    case UnitRule::kPowRule:
      return Plus(zero_cost_, pending(LatticeDim{}));
    case UnitRule::kSame:
      return Plus(lattice_->MinLen(z), pending(z));
    case UnitRule::kProduct:
    case UnitRule::kQuotient: {
      int best = kInf;
      for (const DimensionLattice::TerminalGroup& g : lattice_->terminal_groups()) {
        const LatticeDim x = op.rule == UnitRule::kProduct ? z + g.dim : z - g.dim;
        best = std::min(best, Plus(1, pending(x)));
      }
      return best;
    }
    case UnitRule::kTerminal:
      break;
  }
  return kInf;
}

void UnitsPrior::FactorsFromCosts(std::span<const int> costs, int budget,
                                  std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  int shortest = kInf;
  for (int c : costs) {
    if (c <= budget) shortest = std::min(shortest, c);
  }
  if (shortest >= kInf) return;
  for (std::size_t t = 0; t < costs.size(); ++t) {
    if (costs[t] > budget) continue;
    out[t] = -static_cast<float>(completion_length_weight_ * (costs[t] - shortest));
  }
}

std::size_t UnitsPrior::KeyHash::operator()(const std::vector<std::int32_t>& key) const {
  return static_cast<std::size_t>(
      MixIntegers(Mix(0x9E3779B97F4A7C15ULL, key.size()), std::span<const std::int32_t>(key)));
}

void UnitsPrior::AppendNodesKey(std::span<const OpenNode> nodes, std::vector<std::int32_t>& key) {
  const auto push_dim = [&](const LatticeDim& d) {
    key.insert(key.end(), d.num.begin(), d.num.end());
    key.push_back(d.valid ? 1 : 0);
  };
  for (const OpenNode& node : nodes) {
    // One header word says which of the dimensions follow, so the key is unambiguous.
    key.push_back(static_cast<std::int32_t>(node.rule) | node.arity << 8 | node.next_child << 12 |
                  static_cast<std::int32_t>(node.requirement.kind) << 16);
    key.push_back((node.power_num & 0xFF) | (node.power_den & 0xFF) << 8);
    if (node.requirement.is_fixed()) push_dim(node.requirement.dim);
    if (node.next_child > 0) push_dim(node.first_dim);
  }
}

void UnitsPrior::StateKey(const PartialBatch& batch, int row,
                          std::vector<std::int32_t>& key) const {
  key.clear();
  AppendNodesKey(batch.Path(row), key);
}

UnitsPrior::PendingMemo& UnitsPrior::UpperMemo(const PartialBatch& batch, int row,
                                               std::vector<std::int32_t>& key) const {
  const std::span<const OpenNode> path = batch.Path(row);
  key.clear();
  AppendNodesKey(path.subspan(static_cast<std::size_t>(AnchorIndex(path))), key);
  const auto [it, inserted] = pending_memos_.try_emplace(key);
  // The key and the map's node, besides what the memo itself holds.
  if (inserted) pending_memo_bytes_ += sizeof(std::int32_t) * key.size() + kMemoNodeBytes;
  return it->second;
}

// Misses are grouped by upper path: one task prices a group, so each PendingMemo is written by
// one thread at a time, and rows of different states that share an upper path (most do: the
// operators below the anchor vary far more than those above it) reuse each other's Pending.
const std::vector<const UnitsPrior::StateCosts*>& UnitsPrior::PriceRows(
    const PartialBatch& batch) const {
  const int n = batch.batch_size();
  const std::size_t per_state = sizeof(int) * std::max<std::size_t>(1, lattice_->library().size());
  const std::size_t capacity = std::min(kStateCacheCapacity, kStateCacheBytes / per_state);
  if (state_cache_.size() + static_cast<std::size_t>(n) > capacity) {
    state_cache_.clear();
  }
  if (pending_memo_bytes_ > kPendingMemoBytes) {
    pending_memos_.clear();
    pending_memo_bytes_ = 0;
  }
  row_costs_.assign(static_cast<std::size_t>(n), nullptr);
  std::vector<std::pair<PendingMemo*, std::vector<StateCosts*>>> groups;
  std::unordered_map<PendingMemo*, std::size_t> group_of;
  std::vector<std::int32_t> key;
  for (int row = 0; row < n; ++row) {
    if (batch.IsComplete(row)) continue;
    StateKey(batch, row, key);
    const auto [it, inserted] = state_cache_.try_emplace(key);
    if (inserted) {
      it->second.row = row;
      PendingMemo* memo = &UpperMemo(batch, row, key);
      const auto [g, added] = group_of.try_emplace(memo, groups.size());
      if (added) {
        pending_memo_bytes_ -= memo->bytes();  // added back, grown, once priced
        groups.emplace_back(memo, std::vector<StateCosts*>{});
      }
      groups[g->second].second.push_back(&it->second);
    }
    row_costs_[static_cast<std::size_t>(row)] = &it->second;
  }
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, groups.size()),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      Scratch& scratch = LocalScratch();
                      for (std::size_t g = range.begin(); g < range.end(); ++g) {
                        for (StateCosts* entry : groups[g].second) {
                          CompletionCosts(batch, entry->row, *groups[g].first, scratch);
                          entry->costs = scratch.costs;
                          entry->row = -1;
                        }
                      }
                    });
  for (const auto& group : groups) pending_memo_bytes_ += group.first->bytes();
  return row_costs_;
}

void UnitsPrior::Apply(const PartialBatch& batch, TokenMask mask) const {
  const bool price = completion_length_weight_ > 0.0;
  const auto num_tokens = lattice_->library().size();
  if (price) cached_factors_.resize(static_cast<std::size_t>(batch.batch_size()) * num_tokens);
  cached_version_ = 0;
  const std::vector<const StateCosts*>& priced = PriceRows(batch);
  tbb::parallel_for(
      tbb::blocked_range<int>(0, batch.batch_size(), 64), [&](const tbb::blocked_range<int>& rows) {
        for (int row = rows.begin(); row < rows.end(); ++row) {
          const StateCosts* state = priced[static_cast<std::size_t>(row)];
          if (state == nullptr) continue;
          const int budget = Budget(batch, row);
          const std::span<std::uint8_t> allowed = mask.Row(row);
          for (std::size_t t = 0; t < allowed.size(); ++t) {
            if (state->costs[t] > budget) allowed[t] = 0;
          }
          if (price) {
            FactorsFromCosts(state->costs, budget,
                             std::span<float>(cached_factors_)
                                 .subspan(static_cast<std::size_t>(row) * num_tokens, num_tokens));
          }
        }
      });
  if (price) cached_version_ = batch.version();
}

void UnitsPrior::AddLogFactors(const PartialBatch& batch, TokenLogFactors factors) const {
  if (completion_length_weight_ <= 0.0) return;
  const auto num_tokens = lattice_->library().size();
  const bool cached = cached_version_ != 0 && cached_version_ == batch.version();
  const std::vector<const StateCosts*>* priced = cached ? nullptr : &PriceRows(batch);
  tbb::parallel_for(
      tbb::blocked_range<int>(0, batch.batch_size(), 64), [&](const tbb::blocked_range<int>& rows) {
        std::vector<float> row_factors;
        for (int row = rows.begin(); row < rows.end(); ++row) {
          if (batch.IsComplete(row)) continue;
          const std::span<float> out = factors.Row(row);
          std::span<const float> add;
          if (cached) {
            add = std::span<const float>(cached_factors_)
                      .subspan(static_cast<std::size_t>(row) * num_tokens, num_tokens);
          } else {
            const StateCosts& state = *(*priced)[static_cast<std::size_t>(row)];
            row_factors.resize(num_tokens);
            FactorsFromCosts(state.costs, Budget(batch, row), row_factors);
            add = row_factors;
          }
          for (std::size_t t = 0; t < num_tokens; ++t) out[t] += add[t];
        }
      });
}

}  // namespace physr
