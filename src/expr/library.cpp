#include "physr/expr/library.hpp"
