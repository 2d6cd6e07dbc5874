#include "physr/search/pareto_front.hpp"

#include <algorithm>
#include <cmath>

#include "physr/data/statistics.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"

namespace physr {
namespace {

// Whether `a` is the simpler of two forms of one model: lower complexity, then fewer tokens,
// then the token sequence.
bool Simpler(const FrontEntry& a, const FrontEntry& b) {
  if (a.complexity != b.complexity) return a.complexity < b.complexity;
  if (a.program.tokens.size() != b.program.tokens.size()) {
    return a.program.tokens.size() < b.program.tokens.size();
  }
  return a.program.tokens < b.program.tokens;
}

}  // namespace

bool SamePredictions(std::span<const double> a, std::span<const double> b,
                     std::span<const double> y, double scale, double tolerance) {
  if (a.size() != b.size() || a.size() != y.size()) return false;
  if (a.empty()) return true;
  double apart = 0.0, error_a = 0.0, error_b = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return false;
    apart += (a[i] - b[i]) * (a[i] - b[i]);
    error_a += (a[i] - y[i]) * (a[i] - y[i]);
    error_b += (b[i] - y[i]) * (b[i] - y[i]);
  }
  // Compared as sums of squares: the same rows divide all three.
  return apart <= tolerance * tolerance * scale * scale * static_cast<double>(a.size()) &&
         apart <= kSameModelErrorShare * kSameModelErrorShare * std::min(error_a, error_b);
}

void ParetoFront::KeepDistinctModels(const Library& library, const Dataset& data,
                                     double tolerance) {
  if (data.rows() == 0) return;
  const double spread = Spread(data.y);
  const double scale = spread > 0.0 && std::isfinite(spread)
                           ? spread
                           : std::max(data.y.cwiseAbs().maxCoeff(), 1e-300);
  const std::span<const double> y(data.y.data(), static_cast<std::size_t>(data.rows()));
  std::vector<std::vector<double>> values(entries_.size());
  Evaluator evaluator;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Program& p = entries_[i].program;
    values[i].resize(y.size());
    if (!evaluator.Evaluate(Compile(p, library), data.X, p.constants, values[i])) values[i].clear();
  }
  // keep[i]: entry i is the simplest form of its model seen among the entries.
  std::vector<bool> keep(entries_.size(), true);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    for (std::size_t j = i + 1; j < entries_.size(); ++j) {
      if (!keep[i] || !keep[j] || values[i].empty() || values[j].empty() ||
          !SamePredictions(values[i], values[j], y, scale, tolerance)) {
        continue;
      }
      if (Simpler(entries_[j], entries_[i])) {
        keep[i] = false;
      } else {
        keep[j] = false;
      }
    }
  }
  std::vector<FrontEntry> kept;
  std::vector<double> kept_keys;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (!keep[i]) continue;
    kept.push_back(std::move(entries_[i]));
    kept_keys.push_back(keys_[i]);
  }
  entries_ = std::move(kept);
  keys_ = std::move(kept_keys);
}

ParetoFront::ParetoFront(const Library& library, double rows)
    : free_constant_(library.size(), false),
      constant_price_(rows > 1.0 ? std::log(rows) / (2.0 * rows) : 0.0) {
  for (std::size_t id = 0; id < library.size(); ++id) {
    free_constant_[id] = library[static_cast<TokenId>(id)].kind == TokenKind::kFreeConstant;
  }
}

ParetoFront ParetoFront::Emptied() const {
  ParetoFront empty;
  empty.free_constant_ = free_constant_;
  empty.constant_price_ = constant_price_;
  return empty;
}

