// Units-aware genetic operators on prefix programs: the local search that runs beside the
// policy. Each epoch the search breeds offspring from its best programs (this batch's elite
// and the Pareto front) and scores them like sampled ones. Mutation edits one node (swap a
// token, shrink a subtree to a terminal, hoist a descendant, wrap a unary operator, extend by
// a binary operator and a terminal); crossover moves a subtree of one parent into another,
// either in place of a subtree of the same dimension or combined with one by a binary
// operator. Every offspring is complete, within the length bounds and passes the independent
// whole-program unit check (unit_check.hpp), so it is as valid as a sampled program.
// Not here: scoring, selection across epochs, training the policy.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "physr/core/rng.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"

namespace physr {

// Evolution beside the policy, as a search runs it: each epoch breeds `offspring` programs
// from the batch's elite and the Pareto front and scores them, for `generations` generations
// (each breeding from the best of the one before). 0 offspring: the policy alone.
struct EvolutionOptions {
  int offspring = 1000;
  int generations = 2;
};

struct BreedOptions {
  int min_length = 1;
  int max_length = 35;
  // The dimension every offspring must have; nullopt ignores dimensions (units prior off).
  std::optional<Dimension> target;
  // Share of offspring made by crossover (the rest by mutation) when there are ≥ 2 parents.
  double crossover_share = 0.5;
  // Operator applications tried per requested offspring before giving up on it.
  int tries_per_offspring = 4;
};

class Breeder {
 public:
  // `library` is borrowed and must outlive the breeder.
  Breeder(const Library& library, BreedOptions options);

  // Up to `count` offspring of `parents` (complete programs valid under the options; their
  // constants are ignored, the offspring's are empty), each differing from every parent and
  // from the others. Parents are drawn uniformly. Fewer come back when the tries run out.
  // Consumes `rng` in a fixed order. Cost: per try, O(length²) for the node dimensions.
  std::vector<Program> Breed(std::span<const Program> parents, int count, Rng& rng) const;

  // One mutation of `parent`, or nullopt when the drawn edit gave no valid program.
  std::optional<Program> Mutate(const Program& parent, Rng& rng) const;
  // One crossover moving a subtree of `donor` into `receiver`, or nullopt as above.
  std::optional<Program> Crossover(const Program& receiver, const Program& donor, Rng& rng) const;

  // True if `tokens` is complete, within the length bounds and of the target dimension.
  bool Valid(const std::vector<TokenId>& tokens) const;

 private:
  struct Node {
    int begin = 0;
    int end = 0;
    Dimension dimension;
  };
  // The subtrees of a valid program with their dimensions, in prefix order.
  std::vector<Node> Nodes(const std::vector<TokenId>& tokens) const;
  std::optional<Program> Accept(std::vector<TokenId> tokens) const;

  const Library* library_;
  BreedOptions options_;
  std::vector<TokenId> terminals_;
  std::vector<TokenId> unary_;
  std::vector<TokenId> binary_;
};

}  // namespace physr
