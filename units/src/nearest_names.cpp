#include "physr/units/nearest_names.hpp"

#include <algorithm>
#include <cctype>

namespace physr::units {
namespace {

constexpr std::size_t kMaxWordBytes = 32;

bool SameButCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::vector<std::string> NearestNames(std::string_view word, const std::vector<std::string>& names,
                                      std::size_t max_count, std::size_t max_edits) {
  std::vector<std::string> near;
  if (word.empty() || word.size() > kMaxWordBytes) return near;
  const std::size_t limit = std::min<std::size_t>(max_edits, word.size() < 5 ? 1 : 2);
  for (std::size_t distance = 0; distance <= limit && near.empty(); ++distance) {
    for (const std::string& name : names) {
      if (near.size() >= max_count) break;
      const bool close =
          distance == 0 ? SameButCase(word, name) : EditDistance(word, name) == distance;
      if (close && std::find(near.begin(), near.end(), name) == near.end()) near.push_back(name);
    }
  }
  return near;
}

std::string DidYouMean(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  std::string text = "did you mean ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += "'" + names[i] + "'";
  }
  return text + "?";
}

}  // namespace physr::units