double ParetoFront::Key(const FrontEntry& entry) const {
  if (constant_price_ == 0.0) return entry.loss;
  // The distinct free constants, as CountFreeConstants counts them (one token per constant).
  const std::vector<TokenId>& tokens = entry.program.tokens;
  int constants = 0;
  for (auto it = tokens.begin(); it != tokens.end(); ++it) {
    const auto index = static_cast<std::size_t>(*it);
    if (index < free_constant_.size() && free_constant_[index] &&
        std::find(tokens.begin(), it, *it) == it) {
      ++constants;
    }
  }
  // SelectionCriterion's terms of the loss and the constants, divided by 2 · rows.
  return std::log(std::max(entry.loss, 1e-300)) + constant_price_ * constants;
}

// Strict order used to break exact ties: lower key, then lower loss, then lower complexity,
// then the token sequence. Makes the front independent of arrival order.
bool ParetoFront::Better(const FrontEntry& a, double key_a, const FrontEntry& b, double key_b) {
  if (key_a != key_b) return key_a < key_b;
  if (a.loss != b.loss) return a.loss < b.loss;
  if (a.complexity != b.complexity) return a.complexity < b.complexity;
  return a.program.tokens < b.program.tokens;
}

bool ParetoFront::Accepts(const FrontEntry& entry) const { return Accepts(entry, Key(entry)); }

bool ParetoFront::Accepts(const FrontEntry& entry, double key) const {
  if (!std::isfinite(entry.loss) || !std::isfinite(entry.complexity)) return false;
  // Dominated by an entry at most as complex with a key at most as low (ties resolved by
  // Better so that exactly one of two equal candidates is kept)?
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const FrontEntry& e = entries_[i];
    if (e.complexity <= entry.complexity && keys_[i] <= key) {
      if (e.complexity < entry.complexity || keys_[i] < key) return false;
      if (!Better(entry, key, e, keys_[i])) return false;
    }
  }
  return true;
}

bool ParetoFront::Offer(FrontEntry entry) {
  const double key = Key(entry);
  if (!Accepts(entry, key)) return false;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entry.complexity <= entries_[i].complexity && key <= keys_[i]) continue;
    if (kept != i) {
      entries_[kept] = std::move(entries_[i]);
      keys_[kept] = keys_[i];
    }
    ++kept;
  }
  entries_.resize(kept);
  keys_.resize(kept);
  const auto pos = std::lower_bound(
      entries_.begin(), entries_.end(), entry,
      [](const FrontEntry& a, const FrontEntry& b) { return a.complexity < b.complexity; });
  keys_.insert(keys_.begin() + (pos - entries_.begin()), key);
  entries_.insert(pos, std::move(entry));
  return true;
}

const FrontEntry* ParetoFront::MostAccurate() const {
  const FrontEntry* best = nullptr;
  for (const FrontEntry& e : entries_) {
    if (best == nullptr || e.loss < best->loss) best = &e;
  }
  return best;
}

double SelectionCriterion(double loss, double complexity, int free_constants, double rows,
                          double penalty) {
  return 2.0 * rows * std::log(std::max(loss, 1e-300)) + penalty * complexity +
         std::log(std::max(rows, 1.0)) * free_constants;
}

double SelectionCriterion(std::span<const TokenId> tokens, const Library& library, double loss,
                          double rows, double penalty) {
  return SelectionCriterion(loss, Complexity(tokens, library), CountFreeConstants(tokens, library),
                            rows, penalty);
}

const FrontEntry* ParetoFront::Best(double good_enough_loss, double rows, const Library& library,
                                    double penalty) const {
  // The simplest good-enough entry (with constants priced the last entry need not be the
  // most accurate one).
  for (const FrontEntry& e : entries_) {
    if (e.loss <= good_enough_loss) return &e;
  }
  const FrontEntry* best = nullptr;
  double best_criterion = 0.0;
  for (const FrontEntry& e : entries_) {
    const double criterion = SelectionCriterion(
        e.loss, e.complexity, CountFreeConstants(e.program.tokens, library), rows, penalty);
    if (best == nullptr || criterion < best_criterion) {
      best = &e;
      best_criterion = criterion;
    }
  }
  return best;
}

}  // namespace physr
