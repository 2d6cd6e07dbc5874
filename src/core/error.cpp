#include "physr/core/error.hpp"

#include <cstdio>
#include <cstdlib>

namespace physr::detail {

void CheckFailed(const char* file, int line, const char* condition, const std::string& message) {
  std::fprintf(stderr, "physr internal error at %s:%d: check '%s' failed: %s\n", file, line,
               condition, message.c_str());
  std::abort();
}

}  // namespace physr::detail
