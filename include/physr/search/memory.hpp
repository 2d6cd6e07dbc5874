// The memory of a search: the best distinct programs it has scored so far, by reward, kept
// from epoch to epoch (and in checkpoints) so that the policy keeps learning from them after
// its batches stop sampling them (SearchEngine::Train; docs/algorithms.md, "The memory of the
// best formulas"). Anything may be offered — sampled programs, offspring, programs found
// another way — with its reward. Not here: rewards, episodes or training (engine.hpp,
// policy/training.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "physr/expr/library.hpp"

namespace physr {

struct RememberedProgram {
  std::vector<TokenId> tokens;
  double reward = 0.0;
};

// A bounded priority queue of programs distinct by their token sequence. Entries are ordered
// best first: higher reward, then fewer tokens, then the smaller token sequence, so that the
// content depends only on what was offered, not on the order of the offers. Not thread-safe.
class ProgramMemory {
 public:
  ProgramMemory() = default;
  // capacity ≥ 0 (0: remembers nothing).
  explicit ProgramMemory(int capacity);

  // Whether Offer would keep `tokens` with `reward`: the reward is finite and positive, the
  // program is not remembered yet, and there is room or it ranks before the last entry.
  // Cost: O(capacity · length).
  bool Accepts(const std::vector<TokenId>& tokens, double reward) const;
  // Keeps the program when Accepts says so (evicting the last entry when full); returns
  // whether it was kept.
  bool Offer(const std::vector<TokenId>& tokens, double reward);

  // Best first.
  const std::vector<RememberedProgram>& entries() const { return entries_; }
  int capacity() const { return capacity_; }

 private:
  int capacity_ = 0;
  std::vector<RememberedProgram> entries_;
};

// The order of ProgramMemory: whether `a` ranks before `b`.
bool RanksBefore(const RememberedProgram& a, const RememberedProgram& b);

}  // namespace physr
