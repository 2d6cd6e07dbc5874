#include "physr/priors/partial_batch.hpp"

#include <algorithm>
#include <atomic>

#include "physr/core/error.hpp"

namespace physr {

Requirement ChildRequirement(const OpenNode& node, int child, const LatticeDim& first) {
  const Requirement& r = node.requirement;
  switch (node.rule) {
    case UnitRule::kPreserve:
      return r;
    case UnitRule::kPower:
      return r.is_fixed() ? Requirement::Fixed(DivideByPower(r.dim, node.power_num, node.power_den))
                          : r;
    case UnitRule::kDimensionless:
    case UnitRule::kPowRule:
      return Requirement::Fixed(LatticeDim{});
    case UnitRule::kSame:
      if (child == 0 || !r.is_free()) return r;
      return Requirement::Fixed(first);
    case UnitRule::kProduct:
      if (child == 0 || !r.is_fixed()) return child == 0 ? Requirement::Free() : r;
      return Requirement::Fixed(r.dim - first);
    case UnitRule::kQuotient:
      if (child == 0 || !r.is_fixed()) return child == 0 ? Requirement::Free() : r;
      return Requirement::Fixed(first - r.dim);
    case UnitRule::kTerminal:
      break;
  }
  PHYSR_CHECK(false, "terminals have no children");
}

LatticeDim NodeResult(const OpenNode& node, const LatticeDim& first, const LatticeDim& last) {
  switch (node.rule) {
    case UnitRule::kPreserve:
    case UnitRule::kSame:
      return last;
    case UnitRule::kPower:
      return Scale(last, node.power_num, node.power_den);
    case UnitRule::kDimensionless:
    case UnitRule::kPowRule:
      return LatticeDim{};
    case UnitRule::kProduct:
      return first + last;
    case UnitRule::kQuotient:
      return first - last;
    case UnitRule::kTerminal:
      break;
  }
  PHYSR_CHECK(false, "terminals have no result rule here");
}

PartialBatch::PartialBatch(const DimensionLattice& lattice, int max_length)
    : lattice_(&lattice), max_length_(max_length) {
  PHYSR_CHECK(max_length >= 1 && max_length < 255, "max_length must lie in [1, 254]");
  const Library& library = lattice.library();
  token_nodes_.resize(library.size());
  for (std::size_t id = 0; id < library.size(); ++id) {
    const Token& t = library[static_cast<TokenId>(id)];
    if (t.IsTerminal()) continue;
    OpenNode& n = token_nodes_[id];
    n.token = static_cast<TokenId>(id);
    n.rule = t.rule;
    n.power_num = static_cast<std::int8_t>(t.power.num());
    n.power_den = static_cast<std::int8_t>(t.power.den());
    n.arity = static_cast<std::uint8_t>(t.arity);
  }
}

void PartialBatch::Touch() {
  static std::atomic<std::uint64_t> stamps{0};
  version_ = stamps.fetch_add(1, std::memory_order_relaxed) + 1;
}

void PartialBatch::Reset(int batch_size) {
  PHYSR_CHECK(batch_size >= 0, "batch size must be non-negative");
  Touch();
  batch_size_ = batch_size;
  const auto b = static_cast<std::size_t>(batch_size);
  if (rows_.size() < b) {
    rows_.resize(b);
    tokens_.resize(b * static_cast<std::size_t>(max_length_));
    nodes_.resize(b * static_cast<std::size_t>(max_length_ + 1));
    counts_.resize(b * library().size());
  }
  for (int row = 0; row < batch_size; ++row) ResetRow(row);
}

void PartialBatch::ResetRow(int row) {
  PHYSR_CHECK(row >= 0 && row < batch_size_, "row out of range");
  Touch();
  RowState& s = rows_[row];
  s = RowState{};
  s.depth = 1;
  s.open_slots = 1;
  OpenNode& root = nodes_[Offset(row, max_length_ + 1)];
  root = OpenNode{};
  const std::optional<LatticeDim>& target = lattice_->target();
  root.requirement = target ? Requirement::Fixed(*target) : Requirement::Free();
  const std::size_t v = library().size();
  std::fill_n(counts_.begin() + static_cast<std::ptrdiff_t>(Offset(row, static_cast<int>(v))), v,
              std::uint8_t{0});
}

Requirement PartialBatch::CurrentRequirement(int row) const {
  PHYSR_DCHECK(!IsComplete(row), "complete programs have no current slot");
  const OpenNode& top = Path(row).back();
  return ChildRequirement(top, top.next_child, top.first_dim);
}

TokenId PartialBatch::ParentToken(int row) const {
  return IsComplete(row) ? kNoToken : Path(row).back().token;
}

TokenId PartialBatch::SiblingToken(int row) const {
  if (IsComplete(row)) return kNoToken;
  const OpenNode& top = Path(row).back();
  return top.next_child == 1 ? top.first_token : kNoToken;
}

const LatticeDim* PartialBatch::SiblingDim(int row) const {
  if (IsComplete(row)) return nullptr;
  const OpenNode& top = Path(row).back();
  return top.next_child == 1 ? &top.first_dim : nullptr;
}

void PartialBatch::Append(int row, TokenId token) {
  PHYSR_CHECK(row >= 0 && row < batch_size_, "row out of range");
  PHYSR_CHECK(token < library().size(), "token not in the library");
  Touch();
  RowState& s = rows_[row];
  PHYSR_CHECK(s.depth > 0, "cannot append to a complete program");
  PHYSR_CHECK(s.length < max_length_, "program already has max_length tokens");
  tokens_[Offset(row, max_length_) + static_cast<std::size_t>(s.length)] = token;
  ++s.length;
  ++counts_[Offset(row, static_cast<int>(library().size())) + token];

  OpenNode* path = nodes_.data() + Offset(row, max_length_ + 1);
  const Requirement slot = ChildRequirement(path[s.depth - 1], path[s.depth - 1].next_child,
                                            path[s.depth - 1].first_dim);
  const Token& t = library()[token];
  if (!t.IsTerminal()) {
    PHYSR_DCHECK(s.depth <= max_length_, "path deeper than the length bound");
    OpenNode& n = path[s.depth++];
    n = token_nodes_[token];
    n.requirement = slot;
    s.open_slots += t.arity - 1;
    s.previous = slot;
    return;
  }
  // A terminal closes its slot and, through it, every subtree whose last child it was.
  LatticeDim dim = lattice_->TerminalDim(token);
  s.previous = Requirement::Fixed(dim);
  TokenId closed_root = token;
  --s.open_slots;
  while (s.depth > 0) {
    OpenNode& top = path[s.depth - 1];
    if (top.next_child + 1 < top.arity) {
      top.first_dim = dim;
      top.first_token = closed_root;
      ++top.next_child;
      return;
    }
    dim = NodeResult(top, top.first_dim, dim);
    closed_root = top.token;
    --s.depth;
  }
  s.result = dim;
}

}  // namespace physr
