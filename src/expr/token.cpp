#include "physr/expr/token.hpp"
