#include "physr/search/memory.hpp"

#include <algorithm>
#include <cmath>

#include "physr/core/error.hpp"

namespace physr {

bool RanksBefore(const RememberedProgram& a, const RememberedProgram& b) {
  if (a.reward != b.reward) return a.reward > b.reward;
  if (a.tokens.size() != b.tokens.size()) return a.tokens.size() < b.tokens.size();
  return a.tokens < b.tokens;
}

ProgramMemory::ProgramMemory(int capacity) : capacity_(capacity) {
  PHYSR_CHECK(capacity >= 0, "memory capacity must be ≥ 0");
  entries_.reserve(static_cast<std::size_t>(capacity));
}

bool ProgramMemory::Accepts(const std::vector<TokenId>& tokens, double reward) const {
  if (capacity_ == 0 || !std::isfinite(reward) || !(reward > 0.0)) return false;
  if (static_cast<int>(entries_.size()) >= capacity_ &&
      !RanksBefore({tokens, reward}, entries_.back())) {
    return false;
  }
  return std::none_of(entries_.begin(), entries_.end(),
                      [&](const RememberedProgram& e) { return e.tokens == tokens; });
}

bool ProgramMemory::Offer(const std::vector<TokenId>& tokens, double reward) {
  if (!Accepts(tokens, reward)) return false;
  if (static_cast<int>(entries_.size()) >= capacity_) entries_.pop_back();
  RememberedProgram entry{tokens, reward};
  const auto pos = std::lower_bound(entries_.begin(), entries_.end(), entry, RanksBefore);
  entries_.insert(pos, std::move(entry));
  return true;
}

}  // namespace physr
