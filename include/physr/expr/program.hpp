// Program: one candidate formula as a flat array of token ids in prefix (Polish) order, plus
// the values of its library's free constants. Plain data, cheap to copy and hash.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "physr/expr/library.hpp"

namespace physr {

struct Program {
  std::vector<TokenId> tokens;    // prefix order, e.g. mul m n2 v
  std::vector<double> constants;  // free-constant values by Token::index; may be empty when the
                                  // program uses no free constants

  friend bool operator==(const Program&, const Program&) = default;
};

// True if `tokens` is exactly one complete expression (every operator has its arguments and
// nothing trails). Cost: one pass.
bool IsComplete(std::span<const TokenId> tokens, const Library& library);

// For each position, the position one past the end of the subtree rooted there. Requires a
// complete program (PHYSR_CHECK). Cost: one pass.
std::vector<int> SubtreeEnds(std::span<const TokenId> tokens, const Library& library);

// Sum of token complexities.
double Complexity(std::span<const TokenId> tokens, const Library& library);

// 64-bit hash of the token sequence (not the constants); equal sequences hash equal.
std::uint64_t HashTokens(std::span<const TokenId> tokens);

// True if any token of the program is a free constant.
bool UsesFreeConstants(std::span<const TokenId> tokens, const Library& library);

// How many distinct free constants (slots) the program uses: the number of values a fit sets.
int CountFreeConstants(std::span<const TokenId> tokens, const Library& library);

}  // namespace physr
