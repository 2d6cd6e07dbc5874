#include "physr/units/dimension.hpp"
