#include "physr/data/class_dataset.hpp"

#include <cmath>
#include <map>
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

Dataset PoolClass(const ClassDataset& data) {
  PHYSR_CHECK(!data.members.empty(), "a class has at least one dataset");
  Dataset pooled = data.members.front();
  pooled.X.resize(data.total_rows(), pooled.X.cols());
  pooled.y.resize(data.total_rows());
  const bool weighted = pooled.weights.size() > 0;
  if (weighted) pooled.weights.resize(data.total_rows());
  Eigen::Index row = 0;
  for (const Dataset& member : data.members) {
    pooled.X.middleRows(row, member.rows()) = member.X;
    pooled.y.segment(row, member.rows()) = member.y;
    if (weighted) pooled.weights.segment(row, member.rows()) = member.weights;
    row += member.rows();
  }
  return pooled;
}

namespace {

// The rows of `data` listed, without column `drop`.
Dataset SelectRows(const Dataset& data, const std::vector<Eigen::Index>& rows, int drop) {
  Dataset out;
  out.target_name = data.target_name;
  out.target_dimension = data.target_dimension;
  out.target_source_unit = data.target_source_unit;
  for (int j = 0; j < data.num_variables(); ++j) {
    if (j == drop) continue;
    const auto column = static_cast<std::size_t>(j);
    out.names.push_back(data.names[column]);
    out.dimensions.push_back(data.dimensions[column]);
    if (column < data.source_units.size()) out.source_units.push_back(data.source_units[column]);
  }
  const auto n = static_cast<Eigen::Index>(rows.size());
  out.X.resize(n, data.X.cols() - 1);
  out.y.resize(n);
  if (data.weights.size() > 0) out.weights.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index r = rows[static_cast<std::size_t>(i)];
    Eigen::Index c = 0;
    for (int j = 0; j < data.num_variables(); ++j) {
      if (j != drop) out.X(i, c++) = data.X(r, j);
    }
    out.y(i) = data.y(r);
    if (data.weights.size() > 0) out.weights(i) = data.weights(r);
  }
  return out;
}

std::string ValueText(double value) {
  std::ostringstream text;
  text.precision(17);
  text << value;
  return text.str();
}

}  // namespace

ClassDataset SplitByGroup(const Dataset& data, const std::string& column,
                          const std::string& source) {
  const std::optional<int> index = data.FindVariable(column);
  if (!index) {
    throw InputError(source + ": no input column '" + column +
                     "' to split the rows into datasets by (--group)");
  }
  if (data.num_variables() < 2) {
    throw InputError(source + ": the group column '" + column + "' is the only input column");
  }
  std::vector<double> values;  // in order of first appearance
  std::map<double, std::vector<Eigen::Index>> rows;
  for (Eigen::Index r = 0; r < data.rows(); ++r) {
    const double value = data.X(r, *index);
    if (!std::isfinite(value)) {
      throw InputError(source + ": row " + std::to_string(r + 1) + " of the group column '" +
                       column + "' is not a finite number");
    }
    auto [it, added] = rows.try_emplace(value);
    if (added) values.push_back(value);
    it->second.push_back(r);
  }
  std::vector<Dataset> members;
  std::vector<std::string> names;
  for (const double value : values) {
    members.push_back(SelectRows(data, rows[value], *index));
    names.push_back(source + ":" + column + "=" + ValueText(value));
  }
  return MakeClassDataset(std::move(members), std::move(names));
}

}  // namespace physr
