// What a saved search result needs to be used again (docs/result-format.md): the token
// library as a LibrarySpec, a fingerprint of the data, and a formula restored from its text
// and its constants' values. Shared by `physr predict` and Python's physr.load.
// Not here: reading or writing the result file itself (the CLI and the Python package do).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "physr/data/dataset.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"
#include "physr/search/search.hpp"

namespace physr {

// The spec that Library::Build turns back into `library` (same tokens, same order), for a
// library whose tokens come in Build's order: operators, variables, fixed, then free
// constants (BuildSearchLibrary's libraries do).
LibrarySpec SpecOfLibrary(const Library& library);

// Mixes into `h` the data: row and column counts, names, units and every value bit of the
// inputs, target and weights (SearchFingerprint and DataFingerprint are built on it).
std::uint64_t MixData(std::uint64_t h, const Dataset& data);

// A 64-bit fingerprint of the data: row and column counts, names, units and every value bit
// of the inputs, target and weights. Cost: one pass over the data.
std::uint64_t DataFingerprint(const Dataset& data);

// The program of `expression` (formula text with constant names, parser.hpp) over `library`
// (which gains a fixed constant per new numeric literal, as ParseFormula adds them), with each free
// constant set to its value in `constants` (name, value) and the others left at their defaults.
// Throws InputError when the text does not parse, names an unknown constant, or leaves a free
// constant it uses without a value.
Program RestoreProgram(Library& library, const std::string& expression,
                       const std::vector<std::pair<std::string, double>>& constants);

// A formula of a result file as the search made it (search.hpp's Formula): the program of
// RestoreProgram, `standard_errors` (name, standard error) for its free constants (NaN for
// those not listed), the metrics as recorded, its complexity, dimension and printed forms
// recomputed. Throws as RestoreProgram.
struct SavedMetrics {
  double rmse = 0.0;
  double nrmse = 0.0;
  double r2 = 0.0;
};
Formula RestoreFormula(Library& library, const std::string& expression,
                       const std::vector<std::pair<std::string, double>>& constants,
                       const std::vector<std::pair<std::string, double>>& standard_errors,
                       const SavedMetrics& metrics);

}  // namespace physr
