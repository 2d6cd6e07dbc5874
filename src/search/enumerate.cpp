#include "physr/search/enumerate.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include "physr/core/error.hpp"
#include "physr/core/hash.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/eval/scalar_ops.hpp"
#include "physr/expr/dimension_hash.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/priors/structure_priors.hpp"

namespace physr {

std::string EnumerateText(const EnumerateOptions& options) {
  switch (options.mode) {
    case EnumerateMode::kOff:
      return "off";
    case EnumerateMode::kOn:
      return std::to_string(options.max_length);
    case EnumerateMode::kAuto:
      return "auto";
  }
  PHYSR_CHECK(false, "unknown enumerate mode");
}

void ParseEnumerate(std::string_view text, EnumerateOptions& options) {
  if (text == "off") {
    options.mode = EnumerateMode::kOff;
  } else if (text == "auto") {
    options.mode = EnumerateMode::kAuto;
  } else if (text == "on") {
    options.mode = EnumerateMode::kOn;
  } else {
    int length = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (error != std::errc() || end != text.data() + text.size() || length < 1 || length > 30) {
      throw InputError("enumerate: expected off, auto, on or a length from 1 to 30, not '" +
                       std::string(text) + "'");
    }
    options.mode = EnumerateMode::kOn;
    options.max_length = length;
  }
}

namespace {

// The value every free constant takes on the probe rows: generic, so that distinct
// expressions of a constant rarely agree there.
constexpr double kProbeConstant = 1.2345678901;
// Candidates between two polls of the stop callback.
constexpr std::int64_t kPollEvery = 4096;

// Nesting depths of the exp, log and trigonometric groups along the deepest path.
using Nesting = std::array<std::uint8_t, 3>;

// A kept constant-free complete program with its probe NRMSE and its place in the order built.
struct Scored {
  double nrmse;
  std::int64_t order;
  std::vector<TokenId> tokens;
};
// Better first: lower NRMSE, then built earlier.
bool Better(const Scored& a, const Scored& b) {
  return a.nrmse < b.nrmse || (a.nrmse == b.nrmse && a.order < b.order);
}

// No child: a terminal's operands, a unary operator's right operand.
constexpr std::uint32_t kNoChild = std::numeric_limits<std::uint32_t>::max();

// A subtree: its operator and its operands, entries of the store, so that a kept subtree costs
// 24 bytes whatever its length (its tokens are rebuilt when needed). Kept, its values on the
// probe rows live in the enumerator's value pool at index × rows.
struct Node {
  std::uint32_t left = kNoChild;
  std::uint32_t right = kNoChild;
  std::uint32_t dim = 0;        // interned dimension
  std::uint32_t constants = 0;  // bit i: free constant i is used
  TokenId op = 0;
  std::uint16_t length = 0;
  bool has_variable = false;
  Nesting nesting{};
};

// A subtree being built: its node (dim not yet interned) and its dimension; its values are in
// the enumerator's scratch row.
struct Candidate {
  Node node;
  Dimension dim;
};

// The dedup keys seen: open addressing with linear probing over a power-of-two table, at most
// three quarters full; about 11–21 bytes a key, against 40 for a node-based set.
class KeySet {
 public:
  // True when `key` was not in the set (it is now).
  bool Insert(std::uint64_t key) {
    if (key == 0) key = 1;  // 0 marks an empty slot
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    for (std::size_t i = Slot(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == key) return false;
      if (slots_[i] == 0) {
        slots_[i] = key;
        ++size_;
        return true;
      }
    }
  }

