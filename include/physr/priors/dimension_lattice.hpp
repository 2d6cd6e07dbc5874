// DimensionLattice: the dimensional facts the in-situ units prior needs, precomputed once per
// run. Dimensions are encoded as integer numerators over one common denominator, on the base
// dimensions the library and target use; `MinLen(D)` (fewest tokens of any expression with
// dimension D) is tabulated over a bounded box of that lattice, densely or, for a large box,
// for the reached dimensions only. Not here: the per-program state
// (PartialBatch) or the masks (UnitsPrior).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "physr/expr/library.hpp"

namespace physr {

// A dimension as numerators over DimensionLattice::denominator(), one per active base (entries
// past num_active_bases() stay 0). `valid` is false for a dimension the encoding cannot hold
// (e.g. sqrt of L when the denominator is 1, or exponents beyond ±kMaxNumerator); nothing is
// ever required to equal an invalid dimension. Plain value, 32 bytes.
struct LatticeDim {
  static constexpr std::int32_t kMaxNumerator = 1 << 20;
  std::array<std::int32_t, units::kNumBaseDimensions> num{};
  bool valid = true;

  friend bool operator==(const LatticeDim&, const LatticeDim&) = default;
  // The invalid dimension (all numerators 0).
  static LatticeDim Invalid() {
    LatticeDim d;
    d.valid = false;
    return d;
  }
  static bool InRange(std::int64_t v) { return v <= kMaxNumerator && v >= -kMaxNumerator; }
  bool IsZero() const {
    for (std::int32_t x : num) {
      if (x != 0) return false;
    }
    return valid;
  }
};

// Exponent arithmetic; results are invalid when an input is, or when a scaled exponent is not a
// multiple of the denominator's step. Cost: 7 integer operations. Inline: the units prior's
// look-ahead does little else in its inner loops.
inline LatticeDim operator+(const LatticeDim& a, const LatticeDim& b) {
  if (!a.valid || !b.valid) return LatticeDim::Invalid();
  LatticeDim r;
  for (std::size_t i = 0; i < r.num.size(); ++i) {
    const std::int64_t v = std::int64_t{a.num[i]} + b.num[i];
    if (!LatticeDim::InRange(v)) return LatticeDim::Invalid();
    r.num[i] = static_cast<std::int32_t>(v);
  }
  return r;
}
inline LatticeDim operator-(const LatticeDim& a, const LatticeDim& b) {
  if (!a.valid || !b.valid) return LatticeDim::Invalid();
  LatticeDim r;
  for (std::size_t i = 0; i < r.num.size(); ++i) {
    const std::int64_t v = std::int64_t{a.num[i]} - b.num[i];
    if (!LatticeDim::InRange(v)) return LatticeDim::Invalid();
    r.num[i] = static_cast<std::int32_t>(v);
  }
  return r;
}
// Multiplies every exponent by p = p_num / p_den (p_den > 0), e.g. 1/2 for sqrt, -1 for inv.
inline LatticeDim Scale(const LatticeDim& a, int p_num, int p_den) {
  if (!a.valid) return LatticeDim::Invalid();
  LatticeDim r;
  for (std::size_t i = 0; i < r.num.size(); ++i) {
    const std::int64_t v = std::int64_t{a.num[i]} * p_num;
    // p_den == 1 (inv, n2, n3): no division needed.
    if (p_den != 1 && v % p_den != 0) return LatticeDim::Invalid();
    const std::int64_t q = p_den == 1 ? v : v / p_den;
    if (!LatticeDim::InRange(q)) return LatticeDim::Invalid();
    r.num[i] = static_cast<std::int32_t>(q);
  }
  return r;
}
// The dimension whose power p = p_num / p_den is `a`: a scaled by 1/p = p_den / p_num, the
// sign moved into the numerator (p_num != 0, p_den > 0).
inline LatticeDim DivideByPower(const LatticeDim& a, int p_num, int p_den) {
  return p_num < 0 ? Scale(a, -p_den, -p_num) : Scale(a, p_den, p_num);
}

struct DimensionLatticeOptions {
  int max_length = 35;  // longest program; MinLen is tabulated up to this length
  // Box half-width in whole exponents: |exponent| ≤ max_exponent on every active base (raised
  // to cover the terminals and the target).
  int max_exponent = 8;
  // A box of at most max_cells dimensions is tabulated densely (one byte per dimension of the
  // box). A larger box (five or more active bases, or a denominator above 1 with four) is
  // tabulated sparsely: only the dimensions the BFS from the terminals reaches are stored, in a
  // hash table, at most max_stored of them (a dimension reached when the table is full is
  // treated as off the box). At most 2^31 - 1 each (cells are int32).
  std::int64_t max_cells = std::int64_t{1} << 21;
  std::int64_t max_stored = std::int64_t{1} << 18;
  // Sparse table even when the box is small (for tests and benchmarks: on a box that fits
  // max_stored, both tables give the same MinLen and FreeMinLen).
  bool force_sparse = false;
  // Work cap for combining two length levels under mul/div (|level a|·|level b| pairs).
  // Skipping a combination only makes MinLen larger (more conservative), never inconsistent:
  // every finite MinLen stays witnessed by an expression whose parts have their tabulated
  // MinLen, which is what keeps the look-ahead free of dead ends on fixed slots.
  std::int64_t max_pairs_per_level = std::int64_t{1} << 19;
};

class DimensionLattice {
 public:
  static constexpr int kUnreachable = 255;

