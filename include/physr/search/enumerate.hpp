// Exhaustive enumeration of short programs (brute-force symbolic regression): every
// dimensionally valid program over a library up to a length, built bottom-up by length from
// subtrees that are themselves valid (each operator's unit rule applied as CheckUnits applies
// it), with duplicates removed by their values on a few probe rows. The search runs it once at
// its start (SearchConfig::enumerate, docs/algorithms.md "Exhaustive enumeration of short
// programs"). Not here: scoring the programs (the engine fits them with its BatchFitter).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "physr/data/dataset.hpp"
#include "physr/expr/program.hpp"

namespace physr {

// kOff: no enumeration; kOn: up to max_length; kAuto: up to max_length when the searched
// data has at most kAutoMaxVariables variables (after a reduction to dimensionless groups).
enum class EnumerateMode { kOff, kOn, kAuto };

struct EnumerateOptions {
  EnumerateMode mode = EnumerateMode::kAuto;
  // Longest program enumerated (tokens). The budgets below may stop it earlier; the lengths
  // completed are reported (Enumeration::complete_length). `on` and `auto` leave it to the
  // budgets; a length given (--enumerate N) sets it.
  int max_length = 30;
  static constexpr int kAutoMaxVariables = 3;
  // At most this many free constants in a program, each free constant token at most once.
  int max_free_constants = 1;
  // Nesting limits of the search's priors (PriorOptions): exp inside exp, log inside log,
  // trigonometric functions inside one another, along any path; < 1: no limit.
  int max_exp_nesting = 1;
  int max_log_nesting = 1;
  int max_trig_nesting = 1;
  // Budgets: candidate subtrees built (each costs an operator on the probe rows and a hash;
  // past it the length being built is abandoned) and subtrees kept for longer programs (when
  // the store fills, the length being built is completed without keeping its subtrees, and
  // is the last).
  std::int64_t max_candidates = 20'000'000;
  std::int64_t max_stored = 800'000;
  // Rows on which values are compared to remove duplicates, and constant-free programs are
  // scored against the target.
  int probe_rows = 10;
  // Programs returned: the `keep_free` constant-free ones closest to the target on the probe
  // rows, and the first `keep_fitted` with free constants (shortest first).
  std::int64_t keep_free = 20'000;
  std::int64_t keep_fitted = 50'000;
  // The engine's use of them: all are scored on `screen_rows` rows of the search's rows (those
  // with constants fitted there); the `rerank` best are scored again, at those constants, on
  // up to `rerank_rows` search rows, where noise no longer hides a law among its close
  // rivals; the `keep` best of these are scored on the search rows (counted as evaluations),
  // offered to the front and seeded into evolution. rerank or rerank_rows ≤ 0: no second
  // scoring, the screening rows decide.
  int screen_rows = 64;
  std::int64_t rerank = 10'000;
  int rerank_rows = 2000;
  int keep = 1000;
  // Remove duplicates by value (off: every valid program, for tests and counts).
  bool dedup = true;

  // Whether a search over `num_variables` variables enumerates.
  bool Enabled(int num_variables) const {
    return mode == EnumerateMode::kOn ||
           (mode == EnumerateMode::kAuto && num_variables <= kAutoMaxVariables);
  }
};

// The option's text: "off", "auto", or the length enumerated ("11") when on.
std::string EnumerateText(const EnumerateOptions& options);
// Sets mode and length from "off", "auto", "on" or a length from 1 to 30 (on); throws
// InputError for another text.
void ParseEnumerate(std::string_view text, EnumerateOptions& options);

struct Enumeration {
  // Complete programs with the target dimension, constants empty (library defaults): the
  // kept constant-free ones by their probe NRMSE (ties: shortest, then first built), then
  // the kept ones with free constants, shortest first.
  std::vector<Program> programs;
  // Per program: its NRMSE against the probe rows' target (the RMS of the difference over
  // the target's standard deviation, or its RMS when constant); NaN with free constants.
  std::vector<double> probe_nrmse;
  // count[L]: complete programs of length L with the target dimension found (kept or not;
  // index 0 unused), L ≤ max_length; at the last length built, duplicates by value included
  // (they are looked up only to be kept).
  std::vector<std::int64_t> count;
  int complete_length = 0;      // every length up to this was enumerated in full
  std::int64_t candidates = 0;  // subtrees built
  std::int64_t stored = 0;      // subtrees kept (distinct by value when dedup)
  bool stopped = false;         // `stop` returned true
};

// Enumerates the programs of at most options.max_length tokens over `library` whose value has
// dimension `target` (any dimension when nullopt) and that pass CheckUnits, with at most
// options.max_free_constants free constants, each free-constant token at most once, and no
// subtree that holds a free constant but no variable other than the free constant itself
// (exp(C1), C1 + 1 are one constant), within the nesting limits. With options.dedup, a subtree
// whose values on the probe rows (the first options.probe_rows rows of `probe`; every free constant
// set to the same generic value) equal, after rounding to 40 significant bits, those of a shorter
// or earlier subtree of the same dimension and number of free constants is dropped, and so is a
// constant-free subtree with a non-finite value on a probe row. `stop` is polled every few
// thousand candidates. Deterministic: single-threaded, the same result on every machine.
// Throws InputError when `probe` has fewer columns than the library's variables need.
Enumeration EnumeratePrograms(const Library& library, const Dataset& probe,
                              const std::optional<Dimension>& target,
                              const EnumerateOptions& options,
                              const std::function<bool()>& stop = {});

}  // namespace physr
