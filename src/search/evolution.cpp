#include "physr/search/evolution.hpp"

#include <unordered_set>
#include <utility>

#include "physr/core/error.hpp"
#include "physr/expr/unit_check.hpp"

namespace physr {
namespace {

using Tokens = std::vector<TokenId>;

// tokens with [begin, end) replaced by `replacement`.
Tokens Splice(const Tokens& tokens, int begin, int end, std::span<const TokenId> replacement) {
  Tokens out(tokens.begin(), tokens.begin() + begin);
  out.insert(out.end(), replacement.begin(), replacement.end());
  out.insert(out.end(), tokens.begin() + end, tokens.end());
  return out;
}

std::span<const TokenId> Slice(const Tokens& tokens, int begin, int end) {
  return std::span<const TokenId>(tokens).subspan(static_cast<std::size_t>(begin),
                                                  static_cast<std::size_t>(end - begin));
}

template <typename T>
const T& Pick(const std::vector<T>& items, Rng& rng) {
  return items[static_cast<std::size_t>(rng.Below(items.size()))];
}

bool IsAdditive(OpCode op) { return op == OpCode::kAdd || op == OpCode::kSub; }

enum class Mutation { kPoint, kShrink, kHoist, kWrap, kExtend, kCount };

}  // namespace

Breeder::Breeder(const Library& library, BreedOptions options)
    : library_(&library), options_(options) {
  PHYSR_CHECK(options_.min_length >= 1 && options_.max_length >= options_.min_length,
              "breeder needs 1 ≤ min length ≤ max length");
  PHYSR_CHECK(options_.tries_per_offspring >= 1, "breeder needs at least one try per offspring");
  for (TokenId id = 0; id < library.size(); ++id) {
    switch (library[id].arity) {
      case 0:
        terminals_.push_back(id);
        break;
      case 1:
        unary_.push_back(id);
        break;
      default:
        binary_.push_back(id);
        break;
    }
  }
}

bool Breeder::Valid(const Tokens& tokens) const {
  const auto n = static_cast<int>(tokens.size());
  if (n < options_.min_length || n > options_.max_length) return false;
  if (!IsComplete(tokens, *library_)) return false;
  if (!options_.target) return true;
  Program program;
  program.tokens = tokens;
  return CheckUnits(program, *library_, options_.target).ok;
}

std::vector<Breeder::Node> Breeder::Nodes(const Tokens& tokens) const {
  const std::vector<int> ends = SubtreeEnds(tokens, *library_);
  std::vector<Node> nodes(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    nodes[i].begin = static_cast<int>(i);
    nodes[i].end = ends[i];
  }
  if (!options_.target) return nodes;  // dimensions ignored: all nodes alike
  const std::vector<std::optional<Dimension>> dims = SubtreeDimensions(tokens, *library_);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (dims[i]) nodes[i].dimension = *dims[i];
  }
  return nodes;
}

std::optional<Program> Breeder::Accept(Tokens tokens) const {
  if (!Valid(tokens)) return std::nullopt;
  Program program;
  program.tokens = std::move(tokens);
  return program;
}

