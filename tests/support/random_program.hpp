// Random libraries and random complete programs for property tests of any area (printers,
// parser, evaluator, priors). Programs ignore units: they exercise syntax and arithmetic, not
// dimensional validity. Deterministic for a given Rng state. Test code only.
#pragma once

#include <span>

#include "physr/core/rng.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"

namespace physr::testing {

// A fixed library with every operator (pow included), variables x [L], y [T], v [L T^-1],
// m1 [M], theta [1]; fixed constants 1, 2, 0.5, 3, 1e-05 (dimensionless literals named by
// their shortest round-trip text), pi, c [L T^-1]; free constants k0 [1], k1 [M].
Library FullTestLibrary();

// A random library: a random subset (at least 3) of the operators, always at least one
// binary operator; 1–4 variables drawn from a pool of names (x, y, z, v, m1, theta, t_0,
// omega, x_1, alpha) with small random integer dimensions over L, M, T; 1–4 fixed constants
// (literals 1, 2, 0.5, 3, 1.5, 1e-05 and named constants pi, c, g); 0–3 free constants
// (k0, k1, ...) with random dimensions. All names are identifiers or canonical
// non-negative literals, so every program over it round-trips through ToInfix/ParseFormula.
Library RandomTestLibrary(Rng& rng);

// A random complete program over the tokens of `library` with 1 ≤ length ≤ max_length.
// A target length is drawn uniformly in [1, max_length]; while the program can still
// grow to it, operators (uniform over those that still fit) are chosen with
// probability 0.8, otherwise terminals (uniform). Constants are the library's
// free-constant defaults. Requires max_length ≥ 1 and at least one terminal (PHYSR_CHECK).
Program RandomProgram(const Library& library, Rng& rng, int max_length);

// The same over a subset of token ids (e.g. only the operators an evaluator supports).
// `allowed` must contain at least one terminal.
Program RandomProgram(const Library& library, std::span<const TokenId> allowed, Rng& rng,
                      int max_length);

}  // namespace physr::testing
