#include "physr/search/simplify.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "physr/data/statistics.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/eval/stability.hpp"
#include "physr/expr/canonical.hpp"
#include "physr/expr/exact_number.hpp"
#include "physr/expr/unit_check.hpp"

namespace physr {
namespace {

using Tokens = std::vector<TokenId>;

Tokens Slice(const Tokens& tokens, int begin, int end) {
  return Tokens(tokens.begin() + begin, tokens.begin() + end);
}

// Mean value of the subtree tokens[begin, end) over the data: a start for the constant that
// replaces it (1.0 when it is not finite).
double MeanValue(const Program& program, int begin, int end, const Library& library,
                 const Dataset& data) {
  Program sub;
  sub.tokens = Slice(program.tokens, begin, end);
  sub.constants = program.constants;
  const CompiledProgram compiled = Compile(sub, library);
  const std::vector<double>& constants = program.constants;
  std::vector<double> values(static_cast<std::size_t>(data.rows()));
  Evaluator evaluator;
  if (!evaluator.Evaluate(compiled, data.X, constants, values)) return 1.0;
  double sum = 0.0;
  for (double v : values) sum += v;
  const double mean = values.empty() ? 1.0 : sum / static_cast<double>(values.size());
  return std::isfinite(mean) && mean != 0.0 ? mean : 1.0;
}

struct Candidate {
  Tokens replacement;
  int fold_slot = -1;  // a free-constant slot to start at fold_value
  double fold_value = 1.0;
};

// Gives every free-constant slot a value: the library's start value where `constants` has none.
void FillConstantSlots(std::vector<double>& constants, const Library& library) {
  const auto slots = static_cast<std::size_t>(library.num_free_constants());
  if (constants.size() >= slots) return;
  const std::size_t had = constants.size();
  constants.resize(slots);
  for (TokenId id = 0; id < library.size(); ++id) {
    const Token& t = library[id];
    const auto slot = static_cast<std::size_t>(t.index);
    if (t.kind == TokenKind::kFreeConstant && slot >= had) constants[slot] = t.value;
  }
}

// The library's tokens that the edits write.
struct EditTokens {
  std::vector<TokenId> folding;  // dimensionless free constants
  std::optional<TokenId> one;    // the number 1, when the library has it
  std::optional<TokenId> neg;
  std::optional<TokenId> add;
  std::optional<TokenId> sub;
  // The exact numbers (ExactNumberOf) the library has besides 1, simplest first, with values.
  std::vector<std::pair<TokenId, double>> numbers;
};

EditTokens FindEditTokens(const Library& library) {
  EditTokens edit;
  for (TokenId id = 0; id < library.size(); ++id) {
    const Token& t = library[id];
    if (t.kind == TokenKind::kFreeConstant && t.dimension.IsDimensionless()) {
      edit.folding.push_back(id);
    }
    if (!edit.one && t.kind == TokenKind::kFixedConstant && t.value == 1.0 &&
        t.dimension.IsDimensionless()) {
      edit.one = id;
    }
  }
  edit.neg = library.FindOperator(OpCode::kNeg);
  edit.add = library.FindOperator(OpCode::kAdd);
  edit.sub = library.FindOperator(OpCode::kSub);
  for (const ExactNumber& n : SimpleNumbers()) {
    const std::optional<TokenId> id = library.FindTerminal(n.Text());
    if (id && ExactNumberOf(library[*id])) edit.numbers.emplace_back(*id, n.Value());
  }
  return edit;
}

// The candidate edits of each node of one program.
class CandidateFinder {
 public:
  CandidateFinder(const Program& program, const Library& library, const EditTokens& edit,
                  const Dataset& data)
      : program_(program),
        tokens_(program.tokens),
        library_(library),
        edit_(edit),
        data_(data),
        ends_(SubtreeEnds(tokens_, library)),
        dims_(SubtreeDimensions(tokens_, library)) {}

  // End of the subtree at position i.
  int End(int i) const { return ends_[static_cast<std::size_t>(i)]; }

