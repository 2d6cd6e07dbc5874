#include "physr/data/class_dataset.hpp"

#include <sstream>
#include <utility>

#include "physr/core/error.hpp"

namespace physr {
namespace {

std::string ColumnList(const Dataset& data) {
  std::ostringstream out;
  for (int j = 0; j < data.num_variables(); ++j) {
    const auto column = static_cast<std::size_t>(j);
    out << (j > 0 ? ", " : "") << data.names[column] << "["
        << data.dimensions[column].ToUnitString() << "]";
  }
  out << " -> " << data.target_name << "[" << data.target_dimension.ToUnitString() << "]";
  return out.str();
}

bool SameColumns(const Dataset& a, const Dataset& b) {
  return a.names == b.names && a.dimensions == b.dimensions && a.target_name == b.target_name &&
         a.target_dimension == b.target_dimension;
}

}  // namespace

Eigen::Index ClassDataset::total_rows() const {
  Eigen::Index rows = 0;
  for (const Dataset& member : members) rows += member.rows();
  return rows;
}

ClassDataset MakeClassDataset(std::vector<Dataset> datasets, std::vector<std::string> names) {
  PHYSR_CHECK(names.size() == datasets.size(), "one name per dataset");
  if (datasets.empty()) throw InputError("a class needs at least one dataset");
  const Dataset& first = datasets.front();
  for (std::size_t k = 0; k < datasets.size(); ++k) {
    const Dataset& data = datasets[k];
    if (data.rows() == 0) throw InputError(names[k] + ": the dataset has no rows");
    if (!SameColumns(data, first)) {
      throw InputError(names[k] + ": columns " + ColumnList(data) + " differ from " +
                       names.front() + "'s " + ColumnList(first) +
                       "; every dataset of a class needs the same columns, units and target");
    }
    if ((data.weights.size() > 0) != (first.weights.size() > 0)) {
      throw InputError(names[k] + ": weighted and unweighted datasets mixed in one class (" +
                       names.front() + (first.weights.size() > 0 ? " has" : " has no") +
                       " weights)");
    }
  }
  return ClassDataset{std::move(datasets), std::move(names)};
}

}  // namespace physr
