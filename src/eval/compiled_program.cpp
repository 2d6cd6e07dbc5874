#include "physr/eval/compiled_program.hpp"
