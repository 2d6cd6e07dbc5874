// Names that SymPy reads as its own objects (exp, E, I, N, S, pi, gamma, lambda, ...): the
// SymPy printer writes a token of such a name as Symbol('name') so that the text keeps its
// meaning under sympy.sympify. Internal to the expr area.
#pragma once

#include <string_view>

namespace physr::detail {

// True if sympy.sympify("name") is not the plain Symbol `name` (a SymPy function, class or
// constant, or a Python keyword). Cost: a binary search over about 900 names.
bool IsSympyName(std::string_view name);

}  // namespace physr::detail
