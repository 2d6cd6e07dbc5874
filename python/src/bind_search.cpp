// Bindings for the search: SearchConfig, RunSearch with the GIL released, and the result's
// formulas (printing, constants, prediction by the C++ evaluator).
//
// Threads and interrupts: run_search runs RunSearch on a worker thread with the GIL
// released. The calling thread waits, and every 50 ms takes the GIL to run Python's signal
// handlers (PyErr_CheckSignals works only on the main thread); a KeyboardInterrupt there
// sets the search's stop flag, so the search ends its epoch and returns what it has
// (stop_reason "interrupted"). The epoch callback runs on the worker thread holding the GIL.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "bindings.hpp"
#include "physr/core/error.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/definition.hpp"
#include "physr/expr/printer.hpp"
#include "physr/search/search.hpp"
#include "physr/units/unit_parser.hpp"

namespace physr::python {
namespace {

// One formula of a search result. Shares ownership of the result, whose library the
// formula's tokens refer to, so a formula outlives the Python result object it came from.
struct FormulaRef {
  std::shared_ptr<const SearchResult> result;
  const Formula* formula = nullptr;

  const Library& library() const { return result->library; }
  const Program& program() const { return formula->program; }
};

// The unit of a constant and its factor to coherent SI: a value given in it is multiplied by
// the factor ("km/s", 3e5 -> 3e8 m/s).
units::ParsedUnit ParseConstantUnit(const std::string& name, const std::string& unit) {
  try {
    return units::ParseUnitWithScale(unit);
  } catch (const units::UnitParseError& e) {
    throw InputError("constant '" + name + "': " + e.what());
  }
}

double InSi(const std::string& name, double value, const units::ParsedUnit& unit) {
  const double si = value * unit.scale;
  if (std::isfinite(value) && !std::isfinite(si)) {
    throw InputError("constant '" + name + "': the value in SI units is not finite");
  }
  return si;
}

std::string Print(const FormulaRef& f, bool values, int precision,
                  std::string (*printer)(const Program&, const Library&, const PrintOptions&)) {
  if (precision < 1) throw InputError("precision must be >= 1");
  PrintOptions options;
  options.substitute_constants = values;
  options.precision = precision;
  return printer(f.program(), f.library(), options);
}

// Free constants the formula uses: (name, value, standard error, unit).
std::vector<std::tuple<std::string, double, double, std::string>> FreeConstants(
    const FormulaRef& f) {
  std::vector<std::tuple<std::string, double, double, std::string>> out;
  for (const FittedConstant& c : f.formula->constants) {
    out.emplace_back(c.name, c.value, c.standard_error, c.dimension.ToUnitString());
  }
  return out;
}

// Fixed constants the formula uses, once each in order of appearance: (name, value, unit).
std::vector<std::tuple<std::string, double, std::string>> FixedConstants(const FormulaRef& f) {
  std::vector<std::tuple<std::string, double, std::string>> out;
  std::vector<TokenId> seen;
  for (TokenId id : f.program().tokens) {
    const Token& t = f.library()[id];
    if (t.kind != TokenKind::kFixedConstant) continue;
    if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
    seen.push_back(id);
    out.emplace_back(t.name, t.value, t.dimension.ToUnitString());
  }
  return out;
}

py::array_t<double> Predict(const FormulaRef& f, const ColumnMajorArray& X) {
  const Eigen::Map<const Eigen::MatrixXd> view = ViewColumns(X);
  const Library& library = f.library();
  if (view.cols() != library.num_variables()) {
    throw InputError("X has " + std::to_string(view.cols()) +
                     " columns; the formula was found on " +
                     std::to_string(library.num_variables()) + " input columns");
  }
  const CompiledProgram compiled = Compile(f.program(), library);
  std::vector<double> constants = f.program().constants;
  if (constants.size() < static_cast<std::size_t>(compiled.num_constant_slots)) {
    constants = library.FreeConstantDefaults();
  }
  const Eigen::Index rows = view.rows();
  // Shape and strides spelled out: the one-argument (count) constructor gave zero strides
  // with pybind11 2.10 here.
  py::array_t<double> out(std::vector<py::ssize_t>{rows},
                          std::vector<py::ssize_t>{static_cast<py::ssize_t>(sizeof(double))});
  if (rows == 0) return out;
  double* values = out.mutable_data();
  {
    py::gil_scoped_release release;
    Evaluator evaluator;
    // The view converts to the evaluator's Eigen::Ref without a copy (contiguous columns).
    evaluator.Evaluate(compiled, view, constants,
                       std::span<double>(values, static_cast<std::size_t>(rows)));
  }
  return out;
}

// Runs the search as described at the top of this file. `on_epoch` (None or a callable
// taking an EpochReport) returning False stops the search; raising KeyboardInterrupt stops
// it with the result so far; raising anything else stops it and re-raises here.
std::shared_ptr<SearchResult> Run(const Dataset& data, const SearchConfig& config,
                                  const py::object& on_epoch) {
  std::atomic<bool> stop{false};
  std::optional<py::error_already_set> callback_error;  // touched only with the GIL held

  SearchCallbacks callbacks;
  callbacks.stop_requested = &stop;
  if (!on_epoch.is_none()) {
    callbacks.on_epoch = [&](const EpochReport& report) {
      py::gil_scoped_acquire gil;
      try {
        const py::object answer = on_epoch(report);
        if (answer.is_none()) return true;
        const int keep_going = PyObject_IsTrue(answer.ptr());
        if (keep_going < 0) throw py::error_already_set();  // e.g. an array's ambiguous truth
        return keep_going != 0;
      } catch (py::error_already_set& e) {
        if (!e.matches(PyExc_KeyboardInterrupt)) callback_error.emplace(std::move(e));
        stop.store(true);
        return false;
      }
    };
  }

  std::shared_ptr<SearchResult> result;
  std::exception_ptr failure;
  {
    py::gil_scoped_release release;
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    std::thread worker([&] {
      try {
        result = std::make_shared<SearchResult>(RunSearch(data, config, callbacks));
      } catch (...) {
        failure = std::current_exception();
      }
      const std::lock_guard<std::mutex> lock(mutex);
      done = true;
      finished.notify_all();
    });
    std::unique_lock<std::mutex> lock(mutex);
    while (!finished.wait_for(lock, std::chrono::milliseconds(50), [&] { return done; })) {
      lock.unlock();
      {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) {
          // A signal handler raised: KeyboardInterrupt stops the search with its result;
          // any other exception stops it and is raised once the worker has finished.
          py::error_already_set e;
          if (!e.matches(PyExc_KeyboardInterrupt) && !callback_error) {
            callback_error.emplace(std::move(e));
          }
          stop.store(true);
        }
      }
      lock.lock();
    }
    lock.unlock();
    worker.join();
  }
  // A signal that arrived as the search ended: the result is complete, so keep it.
  if (PyErr_CheckSignals() != 0) {
    py::error_already_set e;
    if (!e.matches(PyExc_KeyboardInterrupt) && !callback_error)
      callback_error.emplace(std::move(e));
  }
  if (callback_error) {
    py::error_already_set e = std::move(*callback_error);
    callback_error.reset();
    throw e;
  }
  if (failure) std::rethrow_exception(failure);
  return result;
}

// A read-write property `name` of SearchConfig for the field reached through `path` (member
// pointers, outermost first), e.g. &SearchConfig::priors, &PriorOptions::max_length.
template <typename... Path>
auto& Field(SearchConfig& config, Path... path) {
  return (config.*....*path);
}

template <typename... Path>
void Option(py::class_<SearchConfig>& cls, const char* name, Path... path) {
  cls.def_property(
      name, [=](SearchConfig& c) { return Field(c, path...); },
      [=](SearchConfig& c, std::remove_reference_t<decltype(Field(c, path...))> value) {
        Field(c, path...) = std::move(value);
      });
}

// SearchConfig: construction, validation and the constants.
py::class_<SearchConfig> BindConfigClass(py::module_& m) {
  py::class_<SearchConfig> config(m, "SearchConfig",
                                  "Options of one search (see physr/search/config.hpp).");
  config.def(py::init<>())
      .def("validate", &SearchConfig::Validate, "Raises ValueError naming the first bad option.")
      .def(
          "add_fixed_constant",
          [](SearchConfig& c, const std::string& name, double value, const std::string& unit) {
            const units::ParsedUnit parsed = ParseConstantUnit(name, unit);
            c.library.fixed_constants.push_back(
                {name, InSi(name, value, parsed), parsed.dimension});
          },
          py::arg("name"), py::arg("value"), py::arg("unit") = "1")
      .def(
          "add_free_constant",
          [](SearchConfig& c, const std::string& name, const std::string& unit, double start) {
            const units::ParsedUnit parsed = ParseConstantUnit(name, unit);
            c.library.free_constants.push_back({name, parsed.dimension, InSi(name, start, parsed)});
          },
          py::arg("name"), py::arg("unit") = "1", py::arg("initial_value") = 1.0)
      .def_property_readonly("fixed_constants",
                             [](const SearchConfig& c) {
                               std::vector<std::tuple<std::string, double, std::string>> out;
                               for (const auto& k : c.library.fixed_constants) {
                                 out.emplace_back(k.name, k.value, k.dimension.ToUnitString());
                               }
                               return out;
                             })
      .def_property_readonly("free_constants", [](const SearchConfig& c) {
        std::vector<std::tuple<std::string, std::string, double>> out;
        for (const auto& k : c.library.free_constants) {
          out.emplace_back(k.name, k.dimension.ToUnitString(), k.initial_value);
        }
        return out;
      });
  return config;
}

// The strategies around the engine, by name: groups, features, symmetry, enumeration, screening.
void BindStrategyOptions(py::class_<SearchConfig>& config) {
  config.def_property(
      "groups", [](const SearchConfig& c) { return std::string(ToString(c.groups)); },
      [](SearchConfig& c, const std::string& text) { c.groups = ParseGroupsMode(text); },
      "Dimensionless groups: 'off', 'on' (search over the groups only) or 'auto' (when they "
      "apply, half the budget over the groups and the rest over the data as given, the best "
      "chosen on the merged front; see physr/search/config.hpp).");
  config.def_property(
      "features", [](const SearchConfig& c) { return std::string(ToString(c.features)); },
      [](SearchConfig& c, const std::string& text) { c.features = ParseFeaturesMode(text); },
      "Features for the search over the data as given: 'off', 'on' or 'auto' (on; off over "
      "several datasets); see physr/search/features.hpp.");
  config.def_property(
      "symmetry", [](const SearchConfig& c) { return std::string(ToString(c.symmetry)); },
      [](SearchConfig& c, const std::string& text) { c.symmetry = ParseSymmetryMode(text); },
      "Symmetric inputs for the search over the groups: 'off', 'on' or 'auto' (with at most "
      "5 inputs): a pair through whose difference, product or quotient alone the target "
      "depends is merged into one input first; see physr/search/symmetry.hpp.");
  config.def_property(
      "enumerate", [](const SearchConfig& c) { return EnumerateText(c.enumerate); },
      [](SearchConfig& c, const std::string& text) { ParseEnumerate(text, c.enumerate); },
      "Exhaustive enumeration of short formulas first: 'off', 'auto', 'on' or a length "
      "(see physr/search/enumerate.hpp).");
  config.def_property(
      "screen", [](const SearchConfig& c) { return ScreenToString(c.screen); },
      [](SearchConfig& c, const py::object& value) {
        if (py::isinstance<py::bool_>(value)) {
          throw InputError("screen: expected a number of columns to keep, 'auto' or 'off'");
        }
        c.screen =
            ParseScreen(py::isinstance<py::int_>(value) ? std::to_string(value.cast<long long>())
                                                        : value.cast<std::string>());
      },
      "Screening of the inputs: a number K of columns to keep, 'auto' or 'off' (see "
      "physr/search/screening.hpp).");
}

// SearchConfig's plain options, by flat name.
void BindConfigOptions(py::class_<SearchConfig>& config) {
  // The plain options, settable by name from Python (physr.fit(**options)): flat names for
  // the fields of SearchConfig's parts.
  Option(config, "operators", &SearchConfig::library, &LibraryOptions::operators);
  Option(config, "default_free_constants", &SearchConfig::library,
         &LibraryOptions::default_free_constants);
  Option(config, "definitions", &SearchConfig::library, &LibraryOptions::definitions);
  config.def_property(
      "complexity",
      [](const SearchConfig& c) {
        std::map<std::string, double> out;
        for (const OperatorComplexity& k : c.library.complexity) out[k.name] = k.complexity;
        return out;
      },
      [](SearchConfig& c, const std::map<std::string, double>& complexity) {
        c.library.complexity.clear();
        for (const auto& [name, value] : complexity) c.library.complexity.push_back({name, value});
      });
  Option(config, "min_length", &SearchConfig::priors, &PriorOptions::min_length);
  Option(config, "max_length", &SearchConfig::priors, &PriorOptions::max_length);
  Option(config, "soft_length_loc", &SearchConfig::priors, &PriorOptions::soft_length_loc);
  Option(config, "soft_length_variance", &SearchConfig::priors,
         &PriorOptions::soft_length_variance);
  Option(config, "completion_length_weight", &SearchConfig::priors,
         &PriorOptions::completion_length_weight);
  Option(config, "units_prior", &SearchConfig::priors, &PriorOptions::units);
  Option(config, "batch_size", &SearchConfig::training, &TrainingOptions::batch_size);
  Option(config, "risk_epsilon", &SearchConfig::training, &TrainingOptions::risk_epsilon);
  Option(config, "hidden_size", &SearchConfig::training, &TrainingOptions::hidden_size);
  Option(config, "learning_rate", &SearchConfig::training, &TrainingOptions::learning_rate);
  Option(config, "entropy_weight", &SearchConfig::training, &TrainingOptions::loss,
         &LossOptions::entropy_weight);
  Option(config, "entropy_gamma", &SearchConfig::training, &TrainingOptions::loss,
         &LossOptions::entropy_gamma);
  Option(config, "memory", &SearchConfig::training, &TrainingOptions::memory);
  Option(config, "restart_after", &SearchConfig::training, &TrainingOptions::restart_after);
  Option(config, "evolution_offspring", &SearchConfig::evolution, &EvolutionOptions::offspring);
  Option(config, "evolution_generations", &SearchConfig::evolution, &EvolutionOptions::generations);
  Option(config, "fit_iterations", &SearchConfig::fitting, &BatchFitOptions::fit,
         &FitOptions::solver, &LevenbergMarquardtOptions::max_iterations);
  Option(config, "fit_restarts", &SearchConfig::fitting, &BatchFitOptions::fit,
         &FitOptions::restarts);
  Option(config, "cache_capacity", &SearchConfig::fitting, &BatchFitOptions::cache_capacity);
  Option(config, "max_epochs", &SearchConfig::stopping, &StoppingOptions::max_epochs);
  Option(config, "time_limit_seconds", &SearchConfig::stopping,
         &StoppingOptions::time_limit_seconds);
  Option(config, "max_evaluations", &SearchConfig::stopping, &StoppingOptions::max_evaluations);
  Option(config, "perfect_nrmse", &SearchConfig::stopping, &StoppingOptions::perfect_nrmse);
  Option(config, "perfect_patience", &SearchConfig::stopping, &StoppingOptions::perfect_patience);
  Option(config, "max_search_rows", &SearchConfig::rows, &RowSamplingOptions::max_rows);
  Option(config, "race_rows", &SearchConfig::rows, &RowSamplingOptions::race_rows);
  Option(config, "race_advance", &SearchConfig::rows, &RowSamplingOptions::race_advance);
  Option(config, "race_iterations", &SearchConfig::rows, &RowSamplingOptions::race_iterations);
  Option(config, "checkpoint_dir", &SearchConfig::checkpoint, &CheckpointOptions::dir);
  Option(config, "checkpoint_every", &SearchConfig::checkpoint, &CheckpointOptions::every_epochs);
  Option(config, "checkpoint_seconds", &SearchConfig::checkpoint,
         &CheckpointOptions::every_seconds);
  Option(config, "resume_dir", &SearchConfig::checkpoint, &CheckpointOptions::resume_dir);
  Option(config, "canonical", &SearchConfig::canonical);
  Option(config, "search_stability", &SearchConfig::search_stability);
  Option(config, "seed", &SearchConfig::seed);
  Option(config, "threads", &SearchConfig::threads);
  BindStrategyOptions(config);
  config.def(
      "apply_default_limit", [](SearchConfig& c) { c.stopping.ApplyDefaultLimit(); },
      "Sets max_epochs to the default limit when no epoch, time or evaluation limit is set.");
  config.def(
      "apply_default_checkpoint_schedule",
      [](SearchConfig& c) { c.checkpoint.ApplyDefaultSchedule(); },
      "A resumed run saves where it resumed from unless checkpoint_dir says otherwise; a "
      "checkpoint_dir without a schedule is saved on the default schedule (as `physr fit`).");
}

void BindEpochReport(py::module_& m) {
  py::class_<EpochReport>(m, "EpochReport", "Progress after one epoch of a search.")
      .def_readonly("epoch", &EpochReport::epoch)
      .def_readonly("evaluations", &EpochReport::evaluations)
      .def_readonly("seconds", &EpochReport::seconds)
      .def_readonly("candidates_per_second", &EpochReport::candidates_per_second)
      .def_readonly("valid_share", &EpochReport::valid_share)
      .def_readonly("best_reward", &EpochReport::best_reward)
      .def_readonly("best_nrmse", &EpochReport::best_nrmse)
      .def_readonly("best_infix", &EpochReport::best_infix)
      .def("__repr__", [](const EpochReport& r) {
        return "EpochReport(epoch=" + std::to_string(r.epoch) +
               ", evaluations=" + std::to_string(r.evaluations) +
               ", best_nrmse=" + std::to_string(r.best_nrmse) + ", best_infix='" + r.best_infix +
               "')";
      });
}

void BindFormula(py::module_& m) {
  py::class_<FormulaRef>(m, "Formula", "One formula of a search result.")
      .def_property_readonly("complexity",
                             [](const FormulaRef& f) { return f.formula->complexity; })
      .def_property_readonly("rmse", [](const FormulaRef& f) { return f.formula->rmse; })
      .def_property_readonly("nrmse", [](const FormulaRef& f) { return f.formula->nrmse; })
      .def_property_readonly("r2", [](const FormulaRef& f) { return f.formula->r2; })
      .def_property_readonly(
          "from_groups", [](const FormulaRef& f) { return f.formula->from_groups; },
          "Whether it was written back from the search over dimensionless groups.")
      .def_property_readonly(
          "unit", [](const FormulaRef& f) { return f.formula->dimension.ToUnitString(); })
      .def_property_readonly("tokens",
                             [](const FormulaRef& f) {
                               std::vector<std::string> names;
                               for (TokenId id : f.program().tokens) {
                                 names.push_back(f.library()[id].name);
                               }
                               return names;
                             })
      .def(
          "infix",
          [](const FormulaRef& f, bool values, int precision) {
            return Print(f, values, precision, &ToInfix);
          },
          py::arg("values") = false, py::arg("precision") = 17)
      .def(
          "sympy_text",
          [](const FormulaRef& f, bool values, int precision) {
            return Print(f, values, precision, &ToSympy);
          },
          py::arg("values") = true, py::arg("precision") = 17)
      .def(
          "latex",
          [](const FormulaRef& f, bool values, int precision) {
            return Print(f, values, precision, &ToLatex);
          },
          py::arg("values") = true, py::arg("precision") = 17)
      .def_property_readonly("free_constants", &FreeConstants,
                             "(name, value, standard error, unit) of each free constant used.")
      .def_property_readonly("fixed_constants", &FixedConstants,
                             "(name, value, unit) of each fixed constant used.")
      .def("predict", &Predict, py::arg("X").noconvert(),
           "Values of the formula on X (Fortran-ordered float64, one column per input of the "
           "search, read in place). Non-finite values are returned as they are.");
}

void BindResult(py::module_& m) {
  py::class_<SearchResult, std::shared_ptr<SearchResult>>(m, "SearchResult", "What a search found.")
      .def_readonly("epochs", &SearchResult::epochs)
      .def_readonly("evaluations", &SearchResult::evaluations)
      .def_readonly("seconds", &SearchResult::seconds)
      .def_property_readonly(
          "stop_reason", [](const SearchResult& r) { return std::string(ToString(r.stop_reason)); })
      .def_readonly("seed", &SearchResult::seed)
      .def_readonly("sampled", &SearchResult::sampled)
      .def_readonly("dead_ends", &SearchResult::dead_ends)
      .def_readonly("bred", &SearchResult::bred)
      .def_readonly("invalid", &SearchResult::invalid)
      .def_readonly("exact_nrmse", &SearchResult::exact_nrmse)
      .def_readonly("groups_portfolio", &SearchResult::groups_portfolio,
                    "Whether groups='auto' searched both over the groups and over the data as "
                    "given and merged their fronts (each formula's from_groups says which).")
      .def_readonly("features", &SearchResult::features,
                    "The features (sums and differences of squares of inputs sharing a unit) "
                    "the search over the data as given had as inputs, as formulas; empty "
                    "when none were used (features='off', or no two inputs share a unit).")
      .def_readonly("history", &SearchResult::history, "One EpochReport per epoch.")
      .def_property_readonly(
          "profile",
          [](const SearchResult& r) {
            py::dict profile;
            for (const auto& [name, seconds] : r.profile.Phases()) {
              profile[py::str(std::string(name))] = seconds;
            }
            profile["seconds"] = r.profile.seconds;
            profile["fitted"] = r.profile.fitted;
            profile["advanced"] = r.profile.advanced;
            return profile;
          },
          "Wall seconds per phase of this process's part of the run (sample_priors, "
          "sample_policy, fit, train, breed, enumerate, simplify, finalise, other), their sum "
          "(seconds), the constant fits run (fitted) and, of those, the refits on all search rows "
          "of programs that won their race (advanced).")
      .def_property_readonly(
          "screening",
          [](const SearchResult& r) -> py::object {
            if (!r.screening) return py::none();
            py::list kept;
            for (const ColumnScore& c : r.screening->kept) {
              py::dict entry;
              entry["name"] = c.name;
              entry["score"] = c.score;
              kept.append(entry);
            }
            py::dict screening;
            screening["columns"] = r.screening->columns;
            screening["kept"] = kept;
            return screening;
          },
          "The columns screening kept, best first, with their scores: {'columns': N, 'kept': "
          "[{'name', 'score'}, ...]}; None when every column was searched.")
      .def_property_readonly("pareto",
                             [](const std::shared_ptr<SearchResult>& r) {
                               std::vector<FormulaRef> out;
                               for (const Formula& f : r->pareto) out.push_back({r, &f});
                               return out;
                             })
      .def_property_readonly(
          "best",
          [](const std::shared_ptr<SearchResult>& r) -> std::optional<FormulaRef> {
            if (!r->best) return std::nullopt;
            return FormulaRef{r, &*r->best};
          })
      .def_property_readonly(
          "definitions",
          [](const std::shared_ptr<SearchResult>& r) {
            // (name, parameters, text, the body as SymPy text)
            std::vector<std::tuple<std::string, std::vector<std::string>, std::string, std::string>>
                out;
            for (const auto& d : r->library.definitions()) {
              out.emplace_back(d->name, d->parameters, d->text, ToSympy(d->body, d->library));
            }
            return out;
          })
      .def_property_readonly("terminals", [](const std::shared_ptr<SearchResult>& r) {
        // (name, kind, unit) of every terminal of the library: "variable", "fixed", "free".
        std::vector<std::tuple<std::string, std::string, std::string>> out;
        for (const Token& t : r->library.tokens()) {
          if (!t.IsTerminal()) continue;
          const char* kind = t.kind == TokenKind::kVariable        ? "variable"
                             : t.kind == TokenKind::kFixedConstant ? "fixed"
                                                                   : "free";
          out.emplace_back(t.name, kind, t.dimension.ToUnitString());
        }
        return out;
      });
}

}  // namespace

