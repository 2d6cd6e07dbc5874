#include "result_file.hpp"

#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "class_fit.hpp"
#include "json_read.hpp"
#include "operator_flags.hpp"
#include "physr/core/error.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/search/enumerate.hpp"
#include "physr/search/saved_result.hpp"
#include "physr/units/unit_parser.hpp"

#ifndef PHYSR_VERSION
#define PHYSR_VERSION "unknown"
#endif

namespace physr::cli {
namespace {

// The formula object, or null.
void WriteFormula(JsonWriter& w, const std::optional<FormulaReport>& report) {
  if (!report) {
    w.Null();
    return;
  }
  w.BeginObject();
  w.Field("expression", report->infix);
  WriteFormulaFields(w, *report);
  w.EndObject();
}

// The profile object: seconds per phase, seconds profiled, fits run, racing's refits.
void WriteProfile(JsonWriter& w, const SearchProfile& profile) {
  w.BeginObject();
  for (const auto& [name, seconds] : profile.Phases()) w.Field(name, seconds);
  w.Field("seconds", profile.seconds);
  w.IntegerField("fitted", profile.fitted);
  w.IntegerField("advanced", profile.advanced);
  w.EndObject();
}

// The inputs: name, unit (SI, as searched) and the unit the data was written in.
void WriteInputs(JsonWriter& w, const CsvTable& table, const Dataset& data) {
  w.BeginArray();
  for (std::size_t i = 0; i < data.names.size(); ++i) {
    w.BeginObject();
    w.Field("name", data.names[i]);
    w.Field("unit", data.dimensions[i].ToUnitString());
    const auto column = table.FindColumn(data.names[i]);
    const bool written = column && *column < table.unit_texts.size();
    w.Field("unit_as_written", written ? table.unit_texts[*column] : std::string());
    w.EndObject();
  }
  w.EndArray();
}

// The token library apart from the inputs: operators, fixed and free constants.
void WriteLibrary(JsonWriter& w, const Library& library) {
  const LibrarySpec spec = SpecOfLibrary(library);
  w.BeginObject();
  w.Key("operators");
  w.BeginArray();
  for (const std::string& name : spec.operators) w.String(name);
  w.EndArray();
  w.Key("definitions");
  w.BeginArray();
  for (const std::string& text : spec.definitions) w.String(text);
  w.EndArray();
  w.Key("complexity");
  w.BeginObject();
  for (const OperatorComplexity& c : spec.complexity) w.Field(c.name, c.complexity);
  w.EndObject();
  w.Key("fixed_constants");
  w.BeginArray();
  for (const FixedConstantSpec& c : spec.fixed_constants) {
    w.BeginObject();
    w.Field("name", c.name);
    w.Field("unit", c.dimension.ToUnitString());
    w.Field("value", c.value);
    w.EndObject();
  }
  w.EndArray();
  w.Key("free_constants");
  w.BeginArray();
  for (const FreeConstantSpec& c : spec.free_constants) {
    w.BeginObject();
    w.Field("name", c.name);
    w.Field("unit", c.dimension.ToUnitString());
    w.Field("start", c.initial_value);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

// The search options that decide the run (the operators and constants are in "library").
void WriteOptions(JsonWriter& w, const SearchConfig& c, const ResultContext& context) {
  w.BeginObject();
  w.Key("seed");
  w.Integer(static_cast<std::int64_t>(c.seed));
  w.IntegerField("max_length", c.priors.max_length);
  w.IntegerField("batch", c.training.batch_size);
  w.IntegerField("epochs", c.stopping.max_epochs);
  w.Field("time_limit", c.stopping.time_limit_seconds);
  w.IntegerField("max_evals", c.stopping.max_evaluations);
  w.IntegerField("search_rows", context.class_result != nullptr ? context.class_result->search_rows
                                                                : c.rows.max_rows);
  w.Key("units_prior");
  w.Bool(c.priors.units);
  w.Key("canonical");
  w.Bool(c.canonical);
  w.Field("screen", ScreenToString(c.screen));
  w.Field("features", std::string(ToString(c.features)));
  w.Field("symmetry", std::string(ToString(c.symmetry)));
  w.Field("groups", std::string(ToString(c.groups)));
  w.Field("enumerate", EnumerateText(c.enumerate));
  w.Field("risk_epsilon", c.training.risk_epsilon);
  w.Field("learning_rate", c.training.learning_rate);
  w.Field("entropy_weight", c.training.loss.entropy_weight);
  w.Field("entropy_gamma", c.training.loss.entropy_gamma);
  w.IntegerField("hidden_size", c.training.hidden_size);
  w.Field("soft_length", c.priors.soft_length_loc);
  w.Field("occam", c.priors.completion_length_weight);
  w.IntegerField("fit_iterations", c.fitting.fit.solver.max_iterations);
  w.IntegerField("fit_restarts", c.fitting.fit.restarts);
  w.IntegerField("race_rows", c.rows.race_rows);
  w.Field("race_advance", c.rows.race_advance);
  w.IntegerField("race_iterations", c.rows.race_iterations);
  w.IntegerField("evolve", c.evolution.offspring);
  w.IntegerField("generations", c.evolution.generations);
  w.IntegerField("memory", c.training.memory);
  w.IntegerField("restart_after", c.training.restart_after);
  w.Key("search_stability");
  w.Bool(c.search_stability);
  w.Key("exact_nrmse");
  if (c.stopping.perfect_nrmse) {
    w.Number(*c.stopping.perfect_nrmse);
  } else {
    w.Null();
  }
  w.Key("patience");
  if (c.stopping.perfect_patience) {
    w.Integer(*c.stopping.perfect_patience);
  } else {
    w.Null();
  }
  w.Key("sigma");
  context.sigma.empty() ? w.Null() : w.String(context.sigma);
  w.Key("weights");
  context.weights.empty() ? w.Null() : w.String(context.weights);
  w.EndObject();
}

void WriteHistory(JsonWriter& w, const std::vector<EpochReport>& history) {
  w.BeginArray();
  for (const EpochReport& e : history) {
    w.BeginObject();
    w.IntegerField("epoch", e.epoch);
    w.Field("best_nrmse", e.best_nrmse);
    w.Field("best_reward", e.best_reward);
    w.IntegerField("evaluations", e.evaluations);
    w.Field("seconds", e.seconds);
    w.Field("valid_share", e.valid_share);
    w.Field("best", e.best_infix);
    w.EndObject();
  }
  w.EndArray();
}

// The columns a screened run kept, best first, or null when it searched every column:
// {"columns": 300, "kept": [{"name": "x3", "score": 0.31}, ...]}.
void WriteScreening(JsonWriter& w, const std::optional<Screening>& screening) {
  if (!screening) {
    w.Null();
    return;
  }
  w.BeginObject();
  w.IntegerField("columns", screening->columns);
  w.Key("kept");
  w.BeginArray();
  for (const ColumnScore& c : screening->kept) {
    w.BeginObject();
    w.Field("name", c.name);
    w.Field("score", c.score);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

// The groups a run searched over, or null when it ran on the data as given:
// {"target": "m*c^2", "groups": {"pi1": "v/c", ...}, "merged": ["(theta1 - theta2)"],
// "portfolio": false, "selected_from":
// "groups"}; with the portfolio (groups auto) "portfolio" is true and "selected_from" says
// which search, "groups" or "data", found the selected formula (null when none is).
void WriteGroups(JsonWriter& w, const SearchResult& result) {
  const std::optional<GroupBasis>& groups = result.groups;
  if (!groups) {
    w.Null();
    return;
  }
  w.BeginObject();
  w.Field("target", groups->target_text);
  w.Key("groups");
  w.BeginObject();
  for (std::size_t j = 0; j < groups->names.size(); ++j) {
    w.Field(groups->names[j], groups->texts[j]);
  }
  w.EndObject();
  w.Key("merged");
  w.BeginArray();
  for (const InputMerge& m : groups->merges) w.String(m.text);
  w.EndArray();
  w.Key("portfolio");
  w.Bool(result.groups_portfolio);
  w.Key("selected_from");
  if (result.best) {
    w.String(result.best->from_groups ? "groups" : "data");
  } else {
    w.Null();
  }
  w.EndObject();
}

std::string Hex(std::uint64_t x) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, x);
  return buf;
}

// The index in the front of the selected formula, or -1.
std::int64_t SelectedIndex(const SearchResult& result) {
  if (!result.best) return -1;
  for (std::size_t i = 0; i < result.pareto.size(); ++i) {
    if (result.pareto[i].program.tokens == result.best->program.tokens) {
      return static_cast<std::int64_t>(i);
    }
  }
  return -1;
}

// The run's counters and timings, at the top level as before the format was versioned.
void WriteCounters(JsonWriter& w, const SearchResult& result) {
  w.IntegerField("epochs", result.epochs);
  w.Key("first_exact_epoch");
  if (result.first_exact_epoch > 0) {
    w.Integer(result.first_exact_epoch);
  } else {
    w.Null();
  }
  w.Field("first_exact_seconds", result.first_exact_seconds);
  w.Field("exact_nrmse", result.exact_nrmse);
  w.IntegerField("evaluations", result.evaluations);
  w.Field("seconds", result.seconds);
  w.Field("stop_reason", ToString(result.stop_reason));
  w.Key("seed");
  w.Integer(static_cast<std::int64_t>(result.seed));
  w.IntegerField("ranks", result.ranks);
  w.IntegerField("sampled", result.sampled);
  w.IntegerField("dead_ends", result.dead_ends);
  w.IntegerField("invalid", result.invalid);
  w.IntegerField("bred", result.bred);
}

}  // namespace

std::string ResultJson(const SearchResult& result, const std::vector<FormulaReport>& reports,
                       const std::optional<FormulaReport>& best, const ResultContext& context) {
  const Dataset& data = *context.data;
  std::ostringstream json;
  JsonWriter w(json);
  w.BeginObject();
  w.Field("format", kResultFormat);
  w.IntegerField("version", kResultVersion);
  w.Field("physr_version", PHYSR_VERSION);
  w.Key("best");
  WriteFormula(w, best);
  w.Key("selected");
  if (const std::int64_t i = SelectedIndex(result); i >= 0) {
    w.Integer(i);
  } else {
    w.Null();
  }
  w.Key("pareto");
  w.BeginArray();
  for (const FormulaReport& r : reports) WriteFormula(w, r);
  w.EndArray();
  WriteCounters(w, result);
  w.Field("data", context.table->source);
  w.IntegerField("rows", static_cast<std::int64_t>(data.rows()));
  w.Field("data_fingerprint", Hex(DataFingerprint(data)));
  w.Field("target", data.target_name);
  w.Key("groups");
  WriteGroups(w, result);
  w.Key("screening");
  WriteScreening(w, result.screening);
  w.Key("features");
  w.BeginArray();
  for (const std::string& text : result.features) w.String(text);
  w.EndArray();
  w.Field("target_unit", data.target_dimension.ToUnitString());
  const auto target_column = context.table->FindColumn(data.target_name);
  const bool written = target_column && *target_column < context.table->unit_texts.size();
  w.Field("target_unit_as_written",
          written ? context.table->unit_texts[*target_column] : std::string());
  w.Key("inputs");
  WriteInputs(w, *context.table, data);
  WriteDefinitions(w, result.library);
  w.Key("library");
  WriteLibrary(w, result.library);
  w.Key("options");
  WriteOptions(w, *context.config, context);
  w.Key("history");
  WriteHistory(w, result.history);
  w.Key("profile");
  WriteProfile(w, result.profile);
  if (context.class_result != nullptr) {
    w.Key("class");
    WriteClassObject(w, *context.class_result);
  }
  w.EndObject();
  return json.str();
}

namespace {

// Reading: each accessor names the file and the field's JSON path when it is missing or of the
// wrong type.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void Fail(const std::string& why) const {
    throw InputError(path_ + ": " + why + " (not a valid physr result file)");
  }
  const nlohmann::json& Field(const nlohmann::json& object, const char* key,
                              const std::string& where) const {
    const auto it = object.find(key);
    if (it == object.end()) Fail("missing field " + where + key);
    return *it;
  }
  std::string String(const nlohmann::json& object, const char* key,
                     const std::string& where) const {
    const nlohmann::json& v = Field(object, key, where);
    if (!v.is_string()) Fail("field " + where + key + " must be a string");
    return v.get<std::string>();
  }
  double Number(const nlohmann::json& object, const char* key, const std::string& where) const {
    const nlohmann::json& v = Field(object, key, where);
    if (!v.is_number()) Fail("field " + where + key + " must be a number");
    return v.get<double>();
  }
  const nlohmann::json& Array(const nlohmann::json& object, const char* key,
                              const std::string& where) const {
    const nlohmann::json& v = Field(object, key, where);
    if (!v.is_array()) Fail("field " + where + key + " must be an array");
    return v;
  }
  Dimension Unit(const nlohmann::json& object, const char* key, const std::string& where) const {
    const std::string text = String(object, key, where);
    try {
      return units::ParseUnit(text);
    } catch (const std::exception& e) {
      Fail("field " + where + key + ": " + e.what());
    }
  }
  Dimension Unit(const nlohmann::json& object, const std::string& where) const {
    return Unit(object, "unit", where);
  }

 private:
  std::string path_;
};

std::string At(const char* array, std::size_t i) {
  return std::string(array) + "[" + std::to_string(i) + "].";
}

// The defined operators and the operators' complexities (optional: absent in files with
// neither).
void ReadOperatorExtras(const Reader& r, const nlohmann::json& library, LibrarySpec& spec) {
  if (const auto it = library.find("definitions"); it != library.end()) {
    if (!it->is_array()) r.Fail("field library.definitions must be an array");
    for (const nlohmann::json& text : *it) {
      if (!text.is_string()) r.Fail("field library.definitions must hold strings");
      spec.definitions.push_back(text.get<std::string>());
    }
  }
  if (const auto it = library.find("complexity"); it != library.end()) {
    if (!it->is_object()) r.Fail("field library.complexity must be an object");
    for (const auto& [name, value] : it->items()) {
      if (!value.is_number()) r.Fail("field library.complexity." + name + " must be a number");
      spec.complexity.push_back({name, value.get<double>()});
    }
  }
}

LibrarySpec ReadLibrarySpec(const Reader& r, const nlohmann::json& doc,
                            std::vector<VariableSpec>& inputs) {
  LibrarySpec spec;
  const nlohmann::json& in = r.Array(doc, "inputs", "");
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::string where = At("inputs", i);
    inputs.push_back({r.String(in[i], "name", where), r.Unit(in[i], where)});
  }
  spec.variables = inputs;
  const nlohmann::json& library = r.Field(doc, "library", "");
  if (!library.is_object()) r.Fail("field library must be an object");
  const nlohmann::json& ops = r.Array(library, "operators", "library.");
  for (const nlohmann::json& op : ops) {
    if (!op.is_string()) r.Fail("field library.operators must hold strings");
    spec.operators.push_back(op.get<std::string>());
  }
  ReadOperatorExtras(r, library, spec);
  const nlohmann::json& fixed = r.Array(library, "fixed_constants", "library.");
  for (std::size_t i = 0; i < fixed.size(); ++i) {
    const std::string where = "library." + At("fixed_constants", i);
    spec.fixed_constants.push_back({r.String(fixed[i], "name", where),
                                    r.Number(fixed[i], "value", where), r.Unit(fixed[i], where)});
  }
  const nlohmann::json& free = r.Array(library, "free_constants", "library.");
  for (std::size_t i = 0; i < free.size(); ++i) {
    const std::string where = "library." + At("free_constants", i);
    spec.free_constants.push_back({r.String(free[i], "name", where), r.Unit(free[i], where),
                                   r.Number(free[i], "start", where)});
  }
  return spec;
}

SavedFormula ReadFormula(const Reader& r, const nlohmann::json& entry, const std::string& where,
                         Library& library) {
  if (!entry.is_object())
    r.Fail("field " + where.substr(0, where.size() - 1) + " must be an object");
  SavedFormula f;
  f.expression = r.String(entry, "expression", where);
  std::vector<std::pair<std::string, double>> constants;
  const nlohmann::json& given = r.Field(entry, "constants", where);
  if (!given.is_object()) r.Fail("field " + where + "constants must be an object");
  for (const auto& [name, c] : given.items()) {
    if (!c.is_object()) r.Fail("field " + where + "constants." + name + " must be an object");
    constants.emplace_back(name, r.Number(c, "value", where + "constants." + name + "."));
  }
  try {
    f.program = RestoreProgram(library, f.expression, constants);
  } catch (const InputError& e) {
    r.Fail(where + "expression: " + e.what());
  }
  const UnitCheckResult units = CheckUnits(f.program, library);
  f.dimension = units.dimension;
  return f;
}

}  // namespace

