#include "physr/priors/default_priors.hpp"

#include <memory>

#include "physr/priors/structure_priors.hpp"
#include "physr/priors/units_prior.hpp"

namespace physr {

PriorSet MakeDefaultPriors(const DimensionLattice& lattice, const PriorOptions& options) {
  const Library& library = lattice.library();
  PriorSet set;
  set.Add(std::make_unique<HardLengthPrior>(library, options.min_length, options.max_length));
  if (options.soft_length) {
    set.Add(std::make_unique<SoftLengthPrior>(library, options.soft_length_loc,
                                              options.soft_length_variance));
  }
  if (options.no_useless_inverse) {
    set.Add(std::make_unique<RelationPrior>(library, UselessInverseRelations(library),
                                            "no_useless_inverse"));
  }
  const OpCode exp_group[] = {OpCode::kExp};
  const OpCode log_group[] = {OpCode::kLog};
  if (options.max_exp_nesting >= 1) {
    set.Add(
        std::make_unique<NestingPrior>(library, exp_group, options.max_exp_nesting, "exp_nesting"));
  }
  if (options.max_log_nesting >= 1) {
    set.Add(
        std::make_unique<NestingPrior>(library, log_group, options.max_log_nesting, "log_nesting"));
  }
  if (options.max_trig_nesting >= 1) {
    set.Add(std::make_unique<NestingPrior>(library, TrigonometricOperators(),
                                           options.max_trig_nesting, "trig_nesting"));
  }
  if (options.no_redundant_constants) {
    set.Add(std::make_unique<RedundantConstantPrior>(library));
  }
  if (options.units && lattice.target()) {
    set.Add(std::make_unique<UnitsPrior>(lattice, options.max_length,
                                         options.completion_length_weight));
  }
  return set;
}

}  // namespace physr