  // Builds the encoding and the MinLen table for `library` (its terminals and the unit rules
  // of its operators). `target` is the dimension the root must have; nullopt leaves the root
  // free. Cost: up to a few hundred ms for 4–5 active bases, typically a few ms; the dense
  // table allocates the box (≤ max_cells bytes), two memo tables of the same size and, for the
  // level lists, up to 8 bytes per cell (half of it freed on return); the sparse one about 30
  // bytes per stored dimension (≤ max_stored). Throws InputError when a terminal or the target
  // has an exponent the box cannot hold (a box key must fit 62 bits: ±255 numerator units
  // with seven active bases).
  DimensionLattice(const Library& library, const std::optional<Dimension>& target,
                   const DimensionLatticeOptions& options = {});

  const Library& library() const { return *library_; }
  int max_length() const { return options_.max_length; }
  int num_active_bases() const { return static_cast<int>(active_bases_.size()); }
  // The SI bases encoded, in LatticeDim order.
  std::span<const units::Base> active_bases() const { return active_bases_; }
  int denominator() const { return denominator_; }
  int box_half_width() const { return half_width_; }  // in numerator units
  // Whether the table is the sparse one (see DimensionLatticeOptions::max_cells).
  bool sparse() const { return sparse_; }
  // Cells of the table: the whole box when dense, the stored dimensions when sparse.
  std::int64_t num_cells() const { return cells_; }
  // Sparse table: dimensions stored so far, and the most it stores.
  std::int64_t num_stored() const { return static_cast<std::int64_t>(keys_.size()); }
  std::int64_t max_stored() const { return options_.max_stored; }
  const std::optional<LatticeDim>& target() const { return target_; }
  std::optional<Dimension> target_dimension() const { return target_dimension_; }

  // Encodes a dimension; invalid when it uses an inactive base or a finer fraction.
  LatticeDim Encode(const Dimension& d) const;
  Dimension Decode(const LatticeDim& d) const;  // PHYSR_CHECK(d.valid)
  // The token's dimension for terminals (precomputed); PHYSR_CHECK on operators.
  const LatticeDim& TerminalDim(TokenId id) const { return token_dims_[id]; }