 private:
  // The high bits: Mix ends with a multiply, whose low bits depend only on low input bits.
  std::size_t Slot(std::uint64_t key) const {
    return static_cast<std::size_t>(key >> (64 - std::countr_zero(slots_.size())));
  }
  void Grow() {
    std::vector<std::uint64_t> old(std::max<std::size_t>(1024, slots_.size() * 2), 0);
    old.swap(slots_);
    for (const std::uint64_t key : old) {
      if (key == 0) continue;
      std::size_t i = Slot(key);
      while (slots_[i] != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = key;
    }
  }
  std::vector<std::uint64_t> slots_;
  std::size_t size_ = 0;
};

class Enumerator {
 public:
  Enumerator(const Library& library, const Dataset& probe, const std::optional<Dimension>& target,
             const EnumerateOptions& options, const std::function<bool()>& stop)
      : library_(library), target_(target), options_(options), stop_(stop) {
    rows_ = options_.dedup ? std::min<int>(options_.probe_rows, static_cast<int>(probe.rows())) : 0;
    if (options_.dedup && rows_ < 1) throw InputError("enumeration needs at least one probe row");
    for (const Token& t : library_.tokens()) {
      if (t.kind == TokenKind::kVariable && t.index >= probe.num_variables()) {
        throw InputError("enumeration: the probe data lack the column of variable " + t.name);
      }
    }
    limits_ = {options_.max_exp_nesting, options_.max_log_nesting, options_.max_trig_nesting};
    group_.assign(library_.size(), -1);
    for (TokenId id = 0; id < library_.size(); ++id) {
      const OpCode op = library_[id].op;
      const std::span<const OpCode> trig = TrigonometricOperators();
      if (op == OpCode::kExp) group_[id] = 0;
      if (op == OpCode::kLog) group_[id] = 1;
      if (std::find(trig.begin(), trig.end(), op) != trig.end()) group_[id] = 2;
    }
    target_values_.assign(probe.y.data(), probe.y.data() + rows_);
    target_scale_ = TargetScale(target_values_);
    probe_.resize(static_cast<std::size_t>(probe.num_variables() * rows_));
    for (int c = 0; c < probe.num_variables(); ++c) {
      for (int r = 0; r < rows_; ++r) {
        probe_[static_cast<std::size_t>(c * rows_ + r)] = probe.X(r, c);
      }
    }
    scratch_.assign(static_cast<std::size_t>(rows_), 0.0);
    // The store never grows past max_stored: reserving it up front costs address space, not
    // memory, and spares the copy (and twice the memory) of each reallocation.
    const auto stored = static_cast<std::size_t>(std::max<std::int64_t>(options_.max_stored, 0));
    nodes_.reserve(stored);
    values_.reserve(stored * static_cast<std::size_t>(rows_));
  }

  Enumeration Run() {
    const int n = options_.max_length;
    by_length_.assign(static_cast<std::size_t>(n) + 1, {});
    result_.count.assign(static_cast<std::size_t>(n) + 1, 0);
    for (int length = 1; length <= n; ++length) {
      if (!BuildLength(length)) break;
      result_.complete_length = length;
      if (full_) break;  // no subtree of this length was kept: it was the last
    }
    result_.stored = static_cast<std::int64_t>(nodes_.size());
    std::sort(free_.begin(), free_.end(), Better);
    for (Scored& f : free_) {
      Program p;
      p.tokens = std::move(f.tokens);
      result_.programs.push_back(std::move(p));
      result_.probe_nrmse.push_back(f.nrmse);
    }
    for (Program& p : fitted_) {
      result_.programs.push_back(std::move(p));
      result_.probe_nrmse.push_back(std::numeric_limits<double>::quiet_NaN());
    }
    return std::move(result_);
  }

 private:
  // Builds every subtree of `length` tokens; false when a budget or the stop ended it.
  bool BuildLength(int length) {
    length_ = length;
    if (length == 1) {
      for (TokenId id = 0; id < library_.size(); ++id) {
        if (library_[id].IsTerminal() && !Terminal(id)) return false;
      }
      return true;
    }
    for (TokenId id = 0; id < library_.size(); ++id) {
      const Token& op = library_[id];
      if (op.arity == 1 && !Unary(id, length - 1)) return false;
      if (op.arity == 2) {
        for (int left = 1; left <= length - 2; ++left) {
          if (!Binary(id, left, length - 1 - left)) return false;
        }
      }
    }
    return true;
  }

  bool Terminal(TokenId id) {
    const Token& t = library_[id];
    Candidate c;
    c.node.op = id;
    c.node.length = 1;
    c.dim = t.dimension;
    if (t.kind == TokenKind::kFreeConstant) {
      if (options_.max_free_constants < 1 || t.index >= 32) return true;
      c.node.constants = std::uint32_t{1} << t.index;
      std::fill(scratch_.begin(), scratch_.end(), kProbeConstant);
    } else if (t.kind == TokenKind::kVariable) {
      c.node.has_variable = true;
      for (int r = 0; r < rows_; ++r) scratch_[static_cast<std::size_t>(r)] = Probe(t.index, r);
    } else {
      std::fill(scratch_.begin(), scratch_.end(), t.value);
    }
    return Keep(c);
  }

