// Dimensionless groups (Buckingham π): a basis of independent dimensionless products of the
// inputs (data columns and fixed constants with units), a monomial of the inputs with the
// target's units, and the dataset rewritten over them: columns = the groups, target =
// y / monomial, all dimensionless. The search runs on that dataset and its formulas are
// written back in the user's variables (search.cpp, RunSearch with SearchConfig::groups).
// Not here: the search itself (engine.hpp).
#pragma once

#include <string>
#include <vector>

#include "physr/data/dataset.hpp"
#include "physr/expr/library.hpp"
#include "physr/search/symmetry.hpp"

namespace physr {

// The reduction of one dataset. Inputs are the data's columns in order, then the fixed
// constants with a dimension. A product Π inputs[i]^(e[i] / denominator) is written as
// text with `*`, `/`, `^` and `sqrt` (parseable by ParseFormula over the search library).
struct GroupBasis {
  // names: the columns, then the dimensional constants; a column merged from two of the
  // data's (symmetry.hpp) is named by its formula, "(theta1 - theta2)"
  std::vector<std::string> inputs;
  std::vector<double> constant_values;   // values of the constants among inputs, in order
  std::vector<std::vector<int>> groups;  // integer exponents per input; each dimensionless
  std::vector<std::string> names;        // identifiers of the groups as dataset columns
  std::vector<std::string> texts;        // the groups as formulas: "v/c"
  std::vector<int> target_monomial;      // exponents (over target_denominator) per input
  int target_denominator = 1;            // 1, or 2 when only half-integer powers work
  std::string target_text;               // the monomial as a formula: "m*c^2", "1"
  // The pairs of the data's columns merged into one before the groups were formed (empty when
  // none were, and from FindGroups, which the caller's merges precede).
  std::vector<InputMerge> merges;
};

// The basis for `data`'s columns, the dimensional constants of `fixed_constants`, and the
// target. Groups: primitive integer vectors e with Σ e_i·dim_i = 0, exponents in [-4, 4],
// the first nonzero one positive, no group of constants alone; among them, by increasing
// number of inputs, then Σ|e_i|, then max|e_i|, then input order, each taken when it is
// independent of those taken, until they span the nullspace. Monomial: the integer vector
// (else half-integer) with Σ m_i·dim_i = the target's dimension, exponents in [-4, 4], of
// least Σ|m_i|; among those, the one leaving the least variance of log|y / monomial| (the
// flattest dimensionless target: m·c² rather than m·v² for E = m·c²·γ(v/c)), then input
// order. Groups are oriented so that the median of log|group| is ≤ 0 (a small parameter,
// v/c rather than c/v); an exact tie puts the earliest input in the denominator. Group names: the
// input's own for a group that is one input to the power 1 (unless the input is a merged
// column, named by its formula), else pi1, pi2, ... (skipping names
// taken by `taken`). Throws InputError for more than 10 inputs, when no monomial has the
// target's units, or when a nullspace vector needs larger exponents.
GroupBasis FindGroups(const Dataset& data, const std::vector<FixedConstantSpec>& fixed_constants,
                      const std::vector<std::string>& taken = {});

// The text of the product Π inputs[i]^(exponents[i] / denominator): "v/c", "h*omega/(k_B*T)",
// "sqrt(L/g)", "1".
std::string MonomialText(const std::vector<std::string>& inputs, const std::vector<int>& exponents,
                         int denominator = 1);

// The dataset over the groups: one dimensionless column per group, target y / monomial,
// weights w · monomial² (so errors keep their weight). Throws InputError naming the row where
// a group or the monomial is not finite or the monomial is 0.
Dataset ReduceDataset(const Dataset& data, const GroupBasis& basis);

}  // namespace physr
