// Error policy, one mechanism per kind:
//  - programmer errors (broken invariants): PHYSR_CHECK aborts with file:line and a message;
//    PHYSR_DCHECK is the same in debug builds only, for inner loops;
//  - bad user input: throw InputError (a std::invalid_argument) naming file/line/column or token;
//  - expected numerical outcomes (failed fit, non-finite prediction) are values, not errors.
#pragma once

#include <stdexcept>
#include <string>

namespace physr {

// Bad user input: files, unit strings, formulas, options. The CLI prints what() on one line
// and exits with status 2; the Python binding raises ValueError.
class InputError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

namespace detail {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const std::string& message);
}  // namespace detail

}  // namespace physr

#define PHYSR_CHECK(condition, message)                                        \
  do {                                                                         \
    if (!(condition)) [[unlikely]]                                             \
      ::physr::detail::CheckFailed(__FILE__, __LINE__, #condition, (message)); \
  } while (false)

#ifdef NDEBUG
#define PHYSR_DCHECK(condition, message) \
  do {                                   \
  } while (false)
#else
#define PHYSR_DCHECK(condition, message) PHYSR_CHECK(condition, message)
#endif