SavedResult ReadResultFile(const std::string& path) {
  const nlohmann::json doc = ReadJsonDocument(path, "a physr result file");
  const Reader r(path);
  if (!doc.is_object()) r.Fail("the top level must be a JSON object");
  const auto format = doc.find("format");
  if (format == doc.end() || !format->is_string() || *format != kResultFormat) {
    r.Fail(std::string("no \"format\": \"") + kResultFormat + "\" field");
  }
  if (doc.contains("class")) {
    throw InputError(
        path +
        ": a result over several datasets (physr fit with --spe-const, --class-const or "
        "--group), whose specific constants differ per dataset; only a result over "
        "one dataset can be used to predict");
  }
  const double version = r.Number(doc, "version", "");
  if (version != kResultVersion) {
    throw InputError(path + ": result format version " + JsonNumber(version) +
                     " is not supported (this physr reads version " +
                     std::to_string(kResultVersion) + ")");
  }
  SavedResult saved;
  saved.path = path;
  const LibrarySpec spec = ReadLibrarySpec(r, doc, saved.inputs);
  try {
    saved.library = Library::Build(spec);
  } catch (const InputError& e) {
    r.Fail(std::string("field library: ") + e.what());
  }
  saved.target = r.String(doc, "target", "");
  saved.target_dimension = r.Unit(doc, "target_unit", "");
  const nlohmann::json& pareto = r.Array(doc, "pareto", "");
  for (std::size_t i = 0; i < pareto.size(); ++i) {
    saved.pareto.push_back(ReadFormula(r, pareto[i], At("pareto", i), saved.library));
  }
  const nlohmann::json& selected = r.Field(doc, "selected", "");
  if (!selected.is_null()) {
    if (!selected.is_number_integer() || selected.get<std::int64_t>() < 0 ||
        selected.get<std::size_t>() >= saved.pareto.size()) {
      r.Fail("field selected must be null or an index into pareto");
    }
    saved.selected = selected.get<std::size_t>();
  }
  return saved;
}

}  // namespace physr::cli
