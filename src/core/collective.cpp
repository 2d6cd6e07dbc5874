#include "physr/core/collective.hpp"

#include <algorithm>
#include <cstring>
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

std::pair<std::size_t, std::size_t> ShareOf(std::size_t count, int rank, int size) {
  PHYSR_CHECK(size >= 1 && rank >= 0 && rank < size, "rank outside the processes");
  const auto n = static_cast<std::size_t>(size);
  const auto r = static_cast<std::size_t>(rank);
  const std::size_t base = count / n;
  const std::size_t extra = count % n;
  const std::size_t first = r * base + std::min(r, extra);
  return {first, first + base + (r < extra ? 1 : 0)};
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
