// The search over the data as given, with its features (features.hpp) as extra columns when
// SearchConfig::features asks: the engine runs on the wider data and its front is written
// back in the data's variables, each feature's formula in place.
#include <string>
#include <utility>
#include <vector>

#include "physr/core/error.hpp"
#include "physr/expr/parser.hpp"
#include "physr/expr/printer.hpp"
#include "physr/search/engine.hpp"
#include "physr/search/features.hpp"
#include "search_internal.hpp"

namespace physr {
namespace {

// The features of `data` whose formulas the search's library can write (a library without
// add, sub or powers cannot write them back).
std::vector<Feature> WritableFeatures(const Dataset& data, const SearchConfig& config) {
  std::vector<std::string> taken = {"1"};
  for (const FreeConstantSpec& c : config.library.free_constants) taken.push_back(c.name);
  for (const FixedConstantSpec& c : config.library.fixed_constants) taken.push_back(c.name);
  const Library library = BuildSearchLibrary(data, config.library);
  std::vector<Feature> out;
  for (Feature& f : FindFeatures(data, taken)) {
    try {
      Library copy = library;  // ParseFormula may add numbers to the library it reads over
      ParseFormula(f.text, copy);
      out.push_back(std::move(f));
    } catch (const InputError&) {
      // An operator the user left out: the feature is not offered.
    }
  }
  return out;
}

// `wide` (the library of the data with features) with each feature's variable named by its
// formula in parentheses, "(x^2 + y^2)", so that ToInfix writes the data's variables.
Library DisplayLibrary(const Dataset& data, const std::vector<Feature>& features,
                       const Library& wide) {
  std::vector<std::string> names = data.names;
  for (const Feature& f : features) names.push_back('(' + f.text + ')');
  return WithVariableNames(wide, names);
}

// The callbacks with each epoch report's best formula shown in the data's variables.
SearchCallbacks ShowWithFeatures(const SearchCallbacks& callbacks, const Dataset& data,
                                 const std::vector<Feature>& features, Library wide) {
  SearchCallbacks shown = callbacks;
  if (!callbacks.on_epoch) return shown;
  shown.on_epoch = [on_epoch = callbacks.on_epoch, &data, &features,
                    wide = std::move(wide)](const EpochReport& report) mutable {
    EpochReport named = report;
    try {
      const Program program = ParseFormula(report.best_infix, wide);  // may add numbers to wide
      named.best_infix = ToInfix(program, DisplayLibrary(data, features, wide));
    } catch (const InputError&) {
      // An empty or unreadable formula is shown as it is.
    }
    return on_epoch(named);
  };
  return shown;
}

}  // namespace

SearchResult RunGivenSearch(const Dataset& data, const SearchConfig& config,
                            const SearchCallbacks& callbacks) {
  if (config.features == FeaturesMode::kOff) return SearchEngine(data, config, callbacks).Run();
  const std::vector<Feature> features = WritableFeatures(data, config);
  if (features.empty()) return SearchEngine(data, config, callbacks).Run();
  Dataset wide;
  try {
    wide = AddFeatures(data, features);
  } catch (const InputError&) {
    return SearchEngine(data, config, callbacks).Run();  // a feature overflows: search without
  }
  SearchResult result = SearchEngine(wide, config,
                                     ShowWithFeatures(callbacks, data, features,
                                                      BuildSearchLibrary(wide, config.library)))
                            .Run();
  // The result's library, not the search's: its final pass may have added exact numbers.
  const Library display = DisplayLibrary(data, features, result.library);
  Library library = BuildSearchLibrary(data, config.library);
  const WriteBackFn write = [&](const Formula& f, Library& to) {
    return WriteBackText(ToInfix(f.program, display), f, result.library, to);
  };
  const double exact = result.exact_nrmse;
  WrittenBack written = WriteBackEntries(result.pareto, write, data, config, library, exact);
  MergeFronts(std::move(written), {}, library, data, exact, result, false);
  result.library = std::move(library);
  for (const Feature& f : features) result.features.push_back(f.text);
  return result;
}

}  // namespace physr