  bool Unary(TokenId op_id, int child_length) {
    const Token& op = library_[op_id];
    for (const std::uint32_t e : by_length_[static_cast<std::size_t>(child_length)]) {
      const Node a = nodes_[e];
      if (a.constants != 0 && !a.has_variable) continue;  // a constant stays alone
      Candidate c;
      c.node = a;
      if (!Nest(op_id, c.node.nesting)) continue;
      std::optional<Dimension> dim = UnaryDimension(op, dims_[a.dim]);
      if (!dim) continue;
      c.node.op = op_id;
      c.node.left = e;
      c.node.right = kNoChild;
      c.node.length = static_cast<std::uint16_t>(length_);
      c.dim = *dim;
      if (!Values(op, c, e, kNoChild)) continue;
      if (!Keep(c)) return false;
    }
    return true;
  }

  bool Binary(TokenId op_id, int left_length, int right_length) {
    const Token& op = library_[op_id];
    for (const std::uint32_t l : by_length_[static_cast<std::size_t>(left_length)]) {
      for (const std::uint32_t r : by_length_[static_cast<std::size_t>(right_length)]) {
        const Node& a = nodes_[l];
        const Node& b = nodes_[r];
        if ((a.constants & b.constants) != 0) continue;  // each constant once
        const std::uint32_t constants = a.constants | b.constants;
        if (std::popcount(constants) > options_.max_free_constants) continue;
        // A subtree with a free constant and no variable is that constant alone.
        if (constants != 0 && !a.has_variable && !b.has_variable) continue;
        if (!Pair(op_id, op, l, r, constants)) return false;
      }
    }
    return true;
  }

  bool Pair(TokenId op_id, const Token& op, std::uint32_t l, std::uint32_t r,
            std::uint32_t constants) {
    const Node a = nodes_[l];
    const Node b = nodes_[r];
    std::optional<Dimension> dim = BinaryDimension(op_id, op, dims_[a.dim], dims_[b.dim], l, r);
    if (!dim) return true;
    // At the last length only the target's dimension can be used.
    if ((length_ == options_.max_length || full_) && target_ && *dim != *target_) return Count();
    Candidate c;
    c.node.op = op_id;
    c.node.left = l;
    c.node.right = r;
    c.node.length = static_cast<std::uint16_t>(length_);
    c.dim = *dim;
    c.node.constants = constants;
    c.node.has_variable = a.has_variable || b.has_variable;
    for (std::size_t g = 0; g < c.node.nesting.size(); ++g) {
      c.node.nesting[g] = std::max(a.nesting[g], b.nesting[g]);
    }
    if (!Nest(op_id, c.node.nesting)) return true;
    if (!Values(op, c, l, r)) return true;
    return Keep(c);
  }

  // Adds operator `id` on top of a subtree with `nesting`; false past a limit.
  bool Nest(TokenId id, Nesting& nesting) const {
    const int g = group_[id];
    if (g < 0) return true;
    const auto gi = static_cast<std::size_t>(g);
    ++nesting[gi];
    return limits_[gi] < 1 || nesting[gi] <= limits_[gi];
  }

  static double TargetScale(const std::vector<double>& y) {
    if (y.empty()) return 1.0;
    double mean = 0.0;
    for (const double v : y) mean += v / static_cast<double>(y.size());
    double var = 0.0;
    double square = 0.0;
    for (const double v : y) {
      var += (v - mean) * (v - mean);
      square += v * v;
    }
    const double scale = std::sqrt(var / static_cast<double>(y.size()));
    return scale > 0.0 ? scale : std::sqrt(square / static_cast<double>(y.size()));
  }

  // The candidate's NRMSE against the probe target (0 without probe rows; at least 1e-12, so
  // that programs exact to round-off tie and keep their order).
  double ProbeNrmse() const {
    if (rows_ == 0) return 0.0;
    double sum = 0.0;
    for (int r = 0; r < rows_; ++r) {
      const double d =
          scratch_[static_cast<std::size_t>(r)] - target_values_[static_cast<std::size_t>(r)];
      sum += d * d;
    }
    const double nrmse = std::sqrt(sum / rows_) / target_scale_;
    return std::isfinite(nrmse) ? std::max(nrmse, 1e-12) : std::numeric_limits<double>::infinity();
  }

