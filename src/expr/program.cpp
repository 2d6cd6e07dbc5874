#include "physr/expr/program.hpp"