  // The edits of the subtree at position i, larger removals first.
  std::vector<Candidate> At(int i) const {
    std::vector<Candidate> candidates;
    const Token& t = library_[tokens_[static_cast<std::size_t>(i)]];
    if (t.IsTerminal()) {
      // A dimensionless free constant that fits as 1 or −1 becomes the number; tried when
      // it is within 10 % of it.
      if (edit_.one && Near(i, 1.0)) candidates.push_back({Tokens{*edit_.one}});
      if (edit_.one && edit_.neg && Near(i, -1.0)) {
        candidates.push_back({Tokens{*edit_.neg, *edit_.one}});
      }
      // So does one within 10 % of a simple exact number (1/2, 2, pi, 2*pi, ...), simplest
      // first; a negative one as `neg` of it.
      for (const auto& [id, value] : edit_.numbers) {
        if (Near(i, value)) candidates.push_back({Tokens{id}});
        if (edit_.neg && Near(i, -value)) candidates.push_back({Tokens{*edit_.neg, id}});
      }
    } else {
      AddOperandEdits(t.op, i, candidates);
      AddFold(t.op, i, candidates);
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& x, const Candidate& y) {
                       return x.replacement.size() < y.replacement.size();
                     });
    return candidates;
  }

 private:
  // Whether the token at position b is a dimensionless free constant within 10 % of the
  // nonzero `value` (±1 or an exact number): the constants tried as the number.
  bool Near(int b, double value) const {
    const Token& c = library_[tokens_[static_cast<std::size_t>(b)]];
    return c.kind == TokenKind::kFreeConstant && c.dimension.IsDimensionless() &&
           std::abs(program_.constants[static_cast<std::size_t>(c.index)] - value) <=
               0.1 * std::abs(value);
  }

  // Whether the token at position b is the number 1 or an exact number.
  bool IsNumber(int b) const {
    const TokenId id = tokens_[static_cast<std::size_t>(b)];
    return id == edit_.one || std::any_of(edit_.numbers.begin(), edit_.numbers.end(),
                                          [id](const auto& n) { return n.first == id; });
  }

  // Whether the subtree rooted at position b checks and is dimensionless.
  bool Dimensionless(int b) const {
    const std::optional<Dimension>& d = dims_[static_cast<std::size_t>(b)];
    return d && d->IsDimensionless();
  }

  // Keeps only the operand tokens[b, e).
  void Keep(int b, int e, std::vector<Candidate>& candidates) const {
    candidates.push_back({Slice(tokens_, b, e)});
  }

  // An operand near −1 of add, sub, mul or div: its sign goes into the operator
  // (x + k → x − 1, x − k → x + 1, x·k and x/k → −x), which costs no token, where
  // `neg 1` costs one. Builds `op` over tokens[b, e), then 1 if plus_one.
  void SignedForm(std::optional<TokenId> op, int b, int e, bool plus_one,
                  std::vector<Candidate>& candidates) const {
    if (!op || (plus_one && !edit_.one)) return;
    Tokens form{*op};
    form.insert(form.end(), tokens_.begin() + b, tokens_.begin() + e);
    if (plus_one) form.push_back(*edit_.one);
    candidates.push_back({std::move(form)});
  }

