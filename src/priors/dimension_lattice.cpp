#include "physr/priors/dimension_lattice.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "physr/core/error.hpp"

namespace physr {

// Build-time access to the lattice's table of cells (the sparse table stores a dimension when
// the BFS first reaches it).
class LatticeBuilder {
 public:
  static std::int64_t Intern(DimensionLattice& lattice, const LatticeDim& d) {
    const std::int64_t key = lattice.BoxKey(d);
    return key < 0 ? -1 : lattice.Intern(key);
  }
  // The cell of a box key (>= 0), stored when sparse and absent; -1 when the table is full.
  static std::int64_t InternKey(DimensionLattice& lattice, std::int64_t key) {
    return lattice.sparse_ ? lattice.Intern(key) : key;
  }
  static std::int64_t Key(const DimensionLattice& lattice, const LatticeDim& d) {
    return lattice.BoxKey(d);
  }
  static std::int64_t KeyOfCell(const DimensionLattice& lattice, std::int32_t cell) {
    return lattice.sparse_ ? lattice.keys_[static_cast<std::size_t>(cell)] : cell;
  }
};

namespace {

constexpr int kK = units::kNumBaseDimensions;
constexpr std::int64_t kMaxCells = std::numeric_limits<std::int32_t>::max();

// Operators that can give a dimension in fewer tokens than its operands: the power rules and
// mul/div. add/sub, neg/abs, and the dimensionless functions never give a dimension more cheaply
// than their argument already has it (the dimensionless ones matter only in the free table).
struct Shortcuts {
  std::vector<std::pair<int, int>> powers;  // p_num, p_den of each power rule
  bool has_mul = false;
  bool has_div = false;
  bool has_dimensionless_function = false;
};

Shortcuts FindShortcuts(const Library& library) {
  Shortcuts s;
  for (const Token& t : library.tokens()) {
    if (t.IsTerminal()) continue;
    if (t.rule == UnitRule::kPower) s.powers.emplace_back(t.power.num(), t.power.den());
    s.has_mul = s.has_mul || t.rule == UnitRule::kProduct;
    s.has_div = s.has_div || t.rule == UnitRule::kQuotient;
    s.has_dimensionless_function =
        s.has_dimensionless_function || t.rule == UnitRule::kDimensionless;
  }
  return s;
}

// A table of fewest tokens per box cell, filled one length at a time, with the cells of each
// length listed: level L is cells[start[L], start[L + 1]). Reach only appends, so index ranges
// of earlier levels stay valid while level L grows (indices, not spans: cells may reallocate).
struct LevelTable {
  // `num_cells`: the dense box, or 0 for the sparse table, whose min_len grows with it.
  LevelTable(DimensionLattice& of, std::int64_t num_cells)
      : lattice(of),
        min_len(static_cast<std::size_t>(num_cells), DimensionLattice::kUnreachable),
        start(static_cast<std::size_t>(of.max_length()) + 2, 0) {}

  // Records length `len` for d's cell when d is on the box (stored, when sparse) and not
  // reached before.
  void Reach(const LatticeDim& d, int len) { ReachCell(LatticeBuilder::Intern(lattice, d), len); }
  // The same for a dimension given by its box key (on the box).
  void ReachKey(std::int64_t key, int len) {
    ReachCell(LatticeBuilder::InternKey(lattice, key), len);
  }
  void ReachCell(std::int64_t cell, int len) {
    if (cell < 0) return;
    const auto c = static_cast<std::size_t>(cell);
    if (c >= min_len.size()) min_len.resize(c + 1, DimensionLattice::kUnreachable);
    if (min_len[c] != DimensionLattice::kUnreachable) return;
    min_len[c] = static_cast<std::uint8_t>(len);
    cells.push_back(static_cast<std::int32_t>(cell));
  }
  std::size_t Begin(int len) const { return start[static_cast<std::size_t>(len)]; }
  std::size_t End(int len) const { return start[static_cast<std::size_t>(len) + 1]; }
  std::int64_t Size(int len) const { return static_cast<std::int64_t>(End(len) - Begin(len)); }
  // Ends level `len` with the cells reached so far.
  void Close(int len) { start[static_cast<std::size_t>(len) + 1] = cells.size(); }
  // Level 1: the terminals' dimensions.
  void ReachTerminals() {
    for (const DimensionLattice::TerminalGroup& g : lattice.terminal_groups()) Reach(g.dim, 1);
    Close(1);
  }
  // Level len from the power rules applied to level len - 1.
  void ReachPowers(const Shortcuts& shortcuts, int len) {
    for (std::size_t i = Begin(len - 1); i < End(len - 1); ++i) {
      const LatticeDim x = lattice.DimAt(cells[i]);
      for (const auto& [pn, pd] : shortcuts.powers) Reach(Scale(x, pn, pd), len);
    }
  }
  // Shortest length with a cell (kUnreachable when none).
  int FirstLength() const {
    for (int len = 1; len <= lattice.max_length(); ++len) {
      if (Size(len) > 0) return len;
    }
    return DimensionLattice::kUnreachable;
  }

