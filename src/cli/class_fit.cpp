#include "class_fit.hpp"

#include <cmath>
#include <iomanip>
#include <iostream>
#include <utility>
#include <vector>

#include "json.hpp"
#include "options.hpp"
#include "physr/core/error.hpp"
#include "physr/data/class_dataset.hpp"
#include "physr/search/class_search.hpp"
#include "report.hpp"
#include "result_file.hpp"

namespace physr::cli {
namespace {

struct LoadedClass {
  std::vector<CsvTable> tables;  // as read, one per file
  ClassDataset data;
};

LoadedClass LoadClass(const FitCommandOptions& o, const CsvOptions& csv_options,
                      const DatasetOptions& dataset_options) {
  std::vector<std::string> paths = {o.data_path};
  paths.insert(paths.end(), o.more_data.begin(), o.more_data.end());
  LoadedClass loaded;
  if (!o.group.empty()) {
    if (paths.size() > 1) {
      throw InputError("--group splits one data file into datasets; " +
                       std::to_string(paths.size()) + " files were given");
    }
    LoadedData one = LoadData(paths.front(), csv_options, dataset_options);
    loaded.data = SplitByGroup(one.data, o.group, one.table.source);
    loaded.tables.push_back(std::move(one.table));
    return loaded;
  }
  std::vector<Dataset> members;
  std::vector<std::string> names;
  for (const std::string& path : paths) {
    LoadedData one = LoadData(path, csv_options, dataset_options);
    names.push_back(one.table.source);
    members.push_back(std::move(one.data));
    loaded.tables.push_back(std::move(one.table));
  }
  loaded.data = MakeClassDataset(std::move(members), std::move(names));
  return loaded;
}

ClassSearchConfig MakeClassConfig(const FitCommandOptions& o, const SearchConfig& config) {
  ClassSearchConfig out;
  out.search = config;
  if (o.search_rows) out.max_rows = *o.search_rows;
  for (const std::string& text : o.class_constants) {
    out.search.library.free_constants.push_back(ParseFreeConstant(text, "--class-const"));
  }
  for (const std::string& text : o.specific_constants) {
    out.specific_constants.push_back(ParseFreeConstant(text, "--spe-const"));
  }
  return out;
}

FormulaReport ClassReport(const Formula& f, const Library& library) {
  FitMetrics metrics;
  metrics.rmse = f.rmse;
  metrics.nrmse = f.nrmse;
  metrics.r2 = f.r2;
  return MakeFormulaReport(f.program, library, metrics);
}

// The constants `formula` uses, split by role: (slot, name, unit) for each.
struct UsedConstant {
  std::size_t slot;
  std::string name;
  std::string unit;
  bool specific;
};

std::vector<UsedConstant> UsedConstants(const Formula& formula, const Library& library,
                                        const ClassConstantRoles& roles) {
  std::vector<UsedConstant> used;
  for (const FittedConstant& c : formula.constants) {
    const Token& token = library[*library.FindTerminal(c.name)];
    used.push_back({static_cast<std::size_t>(token.index), c.name, c.dimension.ToUnitString(),
                    roles.IsSpecific(token.index)});
  }
  return used;
}

std::string ValueWithError(double value, double error) {
  std::string text = FormatNumber(value, 10);
  if (std::isfinite(error)) text += " ± " + FormatNumber(error, 3);
  return text;
}

void PrintBest(std::ostream& out, const ClassSearchResult& r, const std::string& target) {
  const Formula& best = *r.result.best;
  const ClassFormulaFit& fit = *r.best;
  const std::vector<UsedConstant> used = UsedConstants(best, r.result.library, r.roles);
  out << "\nbest        " << target << " = " << best.infix << "\n";
  out << "class       mean reward " << FormatNumber(fit.reward, 6) << ", worst NRMSE "
      << FormatNumber(fit.worst_nrmse, 3) << "\n";
  const DatasetFit& first = fit.datasets.front();
  for (const UsedConstant& c : used) {
    if (c.specific) continue;
    out << "  " << c.name << " = "
        << ValueWithError(first.constants[c.slot], first.standard_errors[c.slot]) << " [" << c.unit
        << "]  (class)\n";
  }
  out << "\nper dataset (NRMSE, R^2, specific constants):\n";
  for (std::size_t k = 0; k < fit.datasets.size(); ++k) {
    const DatasetFit& d = fit.datasets[k];
    out << "  " << r.dataset_names[k] << "  " << FormatNumber(d.nrmse, 3) << "  "
        << FormatNumber(d.r2, 8);
    for (const UsedConstant& c : used) {
      if (!c.specific) continue;
      out << "  " << c.name << " = "
          << ValueWithError(d.constants[c.slot], d.standard_errors[c.slot]) << " [" << c.unit
          << "]";
    }
    out << "\n";
  }
}

void PrintClassResult(std::ostream& out, const ClassSearchResult& r, const ClassDataset& data,
                      const std::vector<FormulaReport>& reports) {
  const Dataset& first = data.members.front();
  out << "data        " << data.size() << " datasets, " << data.total_rows() << " rows, target "
      << first.target_name << " [" << first.target_dimension.ToUnitString() << "]\n";
  for (int k = 0; k < data.size(); ++k) {
    out << "            " << data.names[static_cast<std::size_t>(k)] << ": "
        << data.members[static_cast<std::size_t>(k)].rows() << " rows\n";
  }
  PrintConversions(out, first);
  const SearchResult& result = r.result;
  out << "search      " << result.epochs << " epochs, " << result.evaluations
      << " formulas scored over the class in " << std::fixed << std::setprecision(1)
      << result.seconds << " s; stopped: " << ToString(result.stop_reason) << "\n";
  out.unsetf(std::ios::floatfield);
  out << "\nPareto front (complexity, class loss 1/mean(1/(1+NRMSE_k)) - 1, mean R^2, formula):\n";
  for (const FormulaReport& f : reports) {
    out << "  " << std::setw(4) << FormatNumber(f.complexity, 4) << "  " << std::setw(10)
        << FormatNumber(f.metrics.nrmse, 3) << "  " << std::setw(12)
        << FormatNumber(f.metrics.r2, 8) << "  " << first.target_name << " = " << f.infix << "\n";
  }
  if (result.best && r.best) {
    PrintBest(out, r, first.target_name);
  } else {
    out << "\nno formula with finite predictions on every dataset was found\n";
  }
}

void WriteClassFit(JsonWriter& w, const ClassFormulaFit& fit, const Formula& formula,
                   const ClassSearchResult& r) {
  const std::vector<UsedConstant> used = UsedConstants(formula, r.result.library, r.roles);
  w.BeginObject();
  w.Field("reward", fit.reward);
  w.Field("worst_nrmse", fit.worst_nrmse);
  w.Key("datasets");
  w.BeginArray();
  for (std::size_t k = 0; k < fit.datasets.size(); ++k) {
    const DatasetFit& d = fit.datasets[k];
    w.BeginObject();
    w.Field("name", r.dataset_names[k]);
    w.Field("rmse", d.rmse);
    w.Field("nrmse", d.nrmse);
    w.Field("r2", d.r2);
    w.Key("constants");
    w.BeginObject();
    for (const UsedConstant& c : used) {
      w.Key(c.name);
      w.BeginObject();
      w.Field("value", d.constants[c.slot]);
      w.Field("stderr", d.standard_errors[c.slot]);
      w.Field("unit", c.unit);
      w.Field("role", c.specific ? "specific" : "class");
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

bool IsClassFit(const FitCommandOptions& o) {
  return !o.more_data.empty() || !o.class_constants.empty() || !o.specific_constants.empty() ||
         !o.group.empty();
}

void WriteClassObject(JsonWriter& w, const ClassSearchResult& r) {
  w.BeginObject();
  w.Key("datasets");
  w.BeginArray();
  for (const std::string& name : r.dataset_names) w.String(name);
  w.EndArray();
  w.Key("specific_constants");
  w.BeginArray();
  const Library& library = r.result.library;
  for (const Token& token : library.tokens()) {
    if (token.kind == TokenKind::kFreeConstant && r.roles.IsSpecific(token.index)) {
      w.String(token.name);
    }
  }
  w.EndArray();
  w.Key("best");
  if (r.best && r.result.best) {
    WriteClassFit(w, *r.best, *r.result.best, r);
  } else {
    w.Null();
  }
  w.Key("pareto");
  w.BeginArray();
  for (std::size_t i = 0; i < r.pareto.size(); ++i) {
    WriteClassFit(w, r.pareto[i], r.result.pareto[i], r);
  }
  w.EndArray();
  w.EndObject();
}

int RunClassFit(const FitCommandOptions& o, const SearchConfig& config,
                const CsvOptions& csv_options, const DatasetOptions& dataset_options,
                const SearchCallbacks& callbacks, bool show_progress, std::ostream& out) {
  const ClassSearchConfig class_config = MakeClassConfig(o, config);
  const LoadedClass loaded = LoadClass(o, csv_options, dataset_options);
  const ClassSearchResult r = RunClassSearch(loaded.data, class_config, callbacks);
  if (show_progress) std::cerr << '\n';

  std::vector<FormulaReport> reports;
  for (const Formula& f : r.result.pareto) reports.push_back(ClassReport(f, r.result.library));
  std::optional<FormulaReport> best;
  if (r.result.best) best = ClassReport(*r.result.best, r.result.library);
  std::string json;
  if (!o.json_path.empty()) {
    const Dataset pooled = PoolClass(loaded.data);
    ResultContext context{&loaded.tables.front(), &pooled, &class_config.search, o.sigma,
                          o.weights};
    context.class_result = &r;
    json = ResultJson(r.result, reports, best, context);
  }
  std::ostream& report_out = WriteJsonResult(o.json_path, json, out);
  PrintClassResult(report_out, r, loaded.data, reports);
  PrintJsonPath(report_out, o.json_path);
  return 0;
}

}  // namespace physr::cli
