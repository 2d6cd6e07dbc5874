// DimensionLattice: the dimensional facts the in-situ units prior needs, precomputed once per
// run. Dimensions are encoded as integer numerators over one common denominator, on the base
// dimensions the library and target use; `MinLen(D)` (fewest tokens of any expression with
// dimension D) is tabulated over a bounded box of that lattice. Not here: the per-program state
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
  bool IsZero() const {
    for (std::int32_t x : num) {
      if (x != 0) return false;
    }
    return valid;
  }
};

// Exponent arithmetic; results are invalid when an input is, or when a scaled exponent is not a
// multiple of the denominator's step. Cost: 7 integer operations.
LatticeDim operator+(const LatticeDim& a, const LatticeDim& b);
LatticeDim operator-(const LatticeDim& a, const LatticeDim& b);
// Multiplies every exponent by p = p_num / p_den (p_den > 0), e.g. 1/2 for sqrt, -1 for inv.
LatticeDim Scale(const LatticeDim& a, int p_num, int p_den);
// The dimension whose power p = p_num / p_den is `a`: a scaled by 1/p = p_den / p_num, the
// sign moved into the numerator (p_num != 0, p_den > 0).
inline LatticeDim DivideByPower(const LatticeDim& a, int p_num, int p_den) {
  return p_num < 0 ? Scale(a, -p_den, -p_num) : Scale(a, p_den, p_num);
}

struct DimensionLatticeOptions {
  int max_length = 35;  // longest program; MinLen is tabulated up to this length
  // Box half-width in whole exponents: |exponent| ≤ max_exponent on every active base (raised
  // to cover the terminals and the target, lowered when the box would exceed max_cells).
  int max_exponent = 8;
  std::int64_t max_cells = std::int64_t{1} << 21;  // at most 2^31 - 1 (cells are int32)
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
  // free. Cost: up to a few hundred ms for 4–5 active bases, typically a few ms; allocates the
  // box (≤ max_cells bytes), two memo tables of the same size and, for the level lists, up to
  // 8 bytes per cell (half of it freed on return). Throws InputError when a terminal or the
  // target has an exponent the box cannot hold.
  DimensionLattice(const Library& library, const std::optional<Dimension>& target,
                   const DimensionLatticeOptions& options = {});

  const Library& library() const { return *library_; }
  int max_length() const { return options_.max_length; }
  int num_active_bases() const { return static_cast<int>(active_bases_.size()); }
  // The SI bases encoded, in LatticeDim order.
  std::span<const units::Base> active_bases() const { return active_bases_; }
  int denominator() const { return denominator_; }
  int box_half_width() const { return half_width_; }  // in numerator units
  const std::optional<LatticeDim>& target() const { return target_; }
  std::optional<Dimension> target_dimension() const { return target_dimension_; }

  // Encodes a dimension; invalid when it uses an inactive base or a finer fraction.
  LatticeDim Encode(const Dimension& d) const;
  Dimension Decode(const LatticeDim& d) const;  // PHYSR_CHECK(d.valid)
  // The token's dimension for terminals (precomputed); PHYSR_CHECK on operators.
  const LatticeDim& TerminalDim(TokenId id) const { return token_dims_[id]; }

  // Box cell of `d`, or -1 when off the box or invalid. Cost: K multiply-adds.
  std::int64_t Cell(const LatticeDim& d) const;
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
  // Dimensions with FreeMinLen == len, for len in [1, max_length], as box cells (DimAt
  // decodes one), in the order the table was built.
  std::span<const std::int32_t> FreeLevel(int len) const {
    const auto l = static_cast<std::size_t>(len);
    return std::span<const std::int32_t>(free_cells_).subspan(
        free_level_start_[l], free_level_start_[l + 1] - free_level_start_[l]);
  }
  // The dimension of a box cell: the inverse of Cell. Cost: K divisions.
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
  void BuildMinLen();

  const Library* library_;
  DimensionLatticeOptions options_;
  std::vector<units::Base> active_bases_;
  int denominator_ = 1;
  int half_width_ = 0;  // numerator units
  int side_ = 1;        // 2 * half_width_ + 1
  std::int64_t cells_ = 1;
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
