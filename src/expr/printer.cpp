#include "physr/expr/printer.hpp"
