// PartialBatch: B programs growing token by token in prefix order, as the sampler builds them.
// Per program it keeps the tokens so far and the path of open operators from the root to the
// current slot, with each slot's dimensional requirement and the dimensions of completed
// operands (docs/algorithms.md, "Partial programs and slot requirements"). Not here: which
// token is allowed (priors) or chosen (policy). Single-threaded per batch; rows are independent.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "physr/priors/dimension_lattice.hpp"

namespace physr {

inline constexpr TokenId kNoToken = 0xFFFF;

// What a slot's subtree must produce.
struct Requirement {
  enum class Kind : std::uint8_t {
    kFree,        // any dimension (first operand of mul/div, anything under a free parent)
    kFixed,       // exactly `dim`
    kImpossible,  // a dimension the lattice cannot hold (e.g. sqrt of L with denominator 1)
  };
  Kind kind = Kind::kFree;
  LatticeDim dim;  // meaningful for kFixed only

  static Requirement Free() { return {}; }
  // kImpossible when d is invalid.
  static Requirement Fixed(const LatticeDim& d) {
    return {d.valid ? Kind::kFixed : Kind::kImpossible, d};
  }
  bool is_free() const { return kind == Kind::kFree; }
  bool is_fixed() const { return kind == Kind::kFixed; }
};

// An operator whose arguments are not all complete, on the path from the root to the current
// slot. The path always starts with a placeholder of arity 1 (token kNoToken, rule kPreserve)
// whose requirement is the target (or free) and whose one child is the whole program.
struct OpenNode {
  TokenId token = kNoToken;
  UnitRule rule = UnitRule::kPreserve;
  std::int8_t power_num = 1;  // for UnitRule::kPower: exponent scale power_num / power_den
  std::int8_t power_den = 1;
  std::uint8_t arity = 1;
  std::uint8_t next_child = 0;     // index of the child being filled now (0 or 1)
  Requirement requirement;         // what this node's value must be
  LatticeDim first_dim;            // dimension of the completed first child (next_child == 1)
  TokenId first_token = kNoToken;  // root token of the completed first child
};

// Requirement of child `child` of `node`, given the completed first child's dimension `first`
// (ignored for child 0). The rules: add/sub pass the requirement to both operands (the second
// takes the first's dimension under a free parent); mul/div leave the first operand free and fix
// the second to parent − first (mul) or first − parent (div); the power rules divide the
// requirement by the power; neg/abs keep it; exp, log, trig, tanh and both operands of pow need
// dimensionless. Cost: a few integer operations.
Requirement ChildRequirement(const OpenNode& node, int child, const LatticeDim& first);
// Dimension of `node`'s value once its last child has dimension `last` (first child's
// dimension `first` for binary nodes). Invalid when not representable.
LatticeDim NodeResult(const OpenNode& node, const LatticeDim& first, const LatticeDim& last);

class PartialBatch {
 public:
  // `lattice` (and its library) must outlive the batch. max_length bounds every row
  // (PHYSR_CHECK in Append); use the same value as the priors.
  PartialBatch(const DimensionLattice& lattice, int max_length);

  // Starts `batch_size` empty programs. Reuses the storage: no allocation when batch_size does
  // not exceed an earlier one.
  void Reset(int batch_size);
  // Empties one row again (e.g. to resample a program that reached a dead end).
  void ResetRow(int row);
  // Places `token` in the current slot of `row`. PHYSR_CHECK: the row is not complete, has
  // room, and `token` is in the library. Does not check the units: the priors do that before.
  // Cost: O(depth of the subtrees it closes), no allocation.
  void Append(int row, TokenId token);

  int batch_size() const { return batch_size_; }
  int max_length() const { return max_length_; }
  // Changes with every Reset, ResetRow and Append, and differs between batch objects: equal
  // versions mean the same state (priors key per-state caches on it).
  std::uint64_t version() const { return version_; }
  const DimensionLattice& lattice() const { return *lattice_; }
  const Library& library() const { return lattice_->library(); }

  bool IsComplete(int row) const { return rows_[row].depth == 0; }
  int length(int row) const { return rows_[row].length; }
  std::span<const TokenId> tokens(int row) const {
    return {tokens_.data() + Offset(row, max_length_), static_cast<std::size_t>(length(row))};
  }
  // Open slots still to fill (the current one included); 0 once complete.
  int num_open_slots(int row) const { return rows_[row].open_slots; }
  // How often `token` occurs in the row so far.
  int Count(int row, TokenId token) const {
    return counts_[Offset(row, static_cast<int>(library().size())) + token];
  }
  // Open operators from the root placeholder (index 0) to the parent of the current slot
  // (back()). Empty once complete. Valid until the next Append/Reset of this row.
  std::span<const OpenNode> Path(int row) const {
    return {nodes_.data() + Offset(row, max_length_ + 1),
            static_cast<std::size_t>(rows_[row].depth)};
  }
  // Requirement of the current slot. PHYSR_DCHECK: not complete.
  Requirement CurrentRequirement(int row) const;
  // Parent token of the current slot (kNoToken at the root), and the sibling: the root token
  // of the completed first operand when the current slot is a second operand, else kNoToken.
  TokenId ParentToken(int row) const;
  TokenId SiblingToken(int row) const;
  // Dimension of the completed first operand when the current slot is a second operand.
  const LatticeDim* SiblingDim(int row) const;
  TokenId PreviousToken(int row) const {
    return length(row) == 0 ? kNoToken : tokens(row)[static_cast<std::size_t>(length(row) - 1)];
  }
  // Dimension known for the previous token: its own for a terminal, its requirement for an
  // operator (free when it had none). Free for an empty row.
  const Requirement& PreviousRequirement(int row) const { return rows_[row].previous; }
  // Dimension of a complete program's value (invalid when it left the lattice's encoding).
  const LatticeDim& ResultDim(int row) const { return rows_[row].result; }

 private:
  struct RowState {
    int length = 0;
    int depth = 0;  // open nodes on the path
    int open_slots = 0;
    Requirement previous;
    LatticeDim result;
  };
  std::size_t Offset(int row, int stride) const {
    return static_cast<std::size_t>(row) * static_cast<std::size_t>(stride);
  }

  void Touch();

  const DimensionLattice* lattice_;
  int max_length_;
  int batch_size_ = 0;
  std::uint64_t version_ = 0;
  std::vector<OpenNode> token_nodes_;  // per library token: the node it opens (operators)
  std::vector<RowState> rows_;
  std::vector<TokenId> tokens_;       // batch × max_length
  std::vector<OpenNode> nodes_;       // batch × (max_length + 1)
  std::vector<std::uint8_t> counts_;  // batch × library size
};

}  // namespace physr
