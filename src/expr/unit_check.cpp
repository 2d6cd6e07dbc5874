#include "physr/expr/unit_check.hpp"