  // A complete program with the target dimension: counted, and kept when among the best
  // constant-free ones or the first with constants.
  // At the last length (`unseen`: not yet checked for duplicates) only a program that would be
  // kept is looked up, which keeps the set of values seen small.
  void Found(const Candidate& c, bool unseen) {
    ++result_.count[static_cast<std::size_t>(length_)];
    const auto duplicate = [&] {
      return unseen && options_.dedup && !seen_.Insert(Key(c.node, Intern(c.dim)));
    };
    if (c.node.constants != 0) {
      if (static_cast<std::int64_t>(fitted_.size()) >= options_.keep_fitted || duplicate()) {
        return;
      }
      fitted_.push_back(Tokens(c.node));
      return;
    }
    if (options_.keep_free <= 0) return;
    Scored scored{ProbeNrmse(), order_++, {}};
    const bool room = static_cast<std::int64_t>(free_.size()) < options_.keep_free;
    if ((!room && !Better(scored, free_.front())) || duplicate()) return;
    scored.tokens = Tokens(c.node).tokens;
    if (room) {
      free_.push_back(std::move(scored));
      std::push_heap(free_.begin(), free_.end(), Better);  // the worst on top
    } else {
      std::pop_heap(free_.begin(), free_.end(), Better);
      free_.back() = std::move(scored);
      std::push_heap(free_.begin(), free_.end(), Better);
    }
  }

  static std::optional<Dimension> UnaryDimension(const Token& op, const Dimension& a) {
    try {
      switch (op.rule) {
        case UnitRule::kPower:
          return a.Pow(op.power);
        case UnitRule::kPreserve:
          return a;
        case UnitRule::kDimensionless:
          if (a.IsDimensionless()) return Dimension();
          return std::nullopt;
        default:
          return std::nullopt;
      }
    } catch (const std::overflow_error&) {
      return std::nullopt;
    } catch (const std::domain_error&) {
      return std::nullopt;
    }
  }

  std::optional<Dimension> BinaryDimension(TokenId op_id, const Token& op, const Dimension& a,
                                           const Dimension& b, std::uint32_t left,
                                           std::uint32_t right) const {
    try {
      switch (op.rule) {
        case UnitRule::kSame:
          if (a == b) return a;
          return std::nullopt;
        case UnitRule::kProduct:
          return a * b;
        case UnitRule::kQuotient:
          return a / b;
        case UnitRule::kDimensionless:
          if (a.IsDimensionless() && b.IsDimensionless()) return Dimension();
          return std::nullopt;
        default: {  // pow and the rest: the reference checker decides
          Node node;
          node.op = op_id;
          node.left = left;
          node.right = right;
          const UnitCheckResult check = CheckUnits(Tokens(node), library_);
          if (check.ok) return check.dimension;
          return std::nullopt;
        }
      }
    } catch (const std::overflow_error&) {
      return std::nullopt;
    } catch (const std::domain_error&) {
      return std::nullopt;
    }
  }

  // The candidate's values on the probe rows (into the scratch row), from its operands'; false
  // when it is to be dropped (a constant-free value that is not finite).
  bool Values(const Token& op, const Candidate& c, std::uint32_t a, std::uint32_t b) {
    if (rows_ == 0) return true;
    if (op.op == OpCode::kDefined) {
      DefinedValues(c.node);
    } else if (b == kNoChild) {
      const double* x = Stored(a);
      for (int r = 0; r < rows_; ++r)
        scratch_[static_cast<std::size_t>(r)] = ApplyUnary(op.op, x[r]);
    } else {
      const double* x = Stored(a);
      const double* y = Stored(b);
      for (int r = 0; r < rows_; ++r) {
        scratch_[static_cast<std::size_t>(r)] = ApplyBinary(op.op, x[r], y[r]);
      }
    }
    if (c.node.constants != 0) return true;
    for (const double v : scratch_) {
      if (!std::isfinite(v)) return false;
    }
    return true;
  }

  // A defined operator's values: the whole candidate compiled and evaluated row by row.
  void DefinedValues(const Node& node) {
    const CompiledProgram compiled = Compile(Tokens(node), library_);
    const std::vector<double> constants(static_cast<std::size_t>(library_.num_free_constants()),
                                        kProbeConstant);
    std::vector<double> row(probe_.size() / static_cast<std::size_t>(rows_));
    for (int r = 0; r < rows_; ++r) {
      for (std::size_t col = 0; col < row.size(); ++col) row[col] = Probe(static_cast<int>(col), r);
      scratch_[static_cast<std::size_t>(r)] = EvaluateScalar(compiled, row, constants);
    }
  }

  double Probe(int column, int row) const {
    return probe_[static_cast<std::size_t>(column * rows_ + row)];
  }

  const double* Stored(std::uint32_t node) const {
    return values_.data() + static_cast<std::size_t>(node) * static_cast<std::size_t>(rows_);
  }

  // The program of a node, in prefix order.
  Program Tokens(const Node& node) const {
    Program p;
    p.tokens.reserve(node.length);
    AppendTokens(node, p.tokens);
    return p;
  }