  // Edits of the operator at position i that keep one operand or move a sign into it.
  void AddOperandEdits(OpCode op, int i, std::vector<Candidate>& candidates) const {
    const int end = End(i);
    const int a = i + 1;
    const int a_end = End(a);
    switch (op) {
      case OpCode::kAdd:
        Keep(a, a_end, candidates);
        Keep(a_end, end, candidates);
        if (Near(a_end, -1.0)) SignedForm(edit_.sub, a, a_end, true, candidates);
        if (Near(a, -1.0)) SignedForm(edit_.sub, a_end, end, true, candidates);
        break;
      case OpCode::kSub:
        Keep(a, a_end, candidates);
        SignedForm(edit_.neg, a_end, end, false, candidates);  // C - x → -x
        if (Near(a_end, -1.0)) SignedForm(edit_.add, a, a_end, true, candidates);
        break;
      case OpCode::kNeg:
        Keep(a, a_end, candidates);
        break;
      case OpCode::kMul:
        if (Dimensionless(a)) Keep(a_end, end, candidates);
        if (Dimensionless(a_end)) Keep(a, a_end, candidates);
        if (Near(a_end, -1.0)) SignedForm(edit_.neg, a, a_end, false, candidates);
        if (Near(a, -1.0)) SignedForm(edit_.neg, a_end, end, false, candidates);
        break;
      case OpCode::kDiv:
        if (Dimensionless(a_end)) Keep(a, a_end, candidates);
        if (Near(a_end, -1.0)) SignedForm(edit_.neg, a, a_end, false, candidates);
        break;
      default:
        break;
    }
  }

  // Fold a dimensionless subtree into a constant the rest of the program does not use;
  // not `neg 1` or `neg 3/2`, which only a constant written as a negative number makes
  // (folding would undo that).
  void AddFold(OpCode op, int i, std::vector<Candidate>& candidates) const {
    const int end = End(i);
    if (!Dimensionless(i) || (end - i == 2 && op == OpCode::kNeg && IsNumber(i + 1))) return;
    for (TokenId k : edit_.folding) {
      const auto outside = std::count(tokens_.begin(), tokens_.begin() + i, k) +
                           std::count(tokens_.begin() + end, tokens_.end(), k);
      if (outside != 0) continue;
      candidates.push_back(
          {Tokens{k}, library_[k].index, MeanValue(program_, i, end, library_, data_)});
      break;
    }
  }

  const Program& program_;
  const Tokens& tokens_;
  const Library& library_;
  const EditTokens& edit_;
  const Dataset& data_;
  std::vector<int> ends_;
  std::vector<std::optional<Dimension>> dims_;
};

// Greedy simplification rounds over one program.
class Simplifier {
 public:
  Simplifier(const Library& library, const Dataset& data, const SimplifyOptions& options,
             const Dimension& target, const SimplifyRefit& refit)
      : library_(library),
        data_(data),
        options_(options),
        target_(target),
        edit_(FindEditTokens(library)),
        refit_(refit) {}

  // Keeps the first change (in prefix order of the node it edits, larger edits first) whose
  // refit passes; false when none does.
  bool Round(Simplified& out) const {
    const CandidateFinder finder(out.program, library_, edit_, data_);
    const double limit = options_.AcceptLimit(out.fit.nrmse);
    const double current = options_.rows > 0.0 ? Criterion(out.program.tokens, out.fit.nrmse) : 0.0;
    const auto n = static_cast<int>(out.program.tokens.size());
    for (int i = 0; i < n; ++i) {
      if (TryCandidates(out, i, finder.End(i), finder.At(i), limit, current)) return true;
    }
    return false;
  }

 private:
  double Criterion(const Tokens& tokens, double nrmse) const {
    return SelectionCriterion(tokens, library_, nrmse, options_.rows, options_.penalty);
  }

  // Whether a refit of `next` is as good as the fit it would replace: within `limit`, or on
  // noisy data not raising the criterion above `current`.
  bool Passes(const Tokens& next, const FitResult& refit, double limit, double current) const {
    if (!refit.finite) return false;
    if (refit.nrmse <= limit) return true;
    return options_.rows > 0.0 && Criterion(next, refit.nrmse) <= current;
  }

