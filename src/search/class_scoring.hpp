// What a SearchEngine running over a class (class_search.hpp) needs beside its pooled data:
// the datasets, the rows it searches on, the constants' roles, and where it leaves the class
// fits of its final front. Private to src/search/.
#pragma once

#include <optional>
#include <vector>

#include "physr/data/class_dataset.hpp"
#include "physr/fit/class_fitter.hpp"
#include "physr/search/class_search.hpp"

namespace physr {

struct ClassScoring {
  const ClassDataset* data = nullptr;  // all rows: the final refit
  ClassDataset train;                  // the search rows of each dataset
  ClassConstantRoles roles;
  // Written by SearchEngine::Finalise: the class fits of result.pareto and result.best.
  std::vector<ClassFormulaFit> pareto;
  std::optional<ClassFormulaFit> best;
};

}  // namespace physr