std::optional<Program> Breeder::Mutate(const Program& parent, Rng& rng) const {
  const Tokens& tokens = parent.tokens;
  if (tokens.empty()) return std::nullopt;
  const std::vector<Node> nodes = Nodes(tokens);
  const Node& node = Pick(nodes, rng);
  const Tokens subtree(tokens.begin() + node.begin, tokens.begin() + node.end);
  const auto kind = static_cast<Mutation>(rng.Below(static_cast<std::uint64_t>(Mutation::kCount)));
  switch (kind) {
    case Mutation::kPoint: {
      const TokenId old = tokens[static_cast<std::size_t>(node.begin)];
      const int arity = (*library_)[old].arity;
      const std::vector<TokenId>& pool = arity == 0 ? terminals_ : arity == 1 ? unary_ : binary_;
      if (pool.size() < 2) return std::nullopt;
      TokenId replacement = Pick(pool, rng);
      if (replacement == old) return std::nullopt;
      Tokens out = tokens;
      out[static_cast<std::size_t>(node.begin)] = replacement;
      return Accept(std::move(out));
    }
    case Mutation::kShrink: {
      if (node.end - node.begin < 2) return std::nullopt;
      std::vector<TokenId> matching;
      for (TokenId z : terminals_) {
        if (!options_.target || (*library_)[z].dimension == node.dimension) matching.push_back(z);
      }
      if (matching.empty()) return std::nullopt;
      const TokenId z = Pick(matching, rng);
      return Accept(Splice(tokens, node.begin, node.end, std::span<const TokenId>(&z, 1)));
    }
    case Mutation::kHoist: {
      std::vector<const Node*> inside;
      for (int j = node.begin + 1; j < node.end; ++j) {
        const Node& d = nodes[static_cast<std::size_t>(j)];
        if (d.dimension == node.dimension) inside.push_back(&d);
      }
      if (inside.empty()) return std::nullopt;
      const Node& d = *Pick(inside, rng);
      return Accept(Splice(tokens, node.begin, node.end, Slice(tokens, d.begin, d.end)));
    }
    case Mutation::kWrap: {
      if (unary_.empty()) return std::nullopt;
      Tokens wrapped{Pick(unary_, rng)};
      wrapped.insert(wrapped.end(), subtree.begin(), subtree.end());
      return Accept(Splice(tokens, node.begin, node.end, wrapped));
    }
    case Mutation::kExtend: {
      if (binary_.empty() || terminals_.empty()) return std::nullopt;
      const TokenId op = Pick(binary_, rng);
      const TokenId z = Pick(terminals_, rng);
      Tokens grown{op};
      if (rng.Below(2) == 0) {
        grown.insert(grown.end(), subtree.begin(), subtree.end());
        grown.push_back(z);
      } else {
        grown.push_back(z);
        grown.insert(grown.end(), subtree.begin(), subtree.end());
      }
      return Accept(Splice(tokens, node.begin, node.end, grown));
    }
    case Mutation::kCount:
      break;
  }
  return std::nullopt;
}

std::optional<Program> Breeder::Crossover(const Program& receiver, const Program& donor,
                                          Rng& rng) const {
  if (receiver.tokens.empty() || donor.tokens.empty()) return std::nullopt;
  const std::vector<Node> r_nodes = Nodes(receiver.tokens);
  const std::vector<Node> d_nodes = Nodes(donor.tokens);
  const Node& at = Pick(r_nodes, rng);
  const bool combine = !binary_.empty() && rng.Below(2) == 0;
  const TokenId op = combine ? Pick(binary_, rng) : TokenId{0};
  // Donor subtrees that keep the receiver's node dimension: the same dimension in place of
  // it or beside it in a sum; a dimensionless one as any other operand.
  std::vector<const Node*> fits;
  for (const Node& d : d_nodes) {
    const bool ok = !options_.target                             ? true
                    : !combine || IsAdditive((*library_)[op].op) ? d.dimension == at.dimension
                                                                 : d.dimension.IsDimensionless();
    if (ok) fits.push_back(&d);
  }
  if (fits.empty()) return std::nullopt;
  const Node& d = *Pick(fits, rng);
  const std::span<const TokenId> moved = Slice(donor.tokens, d.begin, d.end);
  if (!combine) return Accept(Splice(receiver.tokens, at.begin, at.end, moved));
  const std::span<const TokenId> kept = Slice(receiver.tokens, at.begin, at.end);
  Tokens joined{op};
  const bool kept_first = rng.Below(2) == 0;
  for (const std::span<const TokenId> part :
       {kept_first ? kept : moved, kept_first ? moved : kept}) {
    joined.insert(joined.end(), part.begin(), part.end());
  }
  return Accept(Splice(receiver.tokens, at.begin, at.end, joined));
}

std::vector<Program> Breeder::Breed(std::span<const Program> parents, int count, Rng& rng) const {
  std::vector<Program> children;
  if (parents.empty() || count <= 0) return children;
  std::unordered_set<std::uint64_t> seen;
  for (const Program& p : parents) seen.insert(HashTokens(p.tokens));
  const std::uint64_t n = parents.size();
  const long tries = static_cast<long>(count) * options_.tries_per_offspring;
  for (long t = 0; t < tries && static_cast<int>(children.size()) < count; ++t) {
    const std::uint64_t a = rng.Below(n);
    std::optional<Program> child;
    if (n >= 2 && rng.Uniform01() < options_.crossover_share) {
      const std::uint64_t b = (a + 1 + rng.Below(n - 1)) % n;  // any parent but a
      child = Crossover(parents[a], parents[b], rng);
    } else {
      child = Mutate(parents[a], rng);
    }
    if (child && seen.insert(HashTokens(child->tokens)).second) {
      children.push_back(std::move(*child));
    }
  }
  return children;
}

}  // namespace physr
