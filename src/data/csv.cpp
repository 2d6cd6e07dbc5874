#include "physr/data/csv.hpp"
