#include "physr/search/simplify.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
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

}  // namespace

Simplified SimplifyProgram(const Program& program, const FitResult& fit, const Library& library,
                           const Dataset& data, const SimplifyOptions& options) {
  Simplified out{program, fit, 0, 0};
  // Every slot holds a value (the library's start value where the program had none), so
  // edits can set and refits warm-start any of them.
  const auto slots = static_cast<std::size_t>(library.num_free_constants());
  if (out.program.constants.size() < slots) {
    const std::size_t had = out.program.constants.size();
    out.program.constants.resize(slots);
    for (TokenId id = 0; id < library.size(); ++id) {
      const Token& t = library[id];
      const auto slot = static_cast<std::size_t>(t.index);
      if (t.kind == TokenKind::kFreeConstant && slot >= had) out.program.constants[slot] = t.value;
    }
  }
  const UnitCheckResult root = CheckUnits(program, library);
  if (!root.ok || !fit.finite) return out;
  const Dimension target = root.dimension;
  FitOptions fit_options = options.fit;
  fit_options.compute_uncertainties = false;

  std::vector<TokenId> folding;  // dimensionless free constants
  std::optional<TokenId> one;    // the number 1, when the library has it
  for (TokenId id = 0; id < library.size(); ++id) {
    const Token& t = library[id];
    if (t.kind == TokenKind::kFreeConstant && t.dimension.IsDimensionless()) folding.push_back(id);
    if (!one && t.kind == TokenKind::kFixedConstant && t.value == 1.0 &&
        t.dimension.IsDimensionless()) {
      one = id;
    }
  }
  const std::optional<TokenId> neg = library.FindOperator(OpCode::kNeg);
  const std::optional<TokenId> add = library.FindOperator(OpCode::kAdd);
  const std::optional<TokenId> sub = library.FindOperator(OpCode::kSub);
  const auto criterion = [&](const Tokens& tokens, double nrmse) {
    return SelectionCriterion(tokens, library, nrmse, options.rows, options.penalty);
  };

  while (out.changes < options.max_changes) {
    const Tokens& tokens = out.program.tokens;
    const auto n = static_cast<int>(tokens.size());
    const std::vector<int> ends = SubtreeEnds(tokens, library);
    const std::vector<std::optional<Dimension>> dims = SubtreeDimensions(tokens, library);
    const double limit = options.AcceptLimit(out.fit.nrmse);
    const double current = options.rows > 0.0 ? criterion(tokens, out.fit.nrmse) : 0.0;
    const auto passes = [&](const Tokens& next, const FitResult& refit) {
      if (!refit.finite) return false;
      if (refit.nrmse <= limit) return true;
      return options.rows > 0.0 && criterion(next, refit.nrmse) <= current;
    };
    // Whether the token at position b is a dimensionless free constant within 10 % of `sign`
    // (±1): the constants tried as the number.
    const auto near_unit = [&](int b, double sign) {
      const Token& c = library[tokens[static_cast<std::size_t>(b)]];
      return c.kind == TokenKind::kFreeConstant && c.dimension.IsDimensionless() &&
             std::abs(out.program.constants[static_cast<std::size_t>(c.index)] - sign) <= 0.1;
    };
    bool accepted = false;
    for (int i = 0; i < n && !accepted; ++i) {
      const Token& t = library[tokens[static_cast<std::size_t>(i)]];
      const int end = ends[static_cast<std::size_t>(i)];
      std::vector<Candidate> candidates;
      if (t.IsTerminal()) {
        // A dimensionless free constant that fits as 1 or −1 becomes the number; tried when
        // it is within 10 % of it.
        if (one && near_unit(i, 1.0)) candidates.push_back({Tokens{*one}});
        if (one && neg && near_unit(i, -1.0)) candidates.push_back({Tokens{*neg, *one}});
      } else {
        const int a = i + 1;
        const int a_end = ends[static_cast<std::size_t>(a)];
        // Whether the subtree rooted at position b checks and is dimensionless.
        const auto dimensionless = [&](int b) {
          const std::optional<Dimension>& d = dims[static_cast<std::size_t>(b)];
          return d && d->IsDimensionless();
        };
        const auto keep = [&](int b, int e) { candidates.push_back({Slice(tokens, b, e)}); };
        // An operand near −1 of add, sub, mul or div: its sign goes into the operator
        // (x + k → x − 1, x − k → x + 1, x·k and x/k → −x), which costs no token, where
        // `neg 1` costs one. signed_form builds `op` over tokens[b, e), then 1 if plus_one.
        const auto signed_form = [&](std::optional<TokenId> op, int b, int e, bool plus_one) {
          if (!op || (plus_one && !one)) return;
          Tokens form{*op};
          form.insert(form.end(), tokens.begin() + b, tokens.begin() + e);
          if (plus_one) form.push_back(*one);
          candidates.push_back({std::move(form)});
        };
        switch (t.op) {
          case OpCode::kAdd:
            keep(a, a_end);
            keep(a_end, end);
            if (near_unit(a_end, -1.0)) signed_form(sub, a, a_end, true);
            if (near_unit(a, -1.0)) signed_form(sub, a_end, end, true);
            break;
          case OpCode::kSub:
            keep(a, a_end);
            if (near_unit(a_end, -1.0)) signed_form(add, a, a_end, true);
            break;
          case OpCode::kNeg:
            keep(a, a_end);
            break;
          case OpCode::kMul:
            if (dimensionless(a)) keep(a_end, end);
            if (dimensionless(a_end)) keep(a, a_end);
            if (near_unit(a_end, -1.0)) signed_form(neg, a, a_end, false);
            if (near_unit(a, -1.0)) signed_form(neg, a_end, end, false);
            break;
          case OpCode::kDiv:
            if (dimensionless(a_end)) keep(a, a_end);
            if (near_unit(a_end, -1.0)) signed_form(neg, a, a_end, false);
            break;
          default:
            break;
        }
        // Fold a dimensionless subtree into a constant the rest of the program does not use;
        // not `neg 1`, which only a constant written as −1 makes (folding would undo that).
        const bool minus_one = end - i == 2 && t.op == OpCode::kNeg &&
                               tokens[static_cast<std::size_t>(a)] == one;
        if (dimensionless(i) && !minus_one) {
          for (TokenId k : folding) {
            const auto outside = std::count(tokens.begin(), tokens.begin() + i, k) +
                                 std::count(tokens.begin() + end, tokens.end(), k);
            if (outside != 0) continue;
            candidates.push_back({Tokens{k}, library[k].index,
                                  MeanValue(out.program, i, end, library, data)});
            break;
          }
        }
      }
      // Larger removals first.
      std::stable_sort(candidates.begin(), candidates.end(),
                       [](const Candidate& x, const Candidate& y) {
                         return x.replacement.size() < y.replacement.size();
                       });
      for (const Candidate& c : candidates) {
        Program next;
        next.tokens = Slice(tokens, 0, i);
        next.tokens.insert(next.tokens.end(), c.replacement.begin(), c.replacement.end());
        next.tokens.insert(next.tokens.end(), tokens.begin() + end, tokens.end());
        next.constants = out.program.constants;
        if (c.fold_slot >= 0) next.constants[static_cast<std::size_t>(c.fold_slot)] = c.fold_value;
        if (!CheckUnits(next, library, target).ok) continue;
        ++out.refits;
        FitResult refit = FitConstants(next, library, data, fit_options);
        if (!passes(next.tokens, refit)) continue;
        next.constants = refit.constants;
        out.program = std::move(next);
        out.fit = std::move(refit);
        ++out.changes;
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
  }
  return out;
}

}  // namespace physr
