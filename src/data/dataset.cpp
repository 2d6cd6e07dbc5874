#include "physr/data/dataset.hpp"
