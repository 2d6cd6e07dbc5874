#include "physr/units/unit_parser.hpp"