void BindSearch(py::module_& m) {
  m.def("default_operators", &DefaultOperators, "The operators a search uses when none are named.");
  py::class_<SearchConfig> config = BindConfigClass(m);
  BindConfigOptions(config);
  BindEpochReport(m);
  BindFormula(m);
  BindResult(m);
  m.def("run_search", &Run, py::arg("data"), py::arg("config"), py::arg("on_epoch") = py::none(),
        "Runs a search with the GIL released. on_epoch(report) is called after every epoch; "
        "returning False stops the search. KeyboardInterrupt (Ctrl-C, or raised by on_epoch) "
        "stops it and returns the best so far with stop_reason 'interrupted'.");
  m.def(
      "no_input_advice",
      [](const SearchResult& result, bool units_rules) -> std::optional<std::string> {
        if (!result.best) return std::nullopt;
        const std::optional<Token> input = ShutOutInput(*result.best, result.library, units_rules);
        if (!input) return std::nullopt;
        const std::string declare = "free_consts={'C': '" + input->dimension.ToUnitString() + "'}";
        return NoInputAdvice(*input, declare, "units_prior=False");
      },
      py::arg("result"), py::arg("units_rules"),
      "When the unit rules held and the best formula uses none of the inputs while one has "
      "units: the advice to declare a constant of its units or search without units; else None.");
}

}  // namespace physr::python