  // Cell of `d`, or -1 when off the box or invalid; in the sparse table also -1 when d is not
  // stored (no expression of length ≤ max_length reaches it, or the table was full), which
  // the callers treat as off the box. Cost: K multiply-adds, plus a hash probe when sparse.
  std::int64_t Cell(const LatticeDim& d) const {
    const std::int64_t key = BoxKey(d);
    return key < 0 || !sparse_ ? key : Find(key);
  }
  // Whether d lies on the box (stored or not).
  bool OnBox(const LatticeDim& d) const { return BoxKey(d) >= 0; }
  // Fewest tokens of an expression with dimension d (all its subexpressions on the box), or
  // kUnreachable when none of length ≤ max_length is known. Cost: Cell + a table read.
  int MinLen(const LatticeDim& d) const {
    const std::int64_t c = Cell(d);
    return c < 0 ? kUnreachable : min_len_[static_cast<std::size_t>(c)];
  }
  // Fewest tokens of an expression with dimension d built for a *free* slot under the
  // look-ahead's completion class: like MinLen, except that the second operand of every
  // mul/div in it is a single terminal (while that operand is pending, its dimension is not
  // known, and the look-ahead assumes a terminal there). FreeMinLen(d) ≥ MinLen(d).
  int FreeMinLen(const LatticeDim& d) const {
    const std::int64_t c = Cell(d);
    return c < 0 ? kUnreachable : free_min_len_[static_cast<std::size_t>(c)];
  }
  // Dimensions with FreeMinLen == len, for len in [1, max_length], as cells (DimAt
  // decodes one), in the order the table was built.
  std::span<const std::int32_t> FreeLevel(int len) const {
    const auto l = static_cast<std::size_t>(len);
    return std::span<const std::int32_t>(free_cells_)
        .subspan(free_level_start_[l], free_level_start_[l + 1] - free_level_start_[l]);
  }
  // The dimension of a cell: the inverse of Cell. Cost: K divisions.
  LatticeDim DimAt(std::int64_t cell) const;
  // min over d of FreeMinLen(d) + MinLen(u - d) (rule kProduct) or FreeMinLen(d) +
  // MinLen(d - u) (kQuotient): the fewest tokens for both operands of a mul/div whose result
  // must be u (the first operand is free, the second then fixed). Memoised per u; NOT
  // thread-safe (the memo is filled lazily). First call per u costs up to one pass over the
  // dimensions of free cost below the answer.
  int PairCost(UnitRule rule, const LatticeDim& u) const;
  // Smallest MinLen over the box (1 when a terminal's dimension lies on it).
  int min_cost() const { return min_cost_; }

  // Distinct terminal dimensions, each with the terminal ids that have it.
  struct TerminalGroup {
    LatticeDim dim;
    std::vector<TokenId> tokens;
  };
  std::span<const TerminalGroup> terminal_groups() const { return terminal_groups_; }

 private:
  friend class LatticeBuilder;
  void BuildMinLen();
  // Mixed-radix index of d on the box, or -1 when off it or invalid.
  std::int64_t BoxKey(const LatticeDim& d) const {
    if (!d.valid) return -1;
    std::int64_t key = 0;
    for (std::size_t i = active_bases_.size(); i-- > 0;) {
      const std::int32_t v = d.num[i];
      if (v > half_width_ || v < -half_width_) return -1;
      key = key * side_ + (v + half_width_);
    }
    return key;
  }
  LatticeDim DimOfKey(std::int64_t key) const;
  // Sparse table: the cell of a box key, or -1 when not stored.
  std::int64_t Find(std::int64_t key) const;
  // Sparse table: the cell of a box key, stored when absent and the table is not full (-1
  // then). Dense: the key.
  std::int64_t Intern(std::int64_t key);

  const Library* library_;
  DimensionLatticeOptions options_;
  std::vector<units::Base> active_bases_;
  int denominator_ = 1;
  int half_width_ = 0;  // numerator units
  int side_ = 1;        // 2 * half_width_ + 1
  std::int64_t cells_ = 1;
  bool sparse_ = false;
  // Sparse table: the box key of each cell, and an open-addressing index of keys_ (cells,
  // -1 empty; a power-of-two size at least twice keys_.size()).
  std::vector<std::int64_t> keys_;
  std::vector<std::int32_t> slots_;
  std::optional<LatticeDim> target_;
  std::optional<Dimension> target_dimension_;
  std::vector<LatticeDim> token_dims_;
  std::vector<TerminalGroup> terminal_groups_;
  std::vector<std::uint8_t> min_len_;
  std::vector<std::uint8_t> free_min_len_;
  // Cells with FreeMinLen == L at [free_level_start_[L], free_level_start_[L + 1]). Cells, not
  // LatticeDims: 4 bytes a dimension instead of 32, which matters with 4–5 active bases, where
  // most of a box of up to max_cells is reachable.
  std::vector<std::int32_t> free_cells_;
  std::vector<std::size_t> free_level_start_;
  int min_cost_ = kUnreachable;
  mutable std::vector<std::uint8_t> pair_product_memo_;  // 0 = not computed yet
  mutable std::vector<std::uint8_t> pair_quotient_memo_;
};

// Throws InputError "no dimensionally valid expression of length ≤ 35 gives kg*m^2 from these
// variables" when the lattice's target is unreachable within its max_length. No-op when the
// root is free.
void CheckTargetReachable(const DimensionLattice& lattice);

}  // namespace physr
