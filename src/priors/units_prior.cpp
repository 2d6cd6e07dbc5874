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
// look-ahead stricter.
class FormSet {
 public:
  static constexpr int kCapacity = 24;
  struct Form {
    LatticeDim value;
    std::int64_t cell;
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
      Form& f = items_[static_cast<std::size_t>(i)];
      if (f.cell == cell) {
        f.extra = std::min(f.extra, extra);
        return;
      }
    }
    if (size_ < kCapacity) items_[static_cast<std::size_t>(size_++)] = {value, cell, extra};
  }
  int MinExtra() const {
    int best = kInf;
    for (int i = 0; i < size_; ++i) best = std::min(best, items_[static_cast<std::size_t>(i)].extra);
    return best;
  }

 private:
  std::array<Form, kCapacity> items_;
  int size_ = 0;
};

}  // namespace

UnitsPrior::UnitsPrior(const DimensionLattice& lattice, int max_length,
                       double completion_length_weight)
    : lattice_(&lattice),
      max_length_(max_length),
      completion_length_weight_(completion_length_weight) {
  PHYSR_CHECK(completion_length_weight >= 0.0, "completion_length_weight must be >= 0");
  PHYSR_CHECK(lattice.target().has_value(), "the units prior needs a target dimension");
  PHYSR_CHECK(max_length >= 1 && max_length <= lattice.max_length(),
              "units prior max_length must not exceed the lattice's");
  CheckTargetReachable(lattice);
  const Library& library = lattice.library();
  for (std::size_t id = 0; id < library.size(); ++id) {
    const Token& t = library[static_cast<TokenId>(id)];
    if (t.IsTerminal()) continue;
    const OperatorInfo& info = Info(t.op);
    operators_.push_back({static_cast<TokenId>(id), info.rule, info.power.num(),
                          info.power.den()});
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
  FormSet a;
  FormSet b;
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

int UnitsPrior::CompletionCosts(const PartialBatch& batch, int row, Scratch& scratch) const {
  std::vector<int>& costs = scratch.costs;
  std::fill(costs.begin(), costs.end(), kInf);
  const LatticeDim zero{};
  const int zero_cost = lattice_->MinLen(zero);
  const std::span<const OpenNode> path = batch.Path(row);
  const OpenNode& top = path.back();
  const Requirement slot = ChildRequirement(top, top.next_child, top.first_dim);
  // Tokens still available after placing this one, for the shortest program in this path
  // state: one token per open operator (the placeholder aside).
  const int budget = max_length_ - static_cast<int>(path.size() - 1) - 1;
  if (slot.kind == Requirement::Kind::kImpossible || budget < 0) return -1;
  // Below the deepest operator with a fixed requirement, the pending cost no longer depends
  // on the current slot: price that part once per row.
  int fixed_at = static_cast<int>(path.size()) - 1;
  while (!path[static_cast<std::size_t>(fixed_at)].requirement.is_fixed()) --fixed_at;
  const OpenNode& anchor = path[static_cast<std::size_t>(fixed_at)];
  const int below = fixed_at == 0 ? 0 : Pending(path.first(static_cast<std::size_t>(fixed_at)), 0,
                                                anchor.requirement.dim);
  const std::span<const OpenNode> upper = path.subspan(static_cast<std::size_t>(fixed_at));
  const auto pending_at = [&](const LatticeDim& x) { return Plus(Pending(upper, 0, x), below); };

  if (slot.is_fixed()) {
    const int pending = pending_at(slot.dim);
    for (const OperatorEntry& op : operators_) {
      int cost = kInf;
      switch (op.rule) {
        case UnitRule::kPower:
          cost = lattice_->MinLen(DivideByPower(slot.dim, op.power_num, op.power_den));
          break;
        case UnitRule::kPreserve:
          cost = lattice_->MinLen(slot.dim);
          break;
        case UnitRule::kDimensionless:
          if (slot.dim.IsZero()) cost = zero_cost;
          break;
        case UnitRule::kPowRule:
          if (slot.dim.IsZero()) cost = Plus(zero_cost, zero_cost);
          break;
        case UnitRule::kSame:
          cost = Plus(lattice_->MinLen(slot.dim), lattice_->MinLen(slot.dim));
          break;
        case UnitRule::kProduct:
        case UnitRule::kQuotient:
          cost = lattice_->PairCost(op.rule, slot.dim);
          break;
        case UnitRule::kTerminal:
          break;
      }
      costs[op.token] = Plus(pending, cost);
    }
    for (const DimensionLattice::TerminalGroup& group : lattice_->terminal_groups()) {
      if (!(group.dim == slot.dim)) continue;
      for (TokenId t : group.tokens) {
        costs[t] = pending;
      }
    }
    return budget;
  }

  // Free slot: the subtree's dimension x is the look-ahead's variable. Every operator's cost
  // reduces to Pending(x) for some x (its result as a function of its first child's dimension
  // z), so Pending is memoised per x for this row.
  const std::uint64_t generation = ++scratch.generation;
  const auto pending_of = [&](const LatticeDim& x) {
    const std::int64_t cell = lattice_->Cell(x);
    if (cell < 0) return kInf;
    const auto h = static_cast<std::size_t>(cell) & (kMemoSize - 1);
    MemoEntry& e = scratch.memo[h];
    if (e.generation == generation && e.cell == cell) return e.cost;
    const int cost = pending_at(x);
    e = {generation, cell, cost};
    return cost;
  };
  for (const DimensionLattice::TerminalGroup& group : lattice_->terminal_groups()) {
    const int pending = pending_of(group.dim);
    for (TokenId t : group.tokens) {
      costs[t] = pending;
    }
  }
  for (const OperatorEntry& op : operators_) {
    // Tokens, beyond those of the child subtree, that the operator's own pending operand and
    // the open slots above need, given its first child's dimension z.
    const auto rest = [&](const LatticeDim& z) {
      switch (op.rule) {
        case UnitRule::kPower:
          return pending_of(Scale(z, op.power_num, op.power_den));
        case UnitRule::kPreserve:
          return pending_of(z);
        case UnitRule::kDimensionless:
          return pending_of(LatticeDim{});
        case UnitRule::kPowRule:
          return Plus(zero_cost, pending_of(LatticeDim{}));
        case UnitRule::kSame:
          return Plus(lattice_->MinLen(z), pending_of(z));
        case UnitRule::kProduct:
        case UnitRule::kQuotient: {
          int best = kInf;
          for (const DimensionLattice::TerminalGroup& g : lattice_->terminal_groups()) {
            const LatticeDim x = op.rule == UnitRule::kProduct ? z + g.dim : z - g.dim;
            best = std::min(best, Plus(1, pending_of(x)));
          }
          return best;
        }
        case UnitRule::kTerminal:
          break;
      }
      return kInf;
    };
    int best = kInf;
    if (op.rule == UnitRule::kDimensionless || op.rule == UnitRule::kPowRule) {
      best = Plus(zero_cost, rest(zero));
    } else {
      // Candidates z in order of FreeMinLen, while a shorter completion is still possible.
      int tries = 0;
      for (int len = 1; len <= budget && len < best && tries < kMaxCandidates; ++len) {
        for (const std::int32_t z : lattice_->FreeLevel(len)) {
          if (++tries > kMaxCandidates) break;
          best = std::min(best, Plus(len, rest(lattice_->DimAt(z))));
        }
      }
    }
    costs[op.token] = best;
  }
  return budget;
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

void UnitsPrior::StateKey(const PartialBatch& batch, int row,
                          std::vector<std::int32_t>& key) const {
  key.clear();
  const auto push_dim = [&](const LatticeDim& d) {
    key.insert(key.end(), d.num.begin(), d.num.end());
    key.push_back(d.valid ? 1 : 0);
  };
  for (const OpenNode& node : batch.Path(row)) {
    // One header word says which of the dimensions follow, so the key is unambiguous.
    key.push_back(static_cast<std::int32_t>(node.rule) | node.arity << 8 | node.next_child << 12 |
                  static_cast<std::int32_t>(node.requirement.kind) << 16);
    key.push_back((node.power_num & 0xFF) | (node.power_den & 0xFF) << 8);
    if (node.requirement.is_fixed()) push_dim(node.requirement.dim);
    if (node.next_child > 0) push_dim(node.first_dim);
  }
}

const std::vector<const UnitsPrior::StateCosts*>& UnitsPrior::PriceRows(
    const PartialBatch& batch) const {
  const int n = batch.batch_size();
  if (state_cache_.size() + static_cast<std::size_t>(n) > kStateCacheCapacity) {
    state_cache_.clear();
  }
  row_costs_.assign(static_cast<std::size_t>(n), nullptr);
  std::vector<StateCosts*> misses;
  std::vector<std::int32_t> key;
  for (int row = 0; row < n; ++row) {
    if (batch.IsComplete(row)) continue;
    StateKey(batch, row, key);
    const auto [it, inserted] = state_cache_.try_emplace(key);
    if (inserted) {
      it->second.row = row;
      misses.push_back(&it->second);
    }
    row_costs_[static_cast<std::size_t>(row)] = &it->second;
  }
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, misses.size(), 4),
                    [&](const tbb::blocked_range<std::size_t>& range) {
    Scratch& scratch = LocalScratch();
    for (std::size_t i = range.begin(); i < range.end(); ++i) {
      StateCosts& entry = *misses[i];
      CompletionCosts(batch, entry.row, scratch);
      entry.costs = scratch.costs;
      entry.row = -1;
    }
  });
  return row_costs_;
}

void UnitsPrior::Apply(const PartialBatch& batch, TokenMask mask) const {
  const bool price = completion_length_weight_ > 0.0;
  const auto num_tokens = lattice_->library().size();
  if (price) cached_factors_.resize(static_cast<std::size_t>(batch.batch_size()) * num_tokens);
  cached_version_ = 0;
  const std::vector<const StateCosts*>& priced = PriceRows(batch);
  tbb::parallel_for(tbb::blocked_range<int>(0, batch.batch_size(), 64),
                    [&](const tbb::blocked_range<int>& rows) {
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
                         std::span<float>(cached_factors_).subspan(
                             static_cast<std::size_t>(row) * num_tokens, num_tokens));
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
  tbb::parallel_for(tbb::blocked_range<int>(0, batch.batch_size(), 64),
                    [&](const tbb::blocked_range<int>& rows) {
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
