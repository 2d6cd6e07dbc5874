#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.hpp"

namespace physr::fuzz {

void Fail(const char* harness, const char* what) {
  std::fprintf(stderr, "%s: invariant broken: %s\n", harness, what);
  std::abort();
}

}  // namespace physr::fuzz