  // Puts each candidate in place of the subtree [i, end) in turn and keeps the first whose
  // refit passes; false when none does.
  bool TryCandidates(Simplified& out, int i, int end, const std::vector<Candidate>& candidates,
                     double limit, double current) const {
    const Tokens& tokens = out.program.tokens;
    for (const Candidate& c : candidates) {
      Program next;
      next.tokens = Slice(tokens, 0, i);
      next.tokens.insert(next.tokens.end(), c.replacement.begin(), c.replacement.end());
      next.tokens.insert(next.tokens.end(), tokens.begin() + end, tokens.end());
      next.constants = out.program.constants;
      if (c.fold_slot >= 0) next.constants[static_cast<std::size_t>(c.fold_slot)] = c.fold_value;
      if (!CheckUnits(next, library_, target_).ok) continue;
      ++out.refits;
      FitResult refit = refit_(next);
      if (!Passes(next.tokens, refit, limit, current)) continue;
      next.constants = refit.constants;
      out.program = std::move(next);
      out.fit = std::move(refit);
      ++out.changes;
      return true;
    }
    return false;
  }

  const Library& library_;
  const Dataset& data_;
  const SimplifyOptions& options_;
  Dimension target_;
  EditTokens edit_;
  const SimplifyRefit& refit_;
};

}  // namespace

Simplified SimplifyProgram(const Program& program, const FitResult& fit, const Library& library,
                           const Dataset& data, const SimplifyOptions& options) {
  FitOptions fit_options = options.fit;
  fit_options.compute_uncertainties = false;
  const SimplifyRefit refit = [&](const Program& next) {
    return FitConstants(next, library, data, fit_options);
  };
  return SimplifyProgram(program, fit, library, data, options, refit);
}

Simplified SimplifyProgram(const Program& program, const FitResult& fit, const Library& library,
                           const Dataset& data, const SimplifyOptions& options,
                           const SimplifyRefit& refit) {
  Simplified out{program, fit, 0, 0};
  // Every slot holds a value, so edits can set and refits warm-start any of them.
  FillConstantSlots(out.program.constants, library);
  const UnitCheckResult root = CheckUnits(program, library);
  if (!root.ok || !fit.finite) return out;
  const Simplifier simplifier(library, data, options, root.dimension, refit);
  while (out.changes < options.max_changes) {
    if (!simplifier.Round(out)) break;
  }
  return out;
}

namespace {

// Values of `program` on every row of `data`; empty when they cannot be computed.
std::vector<double> ValuesOn(const Program& program, const Library& library, const Dataset& data) {
  std::vector<double> values(static_cast<std::size_t>(data.rows()));
  Evaluator evaluator;
  if (!evaluator.Evaluate(Compile(program, library), data.X, program.constants, values)) return {};
  return values;
}

}  // namespace

bool RewriteAgrees(const Program& original, const Program& rewrite, const Library& library,
                   const Dataset& data) {
  const std::vector<double> before = ValuesOn(original, library, data);
  const std::vector<double> after = ValuesOn(rewrite, library, data);
  if (before.empty() || after.size() != before.size()) return false;
  double apart = 0.0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (!std::isfinite(after[i])) return false;
    apart += (before[i] - after[i]) * (before[i] - after[i]);
  }
  const double spread = Spread(data.y);
  const double scale = spread > 0.0 && std::isfinite(spread) ? spread : 1e-300;
  return std::sqrt(apart / static_cast<double>(before.size())) <= 1e-9 * scale;
}

std::optional<std::pair<Program, FitResult>> SimplifyAgainstNoise(
    const Program& program, const FitResult& fit, const Library& library, const Dataset& data,
    const FitOptions& final_fit, const NoiseSimplification& noise) {
  const Dataset& rows = *noise.rows;
  const FitResult rows_fit =
      rows.rows() == data.rows() ? fit : FitConstants(program, library, rows, noise.options.fit);
  if (!rows_fit.finite) return std::nullopt;
  const Simplified simple = SimplifyProgram(program, rows_fit, library, rows, noise.options);
  if (simple.changes == 0) return std::nullopt;
  FitResult refit = FitConstants(simple.program, library, data, final_fit);
  Program fitted = simple.program;
  fitted.constants = refit.constants;
  const double effective = EffectiveRows(data);
  const auto criterion = [&](const Program& p, double nrmse) {
    return SelectionCriterion(p.tokens, library, nrmse, effective, noise.options.penalty);
  };
  if (!refit.finite ||
      (refit.nrmse > noise.options.AcceptLimit(fit.nrmse) &&
       criterion(simple.program, refit.nrmse) > criterion(program, fit.nrmse)) ||
      !NumericallyStable(fitted, library, data)) {
    return std::nullopt;
  }
  return std::make_pair(std::move(fitted), std::move(refit));
}

