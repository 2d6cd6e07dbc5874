#include "physr/eval/evaluator.hpp"
