#include "physr/core/collective.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <sstream>

#include "physr/core/error.hpp"

namespace physr {
namespace {

template <typename T>
std::string BytesOf(const T& value) {
  std::string bytes(sizeof(T), '\0');
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}

template <typename T>
T ValueOf(const std::string& bytes) {
  PHYSR_CHECK(bytes.size() == sizeof(T), "a process sent a value of the wrong size");
  T value{};
  std::memcpy(&value, bytes.data(), sizeof(T));
  return value;
}

}  // namespace

std::vector<std::vector<std::size_t>> BalancedShares(std::span<const std::uint64_t> costs,
                                                     int size) {
  PHYSR_CHECK(size >= 1, "no processes to share among");
  std::vector<std::size_t> order(costs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return costs[a] > costs[b]; });
  // (cost so far, rank), the least on top; saturating sums keep the order total.
  using Load = std::pair<std::uint64_t, int>;
  std::priority_queue<Load, std::vector<Load>, std::greater<>> loads;
  for (int r = 0; r < size; ++r) loads.emplace(0, r);
  std::vector<std::vector<std::size_t>> shares(static_cast<std::size_t>(size));
  for (const std::size_t item : order) {
    auto [load, rank] = loads.top();
    loads.pop();
    shares[static_cast<std::size_t>(rank)].push_back(item);
    const std::uint64_t room = std::numeric_limits<std::uint64_t>::max() - load;
    loads.emplace(load + std::min(costs[item], room), rank);
  }
  for (std::vector<std::size_t>& share : shares) std::sort(share.begin(), share.end());
  return shares;
}

bool AnyOf(Collective& collective, bool local) {
  for (const std::string& bytes : collective.AllGather(BytesOf<std::uint8_t>(local ? 1 : 0))) {
    if (ValueOf<std::uint8_t>(bytes) != 0) return true;
  }
  return false;
}

std::optional<int> FirstOf(Collective& collective, std::optional<int> local) {
  const std::string mine = local ? BytesOf(*local) : std::string();
  for (const std::string& bytes : collective.AllGather(mine)) {
    if (!bytes.empty()) return ValueOf<int>(bytes);
  }
  return std::nullopt;
}

void CheckSameFingerprint(Collective& collective, std::uint64_t fingerprint, const char* what) {
  const std::vector<std::string> all = collective.AllGather(BytesOf(fingerprint));
  const auto first = ValueOf<std::uint64_t>(all.front());
  std::ostringstream differing;
  for (std::size_t r = 1; r < all.size(); ++r) {
    if (ValueOf<std::uint64_t>(all[r]) == first) continue;
    differing << (differing.tellp() > 0 ? ", " : "") << r;
  }
  if (differing.tellp() == 0) return;
  throw InputError(std::string(what) + " differs between processes: rank(s) " + differing.str() +
                   " of " + std::to_string(all.size()) +
                   " do not match rank 0 (every process must be given the same data file and "
                   "options)");
}

}  // namespace physr
