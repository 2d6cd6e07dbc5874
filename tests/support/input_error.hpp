// Test helper: the message of the InputError a callable throws, for checking
// what an error says (its place, the names it quotes) rather than only that it
// happened.
#pragma once

#include <string>

#include "physr/core/error.hpp"

namespace physr::testing {

// what() of the InputError `f` throws, or "" when it throws none. Other
// exceptions propagate.
template <typename F>
std::string InputErrorOf(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace physr::testing
