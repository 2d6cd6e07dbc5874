#include "physr/expr/parser.hpp"
