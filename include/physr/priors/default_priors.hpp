// The default prior set: PriorOptions, the knobs of the rules a search applies, and
// MakeDefaultPriors, which builds the PriorSet from them. The rules themselves live in
// structure_priors.hpp and units_prior.hpp; the interface in prior.hpp.
#pragma once

#include "physr/priors/dimension_lattice.hpp"
#include "physr/priors/prior.hpp"

namespace physr {

struct PriorOptions {
  int min_length = 4;
  int max_length = 35;
  bool soft_length = true;
  double soft_length_loc = 8.0;
  double soft_length_variance = 5.0;
  bool no_useless_inverse = true;
  int max_exp_nesting = 1;             // exp inside exp; < 1 disables the rule
  int max_log_nesting = 1;             // log inside log
  int max_trig_nesting = 1;            // sin, cos, tan, arcsin, arccos, arctan inside one another
  bool no_redundant_constants = true;  // RedundantConstantPrior
  bool units = true;                   // the in-situ units prior (needs a target in the lattice)
  // Occam look-ahead of the units prior: log-factor −w·(extra tokens a token forces to
  // complete the program, beyond the cheapest allowed token); 0 disables.
  double completion_length_weight = 0.5;
};

// PhySO's default set for `lattice`'s library (docs/algorithms.md, "The other priors"): hard and
// soft length, no useless inverse child, exp/log/trig nesting, physr's redundant-constant prior,
// and the units prior last when options.units and the lattice has a target. `lattice` must
// outlive the set. Throws InputError when the target cannot be reached (CheckTargetReachable).
PriorSet MakeDefaultPriors(const DimensionLattice& lattice, const PriorOptions& options = {});

}  // namespace physr