  DimensionLattice& lattice;
  std::vector<std::uint8_t> min_len;
  std::vector<std::int32_t> cells;
  std::vector<std::size_t> start;
};

// Dimensions packed for the pair sums of ReachPairs: each active exponent numerator d (|d| <
// 2^12) in a 16-bit lane as d + 2^12 (`plus`) and −d + 2^12 (`minus`), four lanes a word, idle
// lanes 2^12; with the box key. Adding two packed words adds the lanes without carries (each
// stays below 2^14), so one add gives x + y or x − y for up to four bases, and two masks tell
// whether every exponent of the result lies on the box.
struct PackedDim {
  std::array<std::uint64_t, 2> plus;
  std::array<std::uint64_t, 2> minus;
  std::int64_t key;
};

class PairPacker {
 public:
  static constexpr int kMaxHalfWidth = (1 << 12) - 1;
  static constexpr std::uint64_t kLanes = 0x0001000100010001ULL;  // 1 in each 16-bit lane
  static constexpr std::uint64_t kHigh = kLanes << 15;

  // Usable when the box's half-width is below 2^12 (kMaxHalfWidth).
  static bool Usable(const DimensionLattice& lattice) {
    return lattice.box_half_width() <= kMaxHalfWidth;
  }
  explicit PairPacker(const DimensionLattice& lattice)
      : lattice_(lattice),
        zero_key_(LatticeBuilder::Key(lattice, LatticeDim{})),
        above_(kLanes * ((1u << 15) - 1 - ((1u << 13) + Half(lattice)))),
        at_least_(kLanes * ((1u << 15) - ((1u << 13) - Half(lattice)))) {}

  PackedDim Pack(std::int32_t cell) const {
    const LatticeDim d = lattice_.DimAt(cell);
    PackedDim p{{0, 0}, {0, 0}, LatticeBuilder::KeyOfCell(lattice_, cell)};
    for (int i = 0; i < 8; ++i) {
      const std::int32_t v = i < units::kNumBaseDimensions ? d.num[static_cast<std::size_t>(i)] : 0;
      const auto shift = static_cast<unsigned>(16 * (i % 4));
      p.plus[static_cast<std::size_t>(i / 4)] |= static_cast<std::uint64_t>((1 << 12) + v) << shift;
      p.minus[static_cast<std::size_t>(i / 4)] |= static_cast<std::uint64_t>((1 << 12) - v)
                                                  << shift;
    }
    return p;
  }
  // Whether every lane of a + b (each lane d + 2^13) holds an exponent within the box.
  bool OnBox(const std::array<std::uint64_t, 2>& a, const std::array<std::uint64_t, 2>& b) const {
    const std::uint64_t q0 = a[0] + b[0];
    const std::uint64_t q1 = a[1] + b[1];
    return (((q0 + above_) | (q1 + above_)) & kHigh) == 0 &&
           ((q0 + at_least_) & (q1 + at_least_) & kHigh) == kHigh;
  }
  // Box keys of x + y and x − y (on the box): the key is affine in the exponents.
  std::int64_t SumKey(const PackedDim& x, const PackedDim& y) const {
    return x.key + y.key - zero_key_;
  }
  std::int64_t DifferenceKey(const PackedDim& x, const PackedDim& y) const {
    return x.key - y.key + zero_key_;
  }

