#include "physr/expr/program.hpp"

#include "physr/core/error.hpp"
#include "physr/core/hash.hpp"

namespace physr {

bool IsComplete(std::span<const TokenId> tokens, const Library& library) {
  if (tokens.empty()) return false;
  int open = 1;  // slots still to fill
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (open == 0) return false;  // trailing tokens after a complete expression
    const TokenId id = tokens[i];
    if (id >= library.size()) return false;
    open += library[id].arity - 1;
  }
  return open == 0;
}

std::vector<int> SubtreeEnds(std::span<const TokenId> tokens, const Library& library) {
  PHYSR_CHECK(IsComplete(tokens, library), "SubtreeEnds needs a complete program");
  const int n = static_cast<int>(tokens.size());
  std::vector<int> ends(tokens.size());
  // Walk backwards keeping a stack of subtree ends: a token's subtree ends where its last
  // argument's subtree ends.
  std::vector<int> stack;
  stack.reserve(tokens.size());
  for (int i = n - 1; i >= 0; --i) {
    const int arity = library[tokens[static_cast<std::size_t>(i)]].arity;
    int end = i + 1;
    for (int a = 0; a < arity; ++a) {
      end = stack.back();
      stack.pop_back();
    }
    ends[static_cast<std::size_t>(i)] = end;
    stack.push_back(end);
  }
  return ends;
}

double Complexity(std::span<const TokenId> tokens, const Library& library) {
  double c = 0.0;
  for (TokenId id : tokens) c += library[id].complexity;
  return c;
}

std::uint64_t HashTokens(std::span<const TokenId> tokens) {
  // FNV-1a over the ids, then a final avalanche so nearby sequences spread out.
  return Avalanche(Fnv1a(kFnv1aOffset ^ tokens.size(), tokens));
}

bool UsesFreeConstants(std::span<const TokenId> tokens, const Library& library) {
  for (TokenId id : tokens) {
    if (library[id].kind == TokenKind::kFreeConstant) return true;
  }
  return false;
}

int CountFreeConstants(std::span<const TokenId> tokens, const Library& library) {
  std::vector<bool> used(static_cast<std::size_t>(library.num_free_constants()), false);
  int count = 0;
  for (const TokenId id : tokens) {
    const Token& t = library[id];
    if (t.kind != TokenKind::kFreeConstant) continue;
    const auto slot = static_cast<std::size_t>(t.index);
    if (!used[slot]) ++count;
    used[slot] = true;
  }
  return count;
}

}  // namespace physr
