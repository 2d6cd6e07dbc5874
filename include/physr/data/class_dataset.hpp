// ClassDataset: several datasets that are realizations of one phenomenon (different pendulums,
// stars, runs of one experiment), searched for one law with class constants shared by all and
// specific constants fitted per dataset (fit/class_fitter.hpp). Each member is an ordinary
// Dataset; all have the same input columns (names and dimensions, in the same order) and the
// same target. Not for reading files (csv.hpp) nor for fitting.
#pragma once

#include <string>
#include <vector>

#include "physr/data/dataset.hpp"

namespace physr {

struct ClassDataset {
  std::vector<Dataset> members;    // ≥ 1, each with ≥ 1 row, columns and target alike
  std::vector<std::string> names;  // one per member: its file or group name, for messages

  int size() const { return static_cast<int>(members.size()); }
  // Rows over all members.
  Eigen::Index total_rows() const;
};

// Checks and assembles a class. names: one per dataset (the file, or the group's value), used
// in the errors. Throws InputError naming the dataset when the list is empty, a dataset has no
// rows, or its input names, input dimensions, target name or target dimension differ from the
// first dataset's (the message shows both). Weights: all members weighted, or none, else an
// InputError. Cost: O(columns) per dataset; the data is moved, not copied.
ClassDataset MakeClassDataset(std::vector<Dataset> datasets, std::vector<std::string> names);

// Every dataset's rows, one after another, as one dataset (names, units, target and source
// units of the first; weights when the members have them). O(total rows · columns).
Dataset PoolClass(const ClassDataset& data);

// One table with a column naming the dataset each row belongs to (`column`, an input column of
// `data`) split into a class: one dataset per distinct value, in order of first appearance,
// named "<source>:<column>=<value>", the column removed. Throws InputError naming `source` when
// the column is not an input of the data (or is the only one). O(rows · columns).
ClassDataset SplitByGroup(const Dataset& data, const std::string& column,
                          const std::string& source);

}  // namespace physr