 private:
  static unsigned Half(const DimensionLattice& lattice) {
    return static_cast<unsigned>(lattice.box_half_width());
  }
  const DimensionLattice& lattice_;
  std::int64_t zero_key_;
  std::uint64_t above_;     // lanes 2^15 − 1 − (2^13 + h): bit 15 set iff the lane is above h
  std::uint64_t at_least_;  // lanes 2^15 − (2^13 − h): bit 15 set iff the lane is ≥ −h
};

// Level len of the MinLen table from mul/div of levels a and len - 1 - a, splits in order of
// increasing work, so the cap drops the most expensive ones first. `xs`, `ys` are reused
// buffers. Cells are reached in the order of the pairs, whichever arithmetic is used.
void ReachPairs(const Shortcuts& shortcuts, std::int64_t max_pairs, int len, LevelTable& table,
                std::vector<PackedDim>& xs, std::vector<PackedDim>& ys) {
  std::vector<std::pair<std::int64_t, int>> splits;
  for (int a = 1; a <= len - 2; ++a) {
    const std::int64_t work = table.Size(a) * table.Size(len - 1 - a);
    if (work > 0) splits.emplace_back(work, a);
  }
  std::sort(splits.begin(), splits.end());
  const bool has_mul = shortcuts.has_mul;
  const bool has_div = shortcuts.has_div;
  const DimensionLattice& lattice = table.lattice;
  const bool packed = PairPacker::Usable(lattice);
  const PairPacker packer(lattice);
  std::int64_t spent = 0;
  for (const auto& [work, a] : splits) {
    const int b = len - 1 - a;
    const bool mul = has_mul && a <= b;
    const std::int64_t cost = work * ((mul ? 1 : 0) + (has_div ? 1 : 0));
    if (spent + cost > max_pairs) break;
    spent += cost;
    if (!packed) {
      for (std::size_t i = table.Begin(a); i < table.End(a); ++i) {
        const LatticeDim x = lattice.DimAt(table.cells[i]);
        for (std::size_t j = table.Begin(b); j < table.End(b); ++j) {
          const LatticeDim y = lattice.DimAt(table.cells[j]);
          if (mul) table.Reach(x + y, len);
          if (has_div) table.Reach(x - y, len);
        }
      }
      continue;
    }
    const auto pack = [&](int level, std::vector<PackedDim>& out) {
      out.clear();
      for (std::size_t j = table.Begin(level); j < table.End(level); ++j) {
        out.push_back(packer.Pack(table.cells[j]));
      }
    };
    pack(a, xs);
    pack(b, ys);
    for (const PackedDim& x : xs) {
      for (const PackedDim& y : ys) {
        if (mul && packer.OnBox(x.plus, y.plus)) table.ReachKey(packer.SumKey(x, y), len);
        if (has_div && packer.OnBox(x.plus, y.minus)) {
          table.ReachKey(packer.DifferenceKey(x, y), len);
        }
      }
    }
  }
}

// The MinLen table: terminals, then the power rules and mul/div of shorter levels.
LevelTable FixedLevels(DimensionLattice& lattice, std::int64_t num_cells,
                       const Shortcuts& shortcuts, std::int64_t max_pairs) {
  LevelTable table(lattice, num_cells);
  table.ReachTerminals();
  std::vector<PackedDim> xs;  // two packed levels, reused
  std::vector<PackedDim> ys;
  for (int len = 2; len <= lattice.max_length(); ++len) {
    // A full sparse table stores only dimensions this table reached: nothing more to find.
    if (!lattice.sparse() || lattice.num_stored() < lattice.max_stored()) {
      table.ReachPowers(shortcuts, len);
      if (shortcuts.has_mul || shortcuts.has_div) {
        ReachPairs(shortcuts, max_pairs, len, table, xs, ys);
      }
    }
    table.Close(len);
  }
  return table;
}

// The free-context table: terminals; power rules of a free operand; mul/div of a free
// operand and one terminal; a dimensionless function of a fixed dimensionless argument.
// Reads the lattice's MinLen table, which must be built.
LevelTable FreeLevels(DimensionLattice& lattice, std::int64_t num_cells,
                      const Shortcuts& shortcuts) {
  LevelTable table(lattice, num_cells);
  table.ReachTerminals();
  const int zero_cost = lattice.MinLen(LatticeDim{});
  for (int len = 2; len <= lattice.max_length(); ++len) {
    if (shortcuts.has_dimensionless_function && zero_cost + 1 == len) {
      table.Reach(LatticeDim{}, len);
    }
    table.ReachPowers(shortcuts, len);
    if (len >= 3) {
      for (std::size_t i = table.Begin(len - 2); i < table.End(len - 2); ++i) {
        const LatticeDim x = lattice.DimAt(table.cells[i]);
        for (const DimensionLattice::TerminalGroup& g : lattice.terminal_groups()) {
          if (shortcuts.has_mul) table.Reach(x + g.dim, len);
          if (shortcuts.has_div) table.Reach(x - g.dim, len);
        }
      }
    }
    table.Close(len);
  }
  return table;
}

}  // namespace

DimensionLattice::DimensionLattice(const Library& library, const std::optional<Dimension>& target,
                                   const DimensionLatticeOptions& options)
    : library_(&library), options_(options), target_dimension_(target) {
  PHYSR_CHECK(options.max_length >= 1 && options.max_length < kUnreachable,
              "max_length must lie in [1, 254]");
  PHYSR_CHECK(options.max_cells >= 1 && options.max_cells <= kMaxCells,
              "max_cells must lie in [1, 2^31 - 1]");
  // Active bases and the common denominator come from the terminals and the target.
  std::array<bool, kK> used{};
  std::int64_t lcm = 1;
  Rational max_abs(0);
  auto note = [&](const Dimension& d) {
    for (int i = 0; i < kK; ++i) {
      const Rational e = d.exponents()[i];
      if (e.IsZero()) continue;
      used[i] = true;
      lcm = std::lcm(lcm, std::int64_t{e.den()});
      const Rational a = e < Rational(0) ? -e : e;
      if (a > max_abs) max_abs = a;
    }
  };
  for (const Token& t : library.tokens()) {
    if (t.IsTerminal()) note(t.dimension);
  }
  if (target) note(*target);
  // A power with a denominator (sqrt: 1/2; a defined cube root: 1/3) divides exponents.
  std::int64_t roots = 1;
  for (const Token& t : library.tokens()) {
    if (!t.IsTerminal() && t.rule == UnitRule::kPower) {
      roots = std::lcm(roots, std::int64_t{t.power.den()});
    }
  }
  lcm *= roots;
  if (lcm > 64) throw InputError("unit exponents need a denominator above 64; not supported");
  denominator_ = static_cast<int>(lcm);
  for (int i = 0; i < kK; ++i) {
    if (used[i]) active_bases_.push_back(static_cast<units::Base>(i));
  }

  // Box: the requested half-width, widened to hold every terminal and the target. A box of at
  // most max_cells is tabulated densely; a larger one sparsely, narrowed (not below the
  // terminals and the target) only while its keys would overflow 62 bits.
  const int needed = static_cast<int>((max_abs.num() + max_abs.den() - 1) / max_abs.den());
  constexpr std::int64_t kMaxKeys = std::int64_t{1} << 62;
  auto cells_for = [&](int whole) {
    const std::int64_t side = 2 * std::int64_t{whole} * denominator_ + 1;
    std::int64_t n = 1;
    for (std::size_t i = 0; i < active_bases_.size(); ++i) {
      if (n > kMaxKeys / side) return kMaxKeys + 1;
      n *= side;
    }
    return n;
  };
  int whole = std::max(options.max_exponent, needed);
  sparse_ = options.force_sparse || cells_for(whole) > options.max_cells;
  while (whole > needed && cells_for(whole) > kMaxKeys) --whole;
  if (cells_for(whole) > kMaxKeys) {
    throw InputError("the units use " + std::to_string(active_bases_.size()) +
                     " base dimensions with exponents up to " + max_abs.ToString() +
                     "; too many for the units prior's table");
  }
  half_width_ = whole * denominator_;
  side_ = 2 * half_width_ + 1;
  cells_ = sparse_ ? 0 : cells_for(whole);
  PHYSR_CHECK(options.max_stored >= 1 && options.max_stored <= kMaxCells,
              "max_stored must lie in [1, 2^31 - 1]");

  token_dims_.resize(library.size(), LatticeDim::Invalid());
  for (std::size_t id = 0; id < library.size(); ++id) {
    const Token& t = library[static_cast<TokenId>(id)];
    if (!t.IsTerminal()) continue;
    token_dims_[id] = Encode(t.dimension);
    PHYSR_CHECK(token_dims_[id].valid && OnBox(token_dims_[id]),
                "terminal dimension must lie on the lattice box");
    auto it = std::find_if(terminal_groups_.begin(), terminal_groups_.end(),
                           [&](const TerminalGroup& g) { return g.dim == token_dims_[id]; });
    if (it == terminal_groups_.end()) {
      terminal_groups_.push_back({token_dims_[id], {}});
      it = terminal_groups_.end() - 1;
    }
    it->tokens.push_back(static_cast<TokenId>(id));
  }
  if (target) target_ = Encode(*target);

  BuildMinLen();
  pair_product_memo_.assign(static_cast<std::size_t>(cells_), 0);
  pair_quotient_memo_.assign(static_cast<std::size_t>(cells_), 0);
}

LatticeDim DimensionLattice::Encode(const Dimension& d) const {
  LatticeDim r;
  for (int i = 0; i < kK; ++i) {
    const Rational e = d.exponents()[i];
    if (e.IsZero()) continue;
    const auto it =
        std::find(active_bases_.begin(), active_bases_.end(), static_cast<units::Base>(i));
    if (it == active_bases_.end()) return LatticeDim::Invalid();
    const std::int64_t scaled = std::int64_t{e.num()} * denominator_;
    if (scaled % e.den() != 0 || !LatticeDim::InRange(scaled / e.den()))
      return LatticeDim::Invalid();
    r.num[static_cast<std::size_t>(it - active_bases_.begin())] =
        static_cast<std::int32_t>(scaled / e.den());
  }
  return r;
}

Dimension DimensionLattice::Decode(const LatticeDim& d) const {
  PHYSR_CHECK(d.valid, "cannot decode an invalid lattice dimension");
  Dimension::Exponents e{};
  for (std::size_t i = 0; i < active_bases_.size(); ++i) {
    e[static_cast<int>(active_bases_[i])] = Rational(d.num[i], denominator_);
  }
  return Dimension(e);
}

LatticeDim DimensionLattice::DimOfKey(std::int64_t key) const {
  LatticeDim d;
  for (std::size_t i = 0; i < active_bases_.size(); ++i) {
    d.num[i] = static_cast<std::int32_t>(key % side_) - half_width_;
    key /= side_;
  }
  return d;
}

LatticeDim DimensionLattice::DimAt(std::int64_t cell) const {
  PHYSR_DCHECK(cell >= 0 && cell < (sparse_ ? static_cast<std::int64_t>(keys_.size()) : cells_),
               "cell off the table");
  return DimOfKey(sparse_ ? keys_[static_cast<std::size_t>(cell)] : cell);
}

namespace {

// Slot of a key in an open-addressing table of `size` (a power of two) slots.
std::size_t SlotOf(std::int64_t key, std::size_t size) {
  std::uint64_t h = static_cast<std::uint64_t>(key) * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 29;
  return static_cast<std::size_t>(h) & (size - 1);
}

}  // namespace

std::int64_t DimensionLattice::Find(std::int64_t key) const {
  if (slots_.empty()) return -1;
  for (std::size_t s = SlotOf(key, slots_.size());; s = (s + 1) & (slots_.size() - 1)) {
    const std::int32_t cell = slots_[s];
    if (cell < 0) return -1;
    if (keys_[static_cast<std::size_t>(cell)] == key) return cell;
  }
}

std::int64_t DimensionLattice::Intern(std::int64_t key) {
  if (!sparse_) return key;
  if (2 * (keys_.size() + 1) > slots_.size()) {
    // Keep the load at most one half.
    std::vector<std::int32_t> bigger(std::max<std::size_t>(1024, 2 * slots_.size()), -1);
    for (std::size_t cell = 0; cell < keys_.size(); ++cell) {
      std::size_t s = SlotOf(keys_[cell], bigger.size());
      while (bigger[s] >= 0) s = (s + 1) & (bigger.size() - 1);
      bigger[s] = static_cast<std::int32_t>(cell);
    }
    slots_ = std::move(bigger);
  }
  std::size_t s = SlotOf(key, slots_.size());
  for (; slots_[s] >= 0; s = (s + 1) & (slots_.size() - 1)) {
    if (keys_[static_cast<std::size_t>(slots_[s])] == key) return slots_[s];
  }
  if (static_cast<std::int64_t>(keys_.size()) >= options_.max_stored) return -1;
  slots_[s] = static_cast<std::int32_t>(keys_.size());
  keys_.push_back(key);
  return slots_[s];
}

void DimensionLattice::BuildMinLen() {
  const Shortcuts shortcuts = FindShortcuts(*library_);
  {
    // The MinLen levels are not needed past this block.
    LevelTable fixed = FixedLevels(*this, cells_, shortcuts, options_.max_pairs_per_level);
    min_cost_ = fixed.FirstLength();
    min_len_ = std::move(fixed.min_len);
  }
  LevelTable free_table = FreeLevels(*this, cells_, shortcuts);
  free_min_len_ = std::move(free_table.min_len);
  free_cells_ = std::move(free_table.cells);
  free_cells_.shrink_to_fit();
  free_level_start_ = std::move(free_table.start);
  if (sparse_) {
    // Both tables cover every stored dimension (the free one may have stored more).
    cells_ = static_cast<std::int64_t>(keys_.size());
    keys_.shrink_to_fit();
    min_len_.resize(keys_.size(), kUnreachable);
    min_len_.shrink_to_fit();
    free_min_len_.resize(keys_.size(), kUnreachable);
    free_min_len_.shrink_to_fit();
  }
}

int DimensionLattice::PairCost(UnitRule rule, const LatticeDim& u) const {
  PHYSR_DCHECK(rule == UnitRule::kProduct || rule == UnitRule::kQuotient,
               "PairCost is for mul and div");
  const std::int64_t cell = Cell(u);
  if (cell < 0) return kUnreachable;
  std::vector<std::uint8_t>& memo =
      rule == UnitRule::kProduct ? pair_product_memo_ : pair_quotient_memo_;
  std::uint8_t& slot = memo[static_cast<std::size_t>(cell)];
  if (slot != 0) return slot;
  int best = kUnreachable;
  for (int a = 1; a <= options_.max_length && a + min_cost_ < best; ++a) {
    for (const std::int32_t x_cell : FreeLevel(a)) {
      const LatticeDim x = DimAt(x_cell);
      const int other = rule == UnitRule::kProduct ? MinLen(u - x) : MinLen(x - u);
      if (other != kUnreachable) best = std::min(best, a + other);
    }
  }
  slot = static_cast<std::uint8_t>(std::min(best, kUnreachable));
  return slot;
}

void CheckTargetReachable(const DimensionLattice& lattice) {
  if (!lattice.target()) return;
  if (lattice.MinLen(*lattice.target()) <= lattice.max_length()) return;
  throw InputError("no dimensionally valid expression of length ≤ " +
                   std::to_string(lattice.max_length()) + " gives " +
                   lattice.target_dimension()->ToUnitString() + " from these variables");
}

}  // namespace physr
