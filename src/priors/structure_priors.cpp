#include "physr/priors/structure_priors.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "physr/core/error.hpp"

namespace physr {

HardLengthPrior::HardLengthPrior(const Library& library, int min_length, int max_length)
    : min_length_(min_length), max_length_(max_length) {
  PHYSR_CHECK(min_length >= 1 && min_length <= max_length, "need 1 <= min_length <= max_length");
  for (const Token& t : library.tokens()) arity_.push_back(t.arity);
}

void HardLengthPrior::Apply(const PartialBatch& batch, TokenMask mask) const {
  for (int row = 0; row < batch.batch_size(); ++row) {
    if (batch.IsComplete(row)) continue;
    const std::span<std::uint8_t> allowed = mask.Row(row);
    const int after = batch.length(row) + 1;
    const int open = batch.num_open_slots(row);
    for (std::size_t id = 0; id < arity_.size(); ++id) {
      // Open slots after placing the token, each needing at least one more token.
      const int open_after = open - 1 + arity_[id];
      const bool ok = open_after == 0 ? after >= min_length_ : after + open_after <= max_length_;
      if (!ok) allowed[id] = 0;
    }
  }
}

SoftLengthPrior::SoftLengthPrior(const Library& library, double loc, double variance)
    : loc_(loc), variance_(variance) {
  PHYSR_CHECK(variance > 0.0, "soft length prior needs a positive variance");
  for (const Token& t : library.tokens()) is_terminal_.push_back(t.IsTerminal());
}

void SoftLengthPrior::AddLogFactors(const PartialBatch& batch, TokenLogFactors factors) const {
  for (int row = 0; row < batch.batch_size(); ++row) {
    if (batch.IsComplete(row)) continue;
    const double t = batch.length(row);
    if (t == loc_) continue;
    const bool penalise_terminals = t < loc_;
    const auto g = static_cast<float>(-(t - loc_) * (t - loc_) / (2.0 * variance_));
    const std::span<float> out = factors.Row(row);
    for (std::size_t id = 0; id < is_terminal_.size(); ++id) {
      if (is_terminal_[id] == penalise_terminals) out[id] += g;
    }
  }
}

RedundantConstantPrior::RedundantConstantPrior(const Library& library, float penalty)
    : is_constant_(library.size(), false),
      arity_(library.size()),
      op_(library.size()),
      one_(kNoToken),
      penalty_(penalty) {
  for (TokenId id = 0; id < library.size(); ++id) {
    const Token& t = library[id];
    arity_[id] = t.arity;
    op_[id] = t.op;
    const bool constant = t.kind == TokenKind::kFixedConstant || t.kind == TokenKind::kFreeConstant;
    if (!constant || !t.dimension.IsDimensionless()) continue;
    constants_.push_back(id);
    is_constant_[id] = true;
    if (t.kind == TokenKind::kFreeConstant) absorbable_ = true;
    if (t.kind == TokenKind::kFixedConstant && t.name == "1" && t.value == 1.0) one_ = id;
  }
}

void RedundantConstantPrior::AddLogFactors(const PartialBatch& batch,
                                           TokenLogFactors factors) const {
  for (int row = 0; row < batch.batch_size(); ++row) {
    if (batch.IsComplete(row)) continue;
    const TokenId parent = batch.ParentToken(row);
    if (parent == kNoToken) continue;
    const TokenId sibling = batch.SiblingToken(row);
    const std::span<float> out = factors.Row(row);
    const bool constant_only =
        absorbable_ && (arity_[parent] == 1 || (sibling != kNoToken && is_constant_[sibling]));
    if (constant_only) {
      for (TokenId id : constants_) out[id] += penalty_;
    }
    const bool useless_one =
        one_ != kNoToken && !constant_only &&
        (op_[parent] == OpCode::kMul || (op_[parent] == OpCode::kDiv && sibling != kNoToken));
    if (useless_one) out[one_] += penalty_;
  }
}

RelationPrior::RelationPrior(const Library& library,
                             const std::vector<ForbiddenRelation>& relations, std::string_view name)
    : name_(name), no_child_(library.size()), no_descendant_(library.size()) {
  for (const ForbiddenRelation& r : relations) {
    PHYSR_CHECK(r.ancestor < library.size() && r.token < library.size(),
                "relation token not in the library");
    PHYSR_CHECK(!library[r.ancestor].IsTerminal(), "a relation's ancestor must be an operator");
    (r.relation == Relation::kChild ? no_child_ : no_descendant_)[r.ancestor].push_back(r.token);
  }
}

void RelationPrior::Apply(const PartialBatch& batch, TokenMask mask) const {
  for (int row = 0; row < batch.batch_size(); ++row) {
    if (batch.IsComplete(row)) continue;
    const std::span<std::uint8_t> allowed = mask.Row(row);
    const std::span<const OpenNode> path = batch.Path(row);
    for (const OpenNode& node : path.subspan(1)) {  // skip the root placeholder
      for (TokenId t : no_descendant_[node.token]) allowed[t] = 0;
    }
    const TokenId parent = path.back().token;
    if (parent != kNoToken) {
      for (TokenId t : no_child_[parent]) allowed[t] = 0;
    }
  }
}

std::vector<ForbiddenRelation> UselessInverseRelations(const Library& library) {
  static constexpr std::pair<OpCode, OpCode> kPairs[] = {
      {OpCode::kExp, OpCode::kLog},    {OpCode::kLog, OpCode::kExp},
      {OpCode::kSqrt, OpCode::kN2},    {OpCode::kN2, OpCode::kSqrt},
      {OpCode::kInv, OpCode::kInv},    {OpCode::kNeg, OpCode::kNeg},
      {OpCode::kAbs, OpCode::kAbs},    {OpCode::kSin, OpCode::kArcsin},
      {OpCode::kArcsin, OpCode::kSin}, {OpCode::kCos, OpCode::kArccos},
      {OpCode::kArccos, OpCode::kCos}, {OpCode::kTan, OpCode::kArctan},
      {OpCode::kArctan, OpCode::kTan},
  };
  std::vector<ForbiddenRelation> out;
  for (const auto& [outer, inner] : kPairs) {
    const auto a = library.FindOperator(outer);
    const auto b = library.FindOperator(inner);
    if (a && b) out.push_back({*a, *b, Relation::kChild});
  }
  return out;
}

NestingPrior::NestingPrior(const Library& library, std::span<const OpCode> group, int max_nesting,
                           std::string_view name)
    : name_(name), in_group_(library.size(), false), max_nesting_(max_nesting) {
  PHYSR_CHECK(max_nesting >= 1, "max_nesting must be at least 1");
  for (OpCode op : group) {
    if (const auto id = library.FindOperator(op)) {
      in_group_[*id] = true;
      members_.push_back(*id);
    }
  }
}

void NestingPrior::Apply(const PartialBatch& batch, TokenMask mask) const {
  if (members_.empty()) return;
  for (int row = 0; row < batch.batch_size(); ++row) {
    if (batch.IsComplete(row)) continue;
    int count = 0;
    for (const OpenNode& node : batch.Path(row).subspan(1)) count += in_group_[node.token];
    if (count < max_nesting_) continue;
    const std::span<std::uint8_t> allowed = mask.Row(row);
    for (TokenId t : members_) allowed[t] = 0;
  }
}

std::span<const OpCode> TrigonometricOperators() {
  static constexpr std::array<OpCode, 6> kTrig = {
      OpCode::kSin, OpCode::kCos, OpCode::kTan, OpCode::kArcsin, OpCode::kArccos, OpCode::kArctan};
  return kTrig;
}

OccurrencePrior::OccurrencePrior(const Library& library, std::vector<Cap> caps)
    : caps_(std::move(caps)) {
  for (const Cap& c : caps_) {
    PHYSR_CHECK(c.token < library.size(), "occurrence cap token not in the library");
    PHYSR_CHECK(c.max_count >= 0, "occurrence cap must be non-negative");
  }
}

void OccurrencePrior::Apply(const PartialBatch& batch, TokenMask mask) const {
  for (int row = 0; row < batch.batch_size(); ++row) {
    if (batch.IsComplete(row)) continue;
    const std::span<std::uint8_t> allowed = mask.Row(row);
    for (const Cap& c : caps_) {
      if (batch.Count(row, c.token) >= c.max_count) allowed[c.token] = 0;
    }
  }
}

}  // namespace physr
