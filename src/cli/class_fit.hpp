// `physr fit` over several datasets (class symbolic regression): `physr fit a.csv b.csv ...`,
// or one file split by `--group COL`, with `--class-const` (one value for all datasets) and
// `--spe-const` (one value per dataset). Loads and checks the datasets, runs RunClassSearch
// (search/class_search.hpp), prints the selected law with its class constants and a table of
// each dataset's specific constants and errors, and writes the result file with its `class`
// object (docs/result-format.md). Not for one dataset (fit_command.cpp).
#pragma once

#include <ostream>

#include "fit_command.hpp"
#include "json.hpp"
#include "physr/data/csv.hpp"
#include "physr/search/class_search.hpp"
#include "physr/search/search.hpp"

namespace physr::cli {

// Whether the options ask for a search over several datasets: more than one data file, or
// --class-const, --spe-const or --group given.
bool IsClassFit(const FitCommandOptions& options);

// Runs it with the search options (MakeConfig's) and the data options fit_command built.
// Throws InputError naming the file for a dataset that differs from the first or is empty,
// --group with several files, or a bad constant. Returns 0 (the caller maps signals).
int RunClassFit(const FitCommandOptions& options, const SearchConfig& config,
                const CsvOptions& csv_options, const DatasetOptions& dataset_options,
                const SearchCallbacks& callbacks, bool show_progress, std::ostream& out);

// The result file's `class` object (docs/result-format.md): dataset names, the specific
// constants' names, and for `best` and each `pareto` entry the class reward, the worst NRMSE and
// each dataset's figures and constants (value, stderr, unit, role).
void WriteClassObject(JsonWriter& w, const ClassSearchResult& result);

}  // namespace physr::cli