namespace {

// The canonical form of `program` refitted on `data`, when it passes (CanonicalizeFront).
std::optional<std::pair<Program, FitResult>> CanonicalFit(const Program& program,
                                                          const FitResult& fit,
                                                          const Library& library,
                                                          const Dataset& data,
                                                          const FitOptions& options) {
  std::optional<Program> canonical = Canonicalize(program, library);
  if (!canonical || !RewriteAgrees(program, *canonical, library, data)) return std::nullopt;
  FitResult refit = FitConstants(*canonical, library, data, options);
  if (!refit.finite || refit.nrmse > SimplifyOptions{}.AcceptLimit(fit.nrmse)) return std::nullopt;
  canonical->constants = refit.constants;
  if (!NumericallyStable(*canonical, library, data)) return std::nullopt;
  return std::make_pair(std::move(*canonical), std::move(refit));
}

// A canonical rewrite (`rewrite`, its fit on `data`) with the constants the noise cannot tell
// from numbers written as them, in canonical form again (CanonicalizeFront with `noise`).
std::optional<std::pair<Program, FitResult>> NumbersWritten(
    const std::pair<Program, FitResult>& rewrite, const Library& library, const Dataset& data,
    const FitOptions& options, const NoiseSimplification& noise) {
  const auto& [program, fit] = rewrite;
  if (CountFreeConstants(program.tokens, library) == 0) return std::nullopt;
  std::optional<std::pair<Program, FitResult>> simple =
      SimplifyAgainstNoise(program, fit, library, data, options, noise);
  if (!simple) return std::nullopt;
  std::optional<std::pair<Program, FitResult>> canonical =
      CanonicalFit(simple->first, simple->second, library, data, options);
  return canonical ? canonical : simple;
}

}  // namespace

void CanonicalizeFront(ParetoFront& front, std::vector<std::pair<Program, FitResult>>& fits,
                       const Library& library, const Dataset& data, const FitOptions& fit,
                       double exact_nrmse, const NoiseSimplification* noise) {
  ParetoFront canonical_front = front.Emptied();
  std::vector<std::pair<Program, FitResult>> rewrites;
  for (const FrontEntry& e : front.entries()) {
    const auto offer = [&](std::pair<Program, FitResult> fitted) {
      FrontEntry entry = e;
      entry.program = fitted.first;
      entry.complexity = Complexity(entry.program.tokens, library);
      entry.loss = std::max(fitted.second.nrmse, exact_nrmse);
      canonical_front.Offer(std::move(entry));
      rewrites.push_back(std::move(fitted));
    };
    const auto it =
        std::find_if(fits.begin(), fits.end(), [&](const auto& f) { return f.first == e.program; });
    if (it == fits.end()) continue;
    std::optional<std::pair<Program, FitResult>> c =
        CanonicalFit(e.program, it->second, library, data, fit);
    if (!c) {
      canonical_front.Offer(e);
      continue;
    }
    if (noise != nullptr && c->second.constants != it->second.constants) {
      if (auto numbers = NumbersWritten(*c, library, data, fit, *noise)) {
        // In the rewrite's place when as long (only constants became numbers), else beside
        // it, as the final pass offers a simplified form (SearchEngine::RefitFront).
        const bool shorter =
            Complexity(numbers->first.tokens, library) < Complexity(c->first.tokens, library);
        if (shorter) offer(std::move(*numbers));
        if (!shorter) c = std::move(numbers);
      }
    }
    offer(std::move(*c));
  }
  front = std::move(canonical_front);
  for (auto& r : rewrites) fits.push_back(std::move(r));
}

}  // namespace physr
