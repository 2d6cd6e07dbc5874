// The processes that run one search together (the ranks of an MPI job): what the engine needs
// from them, behind a small interface so that the engine itself neither includes nor links
// MPI. `SingleProcess` is the one-process implementation; the `physr` tool supplies an MPI one
// when it is built with MPI and launched by an MPI launcher (src/cli/parallel.hpp).
// Not here: launching processes, signals, which process prints (cli/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace physr {

// Every operation is collective: all processes call it, in the same order, from the thread
// that created the collective. Failures (a process that died) end the job; they do not return.
class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;  // this process, 0 ≤ rank < size
  virtual int size() const = 0;  // the processes of the search, ≥ 1

  // Every process passes its bytes (any length, possibly empty) and gets every process's, in
  // rank order. Cost: one exchange of the total bytes with every process.
  virtual std::vector<std::string> AllGather(std::string_view local) = 0;
};

// One process alone: rank 0 of 1; AllGather returns its own bytes.
class SingleProcess final : public Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::vector<std::string> AllGather(std::string_view local) override {
    return {std::string(local)};
  }
};

// The items each of `size` processes takes, given each item's estimated cost: the
// longest-processing-time-first rule. Items go in decreasing cost (ties: the lower index
// first), each to the process whose items cost least so far (ties: the lower rank). Each
// process's items are in increasing index order; the shares cover 0..costs.size() exactly
// once and depend only on the costs and `size` (integers, so every process computes the same
// split). The costliest share exceeds the cheapest by at most the costliest item, and is at
// most 4/3 of the best split's. Cost: O(items · log(items · size)).
std::vector<std::vector<std::size_t>> BalancedShares(std::span<const std::uint64_t> costs,
                                                     int size);

// Whether any process passed true.
bool AnyOf(Collective& collective, bool local);

// The first process's value (in rank order) among those passing one, or none; e.g. the stop
// reason the processes agree on.
std::optional<int> FirstOf(Collective& collective, std::optional<int> local);

// Throws InputError("<what> differs between processes: ...", naming the ranks) on every
// process when the processes passed different fingerprints, so that they agree, at start, that
// they hold the same data and options.
void CheckSameFingerprint(Collective& collective, std::uint64_t fingerprint, const char* what);

}  // namespace physr
