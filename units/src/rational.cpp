#include "physr/units/rational.hpp"