  void AppendTokens(const Node& node, std::vector<TokenId>& out) const {
    out.push_back(node.op);
    if (node.left != kNoChild) AppendTokens(nodes_[node.left], out);
    if (node.right != kNoChild) AppendTokens(nodes_[node.right], out);
  }

  // The dedup key: dimension, number of constants and the rounded values.
  std::uint64_t Key(const Node& node, std::uint32_t dim) const {
    std::uint64_t h =
        Mix(Mix(0x454e554dULL, dim), static_cast<std::uint64_t>(std::popcount(node.constants)));
    for (const double v : scratch_) {
      if (!std::isfinite(v)) {
        h = Mix(h, std::isnan(v) ? 1 : (v > 0 ? 2 : 3));
        continue;
      }
      int exponent = 0;
      const double mantissa = std::frexp(v, &exponent);
      auto rounded = static_cast<std::int64_t>(std::llround(std::ldexp(mantissa, 40)));
      if (rounded == (std::int64_t{1} << 40) || rounded == -(std::int64_t{1} << 40)) {
        rounded /= 2;  // 0.99999999999999989 rounds up to 1: written as 1 is, 0.5·2¹
        ++exponent;
      }
      h = Mix(Mix(h, static_cast<std::uint64_t>(rounded)),
              static_cast<std::uint64_t>(rounded == 0 ? 0 : exponent));
    }
    return h;
  }

  std::uint32_t Intern(const Dimension& d) {
    const auto [it, added] = dim_ids_.try_emplace(d, static_cast<std::uint32_t>(dims_.size()));
    if (added) dims_.push_back(d);
    return it->second;
  }

  // Counts a candidate built; false when a budget or the stop ends the run.
  bool Count() {
    ++result_.candidates;
    if (result_.candidates % kPollEvery == 0 && stop_ && stop_()) {
      result_.stopped = true;
      return false;
    }
    return result_.candidates <= options_.max_candidates;
  }

  // Counts a candidate and keeps it when new; false when a budget or the stop ends the run.
  bool Keep(Candidate& c) {
    if (!Count()) return false;
    const bool last = length_ == options_.max_length || full_;
    const bool target = !target_ || c.dim == *target_;
    if (last) {  // no longer subtree uses it: only a program of the target's dimension counts
      if (target) Found(c, true);
      return true;
    }
    c.node.dim = Intern(c.dim);
    if (options_.dedup && !seen_.Insert(Key(c.node, c.node.dim))) return true;
    if (target) Found(c, false);
    if (static_cast<std::int64_t>(nodes_.size()) >= options_.max_stored) {
      // The store is full: this length is the last, its programs are no longer kept as
      // subtrees, and those of other dimensions are dropped.
      full_ = true;
      by_length_[static_cast<std::size_t>(length_)].clear();
      return true;
    }
    values_.insert(values_.end(), scratch_.begin(), scratch_.end());
    by_length_[static_cast<std::size_t>(length_)].push_back(
        static_cast<std::uint32_t>(nodes_.size()));
    nodes_.push_back(c.node);
    return true;
  }

  const Library& library_;
  const std::optional<Dimension>& target_;
  const EnumerateOptions& options_;
  const std::function<bool()>& stop_;
  int rows_ = 0;
  std::vector<double> probe_;  // column-major, rows_ per column
  int length_ = 0;             // the length being built
  bool full_ = false;          // the store filled while building length_
  std::vector<Node> nodes_;    // the kept subtrees
  std::vector<std::vector<std::uint32_t>> by_length_;
  std::vector<double> values_;   // rows_ per kept subtree
  std::vector<double> scratch_;  // the values of the candidate being built
  std::vector<Dimension> dims_;
  std::unordered_map<Dimension, std::uint32_t, units::DimensionHash> dim_ids_;
  KeySet seen_;
  std::array<int, 3> limits_{};
  std::vector<int> group_;  // per token: its nesting group, -1 for none
  std::vector<double> target_values_;
  double target_scale_ = 1.0;
  std::vector<Scored> free_;  // a heap, the worst on top
  std::vector<Program> fitted_;
  std::int64_t order_ = 0;
  Enumeration result_;
};

}  // namespace

Enumeration EnumeratePrograms(const Library& library, const Dataset& probe,
                              const std::optional<Dimension>& target,
                              const EnumerateOptions& options, const std::function<bool()>& stop) {
  PHYSR_CHECK(options.max_length >= 1 && options.max_length < 65536, "enumeration length");
  return Enumerator(library, probe, target, options, stop).Run();
}

}  // namespace physr
