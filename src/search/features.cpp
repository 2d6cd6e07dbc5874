#include "physr/search/features.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "physr/core/error.hpp"

namespace physr {
namespace {

std::string Squared(const std::string& name) { return name + "^2"; }

// Every way to split `columns` (an even count) into pairs, each pair in column order.
void Pairings(std::vector<int> columns, std::vector<int>& current,
              std::vector<std::vector<int>>& out) {
  if (columns.empty()) {
    out.push_back(current);
    return;
  }
  const int first = columns.front();
  for (std::size_t k = 1; k < columns.size(); ++k) {
    std::vector<int> rest;
    for (std::size_t j = 1; j < columns.size(); ++j) {
      if (j != k) rest.push_back(columns[j]);
    }
    current.push_back(first);
    current.push_back(columns[k]);
    Pairings(std::move(rest), current, out);
    current.resize(current.size() - 2);
  }
}

// The features of one set of columns sharing a dimension (two or more).
std::vector<Feature> SetFeatures(const Dataset& data, const std::vector<int>& set) {
  const Dimension dim = data.dimensions[static_cast<std::size_t>(set.front())] *
                        data.dimensions[static_cast<std::size_t>(set.front())];
  const auto name = [&](int c) { return data.names[static_cast<std::size_t>(c)]; };
  std::vector<Feature> out;
  Feature sum{Feature::Kind::kSumOfSquares, set, "", "", dim};
  for (const int c : set) sum.text += (sum.text.empty() ? "" : " + ") + Squared(name(c));
  out.push_back(sum);
  if (set.size() == 2) {
    Feature diff{Feature::Kind::kDifferenceOfSquares, set, "", "", dim};
    std::vector<double> values(static_cast<std::size_t>(data.rows()));
    for (Eigen::Index r = 0; r < data.rows(); ++r) {
      values[static_cast<std::size_t>(r)] = FeatureValue(diff, data, r);
    }
    const auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), mid, values.end());
    if (!values.empty() && *mid < 0.0) std::swap(diff.columns[0], diff.columns[1]);
    diff.text = Squared(name(diff.columns[0])) + " - " + Squared(name(diff.columns[1]));
    out.push_back(diff);
  }
  if (set.size() == 4 || set.size() == 6) {
    std::vector<int> current;
    std::vector<std::vector<int>> pairings;
    Pairings(set, current, pairings);
    for (std::vector<int>& pairs : pairings) {
      Feature dist{Feature::Kind::kSquaredDistance, std::move(pairs), "", "", dim};
      for (std::size_t k = 0; k < dist.columns.size(); k += 2) {
        dist.text += (k == 0 ? "(" : " + (") + name(dist.columns[k]) + " - " +
                     name(dist.columns[k + 1]) + ")^2";
      }
      out.push_back(std::move(dist));
    }
  }
  return out;
}

}  // namespace

double FeatureValue(const Feature& feature, const Dataset& data, Eigen::Index r) {
  const auto x = [&](int c) { return data.X(r, c); };
  const std::vector<int>& c = feature.columns;
  double value = 0.0;
  switch (feature.kind) {
    case Feature::Kind::kSumOfSquares:
      for (const int j : c) value += x(j) * x(j);
      break;
    case Feature::Kind::kDifferenceOfSquares:
      value = x(c[0]) * x(c[0]) - x(c[1]) * x(c[1]);
      break;
    case Feature::Kind::kSquaredDistance:
      for (std::size_t k = 0; k < c.size(); k += 2) {
        const double d = x(c[k]) - x(c[k + 1]);
        value += d * d;
      }
      break;
  }
  return value;
}

std::vector<Feature> FindFeatures(const Dataset& data, const std::vector<std::string>& taken) {
  std::vector<std::vector<int>> sets;
  for (int j = 0; j < data.num_variables(); ++j) {
    const Dimension& dim = data.dimensions[static_cast<std::size_t>(j)];
    if (dim.IsDimensionless()) continue;
    auto same = std::find_if(sets.begin(), sets.end(), [&](const std::vector<int>& s) {
      return data.dimensions[static_cast<std::size_t>(s.front())] == dim;
    });
    if (same == sets.end()) {
      sets.push_back({j});
    } else {
      same->push_back(j);
    }
  }
  std::vector<Feature> out;
  for (const std::vector<int>& set : sets) {
    if (set.size() < 2) continue;
    for (Feature& f : SetFeatures(data, set)) {
      if (out.size() < static_cast<std::size_t>(kMaxFeatures)) out.push_back(std::move(f));
    }
  }
  int next = 1;
  for (Feature& f : out) {
    do {
      f.name = "F" + std::to_string(next++);
    } while (std::find(taken.begin(), taken.end(), f.name) != taken.end() ||
             data.FindVariable(f.name));
  }
  return out;
}

Dataset AddFeatures(const Dataset& data, const std::vector<Feature>& features) {
  Dataset out = data;
  const Eigen::Index n = data.num_variables();
  out.X.conservativeResize(data.rows(), n + static_cast<Eigen::Index>(features.size()));
  for (std::size_t k = 0; k < features.size(); ++k) {
    const Feature& f = features[k];
    out.names.push_back(f.name);
    out.dimensions.push_back(f.dimension);
    if (!data.source_units.empty()) out.source_units.push_back(SourceUnit{});
    for (Eigen::Index r = 0; r < data.rows(); ++r) {
      const double value = FeatureValue(f, data, r);
      if (!std::isfinite(value)) {
        throw InputError("features: " + f.text + " is not finite at data row " +
                         std::to_string(r + 1));
      }
      out.X(r, n + static_cast<Eigen::Index>(k)) = value;
    }
  }
  return out;
}

}  // namespace physr
