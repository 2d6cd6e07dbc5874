// The structural priors (docs/algorithms.md, "The other priors"): hard length bounds, the soft
// length prior, forbidden parent/child and ancestor/descendant pairs (incl. useless inverses
// such as exp∘log), nesting caps (exp in exp, trig in trig) and occurrence caps, as PhySO has
// them, and physr's redundant-constant prior. Each is a small Prior; none looks at units
// (units_prior.hpp does).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "physr/priors/prior.hpp"

namespace physr {

// Programs have between min_length and max_length tokens: an operator is allowed only if the
// program can still close within max_length (each open slot needs at least one token), and a
// terminal that would complete the program is allowed only at length ≥ min_length.
class HardLengthPrior final : public Prior {
 public:
  // PHYSR_CHECK: 1 ≤ min_length ≤ max_length.
  HardLengthPrior(const Library& library, int min_length, int max_length);
  std::string_view name() const override { return "hard_length"; }
  void Apply(const PartialBatch& batch, TokenMask mask) const override;

 private:
  std::vector<int> arity_;
  int min_length_;
  int max_length_;
};

// PhySO's soft length prior: with t the 0-based position of the token being chosen (the
// program's current length) and g(t) = −(t − loc)² / (2·variance), terminals get log-factor
// g(t) when t < loc (discouraging early closing) and operators get g(t) when t > loc
// (discouraging growth); everything else gets 0. No hard mask.
class SoftLengthPrior final : public Prior {
 public:
  // PHYSR_CHECK: variance > 0.
  SoftLengthPrior(const Library& library, double loc, double variance);
  std::string_view name() const override { return "soft_length"; }
  void Apply(const PartialBatch&, TokenMask) const override {}
  void AddLogFactors(const PartialBatch& batch, TokenLogFactors factors) const override;

 private:
  std::vector<bool> is_terminal_;
  double loc_;
  double variance_;
};

// Forbidden relations between a token and the operators above it.
enum class Relation : std::uint8_t {
  kChild,       // `token` may not be a direct argument of `ancestor`
  kDescendant,  // `token` may not appear anywhere below `ancestor`
};
struct ForbiddenRelation {
  TokenId ancestor;
  TokenId token;
  Relation relation;
};

class RelationPrior final : public Prior {
 public:
  // PHYSR_CHECK: ids in the library, ancestors are operators.
  RelationPrior(const Library& library, const std::vector<ForbiddenRelation>& relations,
                std::string_view name = "relation");
  std::string_view name() const override { return name_; }
  void Apply(const PartialBatch& batch, TokenMask mask) const override;

 private:
  std::string name_;
  std::vector<std::vector<TokenId>> no_child_;       // per ancestor token
  std::vector<std::vector<TokenId>> no_descendant_;  // per ancestor token
};

// Pairs f∘g with f(g(x)) = x (or |x|) up to domain, for the operators in `library`: exp∘log,
// log∘exp, sqrt∘n2, n2∘sqrt, inv∘inv, neg∘neg, abs∘abs, sin∘arcsin, arcsin∘sin, cos∘arccos,
// arccos∘cos, tan∘arctan, arctan∘tan — as kChild relations (f ancestor, g token).
std::vector<ForbiddenRelation> UselessInverseRelations(const Library& library);

// At most max_nesting operators from `group` on any root-to-leaf path: a group token is
// forbidden where max_nesting group tokens are already among its ancestors.
class NestingPrior final : public Prior {
 public:
  // Group members absent from the library are ignored. PHYSR_CHECK: max_nesting ≥ 1.
  NestingPrior(const Library& library, std::span<const OpCode> group, int max_nesting,
               std::string_view name = "nesting");
  std::string_view name() const override { return name_; }
  void Apply(const PartialBatch& batch, TokenMask mask) const override;

 private:
  std::string name_;
  std::vector<bool> in_group_;
  std::vector<TokenId> members_;
  int max_nesting_;
};

// The trigonometric group of the trig nesting rule: sin, cos, tan, arcsin, arccos, arctan.
std::span<const OpCode> TrigonometricOperators();

// Redundant constant subtrees: a subtree that only computes a dimensionless number (cos(C1),
// C1*C2, sqrt(1), ...) says nothing a single dimensionless free constant does not, and
// multiplying by the constant 1 says nothing at all; sampling them wastes the batch. This prior
// gives log-factor `penalty` to
//  - a dimensionless constant token (fixed or free) as the argument of a unary operator, or as
//    the second operand of a binary operator whose first operand is one — only when the library
//    has a dimensionless free constant to absorb the subtree;
//  - the fixed constant "1" as an operand of mul or the second operand of div.
// By induction no sampled constant subtree is larger than one token. A log-factor rather than a
// mask: where nothing else is allowed (a tight length budget), the token stays possible, so the
// prior never creates dead ends.
class RedundantConstantPrior final : public Prior {
 public:
  explicit RedundantConstantPrior(const Library& library, float penalty = -30.0f);
  std::string_view name() const override { return "redundant_constant"; }
  void Apply(const PartialBatch&, TokenMask) const override {}
  void AddLogFactors(const PartialBatch& batch, TokenLogFactors factors) const override;

 private:
  std::vector<TokenId> constants_;  // dimensionless constants, fixed and free
  std::vector<bool> is_constant_;   // by token: in constants_
  std::vector<int> arity_;          // by token
  std::vector<OpCode> op_;          // by token
  bool absorbable_ = false;         // a dimensionless free constant exists
  TokenId one_;                     // the fixed constant "1", or kNoToken
  float penalty_;
};

// Per-token occurrence caps: a token is forbidden once it occurs `cap` times in the program.
class OccurrencePrior final : public Prior {
 public:
  struct Cap {
    TokenId token;
    int max_count;
  };
  OccurrencePrior(const Library& library, std::vector<Cap> caps);
  std::string_view name() const override { return "occurrence"; }
  void Apply(const PartialBatch& batch, TokenMask mask) const override;

 private:
  std::vector<Cap> caps_;
};

}  // namespace physr
