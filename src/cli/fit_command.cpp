#include "fit_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <stop_token>
#include <thread>

#include "class_fit.hpp"
#include "operator_flags.hpp"
#include "options.hpp"
#include "parallel.hpp"
#include "physr/core/error.hpp"
#include "physr/data/csv.hpp"
#include "physr/expr/unit_check.hpp"
#include "physr/search/class_search.hpp"
#include "physr/search/search.hpp"
#include "report.hpp"
#include "result_file.hpp"

namespace physr::cli {
namespace {

// Set by the signal handler; the search polls it between epochs.
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

extern "C" void HandleStopSignal(int signal) {
  if (g_stop.load()) {
    // A second signal: the user insists. Restore the default action and re-raise.
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  g_signal.store(signal);
  g_stop.store(true);
}

// Installs the stop handlers for the lifetime of a run and restores the previous ones.
class StopSignals {
 public:
  StopSignals() {
    g_stop.store(false);
    g_signal.store(0);
    previous_int_ = std::signal(SIGINT, HandleStopSignal);
    previous_term_ = std::signal(SIGTERM, HandleStopSignal);
  }
  ~StopSignals() {
    std::signal(SIGINT, previous_int_);
    std::signal(SIGTERM, previous_term_);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  void (*previous_int_)(int);
  void (*previous_term_)(int);
};

// One rank of several: while it lives, a thread checks every quarter second that the rank's
// launcher (its parent process: mpirun, or Slurm's step daemon) still runs. A launcher that
// exits without ending its ranks (OpenMPI's mpirun does so on a second SIGINT) orphans them;
// then the search stops after its epoch as if interrupted (exit status 129), rank 0 writes its
// result, and SIGPIPE is ignored so that output to the launcher's closed pipes cannot kill it.
class LauncherWatch {
 public:
  LauncherWatch()
      : thread_([parent = getppid()](const std::stop_token& token) {
          while (!token.stop_requested()) {
            if (getppid() != parent) {
              std::signal(SIGPIPE, SIG_IGN);
              if (!g_stop.exchange(true)) g_signal.store(SIGHUP);
              return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
          }
        }) {}

 private:
  std::jthread thread_;
};

std::string Shorten(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  return text.substr(0, width - 3) + "...";
}

std::string Abbreviate(double x) {
  char buf[32];
  if (x >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.1fM", x / 1e6);
  } else if (x >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1fk", x / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", x);
  }
  return buf;
}

FormulaReport ReportOf(const Formula& f, const Library& library) {
  std::vector<double> errors(static_cast<std::size_t>(library.num_free_constants()),
                             std::numeric_limits<double>::quiet_NaN());
  for (const FittedConstant& c : f.constants) {
    if (const auto id = library.FindTerminal(c.name)) {
      errors[static_cast<std::size_t>(library[*id].index)] = c.standard_error;
    }
  }
  FitMetrics metrics;
  metrics.rmse = f.rmse;
  metrics.nrmse = f.nrmse;
  metrics.r2 = f.r2;
  return MakeFormulaReport(f.program, library, metrics, errors);
}

// A search over several datasets (class_fit.hpp).
void AddClassOptions(CLI::App* cmd, FitCommandOptions& o) {
  cmd->add_option("MORE_DATA", o.more_data,
                  "More CSV files, datasets of the same phenomenon with the same columns: one "
                  "law is searched across all of them");
  cmd->add_option("--class-const", o.class_constants,
                  "Constant with one value for all datasets, e.g. g[m/s^2] (repeatable)")
      ->type_name("NAME[UNIT][=START]")
      ->allow_extra_args(false);
  cmd->add_option("--spe-const", o.specific_constants,
                  "Constant with one value per dataset, e.g. L[m] (repeatable)")
      ->type_name("NAME[UNIT][=START]")
      ->allow_extra_args(false);
  cmd->add_option("--group", o.group,
                  "Column naming each row's dataset: one file split into datasets by its values");
}

// The strategies around the engine: groups, enumeration, symmetry, features, screening.
void AddStrategyOptions(CLI::App* cmd, FitCommandOptions& o) {
  cmd->add_option("--groups", o.groups,
                  "Search over the dimensionless groups of the inputs (Buckingham pi) and "
                  "write the law back in the data's variables: off, on, or auto (when they "
                  "remove an input, half the budget over them and the rest over the data as "
                  "given, the best chosen on the merged front)")
      ->type_name("off|on|auto")
      ->capture_default_str();
  cmd->add_option("--enumerate", o.enumerate,
                  "First try every formula of up to N tokens (brute force, duplicates removed by "
                  "value): off, on (" +
                      std::to_string(EnumerateOptions{}.max_length) +
                      " tokens), N, or auto (on "
                      "with at most " +
                      std::to_string(EnumerateOptions::kAutoMaxVariables) +
                      " variables, after --groups)")
      ->type_name("off|auto|on|N")
      ->capture_default_str();
  cmd->add_option("--symmetry", o.symmetry,
                  "Before the dimensionless groups are formed, replace a pair of inputs through "
                  "whose difference (theta1 - theta2), product or quotient alone the target "
                  "depends, as the data shows, by that one input: off, on, or auto (on with at "
                  "most 5 inputs)")
      ->type_name("off|on|auto")
      ->capture_default_str();
  cmd->add_option("--features", o.features,
                  "Give the search over the data as given the sums and differences of squares "
                  "of inputs that share a unit (x^2 + y^2 + z^2, c^2 - v^2, (x1 - x2)^2 + "
                  "(y1 - y2)^2) as more inputs, the law written back in the data's variables: "
                  "off, on, or auto (on; off over several datasets)")
      ->type_name("off|on|auto")
      ->capture_default_str();
  cmd->add_option("--screen", o.screen,
                  "Search only the K input columns that explain most of the target (ranked "
                  "by rank correlation and correlation ratio): K, off, or auto (the " +
                      std::to_string(kScreenAutoKeep) + " best when there are more than " +
                      std::to_string(kScreenAutoAbove) + ")")
      ->type_name("K|auto|off")
      ->capture_default_str();
}

// The data, library, limit and output options.
void AddMainOptions(CLI::App* cmd, FitCommandOptions& o) {
  cmd->add_option("DATA", o.data_path,
                  "CSV file with a name[unit] header ('-': standard input); the last column is "
                  "the target")
      ->required();
  cmd->add_option("--target", o.target, "Target column (default: the last column)");
  AddOperatorFlags(cmd, o.operators, /*with_ops=*/true);
  cmd->add_option("--const", o.constants,
                  "Fixed constant with unit and value, e.g. c[m/s]=299792458 (repeatable)")
      ->type_name("NAME[UNIT]=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--free-const", o.free_constants,
                  "Constant to fit, with its unit and optional start value, e.g. g[m/s^2] "
                  "(repeatable; added to the two default dimensionless ones)")
      ->type_name("NAME[UNIT][=START]")
      ->allow_extra_args(false);
  AddClassOptions(cmd, o);
  cmd->add_flag("--no-default-consts", o.no_default_constants,
                "Do not add the two default dimensionless free constants, C1 and C2");
  SearchConfig& t = o.config;
  cmd->add_option("--max-length", t.priors.max_length, "Longest formula, in tokens")
      ->capture_default_str();
  cmd->add_option("--batch", t.training.batch_size, "Formulas sampled per epoch")
      ->capture_default_str();
  cmd->add_option("--epochs", t.stopping.max_epochs,
                  "Stop after this many epochs (default " + std::to_string(kDefaultEpochs) +
                      " when no other limit is given)");
  cmd->add_option("--time-limit", t.stopping.time_limit_seconds, "Stop after this many seconds")
      ->type_name("S");
  cmd->add_option("--max-evals", t.stopping.max_evaluations,
                  "Stop after this many formulas scored");
  cmd->add_option("--search-rows", o.search_rows,
                  "Search on a seeded random subset of at most N rows (0: all rows; default " +
                      std::to_string(RowSamplingOptions{}.max_rows) + ", and " +
                      std::to_string(ClassSearchConfig::kClassSearchRows) +
                      " in all for several datasets, split equally); the final front is "
                      "refitted on all rows")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", t.seed, "Random seed: the same seed gives the same result")
      ->capture_default_str();
  cmd->add_option("--threads", t.threads, "Worker threads (default: all cores)");
  cmd->add_option("--mpi-timeout", o.mpi_timeout,
                  "Across MPI ranks: end the job with an error when a rank waits longer than "
                  "this for the others in an exchange (or 4 times its longest stretch of work "
                  "between exchanges, if longer)")
      ->type_name("S")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI::Option* sigma = cmd->add_option(
      "--sigma", o.sigma, "Column of per-row standard errors of the target (weights 1/sigma^2)");
  CLI::Option* weights = cmd->add_option("--weights", o.weights, "Column of per-row weights");
  sigma->excludes(weights);
  AddDataFlags(cmd, o.input);
  cmd->add_flag(
      "--no-units-prior", o.no_units_prior,
      "Ignore units while sampling (for comparisons; results may be dimensionally wrong)");
  cmd->add_flag("--no-canonical", o.no_canonical,
                "Report formulas as the search wrote them, not in canonical form "
                "(m*c^2/sqrt(1 - v^2/c^2); constants folded and merged, powers, phases)");
  cmd->add_option("--json", o.json_path,
                  "Also write the result as JSON to this file ('-': to standard output, and "
                  "the report to standard error)")
      ->type_name("OUT.json");
  cmd->add_flag("--quiet,-q", o.quiet, "No progress line");
  AddStrategyOptions(cmd, o);
}

// The advanced options of the search, in their own help group.
void AddTuningOptions(CLI::App* cmd, SearchConfig& t) {
  const std::string tuning = "Search tuning";

  cmd->add_option("--risk-epsilon", t.training.risk_epsilon,
                  "Train on the best fraction of each batch (risk-seeking quantile)")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--learning-rate", t.training.learning_rate, "Adam learning rate of the policy")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--entropy-weight", t.training.loss.entropy_weight, "Entropy bonus weight")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--entropy-gamma", t.training.loss.entropy_gamma,
                  "Entropy bonus decay per position")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--hidden-size", t.training.hidden_size, "LSTM hidden units")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--soft-length", t.priors.soft_length_loc, "Preferred formula length, in tokens")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--occam", t.priors.completion_length_weight,
                  "Penalty per extra token a choice forces to complete the formula")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--fit-iterations", t.fitting.fit.solver.max_iterations,
                  "Levenberg-Marquardt iterations per candidate")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--fit-restarts", t.fitting.fit.restarts,
                  "Extra random starts of the constant fit per candidate")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--race-rows", t.rows.race_rows,
                  "Fit each candidate first on this many of the search rows and on all of them "
                  "only if it could be among the batch's best or enter the front (0: off; "
                  "racing applies from " +
                      std::to_string(RowSamplingOptions::kRaceMinFactor) +
                      " times as many search rows)")
      ->group(tuning)
      ->type_name("N")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--race-advance", t.rows.race_advance,
                  "Share of each batch refitted on all search rows after the race")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--race-iterations", t.rows.race_iterations,
                  "Levenberg-Marquardt iterations of a fit on the race rows (0: as "
                  "--fit-iterations; a candidate that advances is refitted on all search rows "
                  "with --fit-iterations)")
      ->group(tuning)
      ->type_name("N")
      ->capture_default_str();
  cmd->add_option("--evolve", t.evolution.offspring,
                  "Offspring bred per generation from each epoch's best formulas (0: the policy "
                  "alone)")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--generations", t.evolution.generations, "Generations bred per epoch")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--memory", t.training.memory,
                  "Best distinct formulas remembered across epochs and trained on with each "
                  "batch's elite (0: the batch's elite alone)")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--restart-after", t.training.restart_after,
                  "Start the policy afresh after this many epochs without a 1 % gain in the "
                  "best error, keeping the front (0: never)")
      ->group(tuning)
      ->type_name("N")
      ->capture_default_str();
  cmd->add_option("--search-stability", t.search_stability,
                  "Check numerical stability during the search, so formulas that fit only "
                  "through floating-point rounding neither enter the front nor breed nor train "
                  "(true/false; the final pass always checks)")
      ->group(tuning)
      ->capture_default_str();
  cmd->add_option("--exact-nrmse", t.stopping.perfect_nrmse,
                  "NRMSE at or below which a formula counts as exact (default: from the digits "
                  "the target is written with, between 1e-9 and 1e-6)")
      ->group(tuning);
  cmd->add_option("--patience", t.stopping.perfect_patience,
                  "Epochs to keep searching for simpler exact formulas after the first "
                  "(default: as many as finding it took, at least " +
                      std::to_string(StoppingOptions::kAutoPatienceMin) + ", at most " +
                      std::to_string(StoppingOptions::kAutoPatienceCap) + ")")
      ->group(tuning);
}

void AddCheckpointOptions(CLI::App* cmd, CheckpointOptions& t) {
  cmd->add_option("--checkpoint", t.dir,
                  "Save the search state in this directory (every " +
                      std::to_string(static_cast<int>(kDefaultCheckpointSeconds)) +
                      " s unless "
                      "--checkpoint-every/--checkpoint-seconds say otherwise, and on stopping, "
                      "Ctrl-C included)")
      ->type_name("DIR");
  cmd->add_option("--checkpoint-every", t.every_epochs, "Save the state every N epochs")
      ->type_name("N");
  cmd->add_option("--checkpoint-seconds", t.every_seconds, "Save the state every S seconds")
      ->type_name("S");
  cmd->add_option("--resume", t.resume_dir,
                  "Continue the run saved in DIR (same data and options; it keeps saving "
                  "there unless --checkpoint names another directory)")
      ->type_name("DIR");
}

}  // namespace

CLI::App* AddFitCommand(CLI::App& app, FitCommandOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "fit", "Discover formulas for the target column: a Pareto front of accuracy vs complexity");
  AddMainOptions(cmd, o);
  AddTuningOptions(cmd, o.config);
  AddCheckpointOptions(cmd, o.config.checkpoint);
  return cmd;
}

namespace {

// The search options: the flags bound to SearchConfig directly, plus those that need
// parsing or depend on one another.
SearchConfig MakeConfig(const FitCommandOptions& o) {
  SearchConfig config = o.config;
  if (o.search_rows) config.rows.max_rows = *o.search_rows;
  LibraryOptions& library = config.library;
  const OperatorChoices ops = ParseOperatorFlags(o.operators);
  if (ops.operators) library.operators = *ops.operators;
  library.definitions = ops.definitions;
  library.complexity = ops.complexity;
  for (const std::string& text : o.constants) {
    library.fixed_constants.push_back(ParseFixedConstant(text));
  }
  for (const std::string& text : o.free_constants) {
    library.free_constants.push_back(ParseFreeConstant(text));
  }
  library.default_free_constants = !o.no_default_constants;
  config.priors.min_length = std::min(config.priors.min_length, config.priors.max_length);
  config.priors.units = !o.no_units_prior;
  config.canonical = !o.no_canonical;
  config.groups = ParseGroupsMode(o.groups);
  ParseEnumerate(o.enumerate, config.enumerate);
  config.screen = ParseScreen(o.screen);
  config.features = ParseFeaturesMode(o.features);
  config.symmetry = ParseSymmetryMode(o.symmetry);
  config.stopping.ApplyDefaultLimit();
  config.checkpoint.ApplyDefaultSchedule();
  return config;
}

// The live progress line on stderr: epoch, formulas scored per second, valid share, best
// reward and NRMSE, the best formula so far. Each line overwrites the one before.
std::function<bool(const EpochReport&)> ProgressLine() {
  return [last_width = std::size_t{0}](const EpochReport& r) mutable {
    std::ostringstream line;
    line << "epoch " << r.epoch << "  " << Abbreviate(r.candidates_per_second) << " cand/s  valid "
         << std::fixed << std::setprecision(1) << 100.0 * r.valid_share << "%  best R "
         << std::setprecision(4) << r.best_reward << "  NRMSE " << std::scientific
         << std::setprecision(2) << r.best_nrmse << "  " << Shorten(r.best_infix, 60);
    std::string text = line.str();
    const std::size_t width = text.size();
    if (width < last_width) text.append(last_width - width, ' ');
    last_width = width;
    std::cerr << '\r' << text << std::flush;
    return true;
  };
}

// The report line of the groups searched over: "groups      E/(m*c^2) = f(pi1), pi1 = v/c".
std::string GroupsLine(const GroupBasis& groups, const std::string& target) {
  std::string line = target;
  const std::string& scale = groups.target_text;
  if (scale.find_first_of("*/(") != std::string::npos) {
    line += "/(" + scale + ')';
  } else if (scale != "1") {
    line += '/' + scale;
  }
  line += " = f(";
  std::string definitions;
  for (std::size_t j = 0; j < groups.names.size(); ++j) {
    line += (j > 0 ? ", " : "") + groups.names[j];
    if (groups.names[j] != groups.texts[j]) {
      definitions += ", " + groups.names[j] + " = " + groups.texts[j];
    }
  }
  return line + ')' + definitions;
}

// The report line of a screened search: "screening   kept 15 of 300 columns: x3 (0.31), ...".
std::string ScreeningLine(const Screening& screening) {
  std::ostringstream line;
  line << "kept " << screening.kept.size() << " of " << screening.columns << " columns:";
  for (std::size_t k = 0; k < screening.kept.size(); ++k) {
    line << (k > 0 ? ", " : " ") << screening.kept[k].name << " ("
         << FormatNumber(screening.kept[k].score, 2) << ')';
  }
  return line.str();
}

// 0, or 130/143 when SIGINT/SIGTERM stopped the search (129: its launcher exited, LauncherWatch).
// Progress lines go to a terminal on stderr unless --quiet.
bool ShowsProgress(const FitCommandOptions& o) { return !o.quiet && isatty(STDERR_FILENO) != 0; }

// A search's callbacks: stopped by SIGINT/SIGTERM (StopSignals), with progress lines if asked.
SearchCallbacks Callbacks(bool show_progress) {
  SearchCallbacks callbacks;
  callbacks.stop_requested = &g_stop;
  if (show_progress) callbacks.on_epoch = ProgressLine();
  return callbacks;
}

int ExitStatus() {
  const int signal = g_signal.load();
  if (signal == SIGINT) return 130;
  if (signal == SIGTERM) return 143;
  if (signal == SIGHUP) return 129;  // LauncherWatch
  return 0;
}

void PrintResult(std::ostream& out, const SearchResult& result,
                 const std::vector<FormulaReport>& reports,
                 const std::optional<FormulaReport>& best, const CsvTable& table,
                 const Dataset& data, bool units_rules) {
  const std::string target_unit = data.target_dimension.ToUnitString();
  out << "data        " << table.source << ": " << data.rows() << " rows, target "
      << data.TargetLabel() << "\n";
  PrintConversions(out, data);
  out << "search      " << result.epochs << " epochs, " << result.evaluations
      << " formulas scored in " << std::fixed << std::setprecision(1) << result.seconds
      << " s; stopped: " << ToString(result.stop_reason) << "\n";
  PrintDefinitions(out, result.library);
  if (result.screening) out << "screening   " << ScreeningLine(*result.screening) << "\n";
  if (result.groups) out << "groups      " << GroupsLine(*result.groups, data.target_name) << "\n";
  if (!result.features.empty()) {
    out << "features    ";
    for (std::size_t k = 0; k < result.features.size(); ++k) {
      out << (k > 0 ? "; " : "") << result.features[k];
    }
    out << "\n";
  }
  if (result.groups_portfolio) {
    out << "portfolio   searched over the groups and over the data as given; selected: "
        << (!result.best               ? "none"
            : result.best->from_groups ? "over the groups"
                                       : "over the data as given")
        << "\n";
  }
  out.unsetf(std::ios::floatfield);
  out << std::setprecision(6);
  out << "\nPareto front (complexity, NRMSE, R^2, formula):\n";
  for (const FormulaReport& r : reports) {
    out << "  " << std::setw(4) << FormatNumber(r.complexity, 4) << "  " << std::setw(10)
        << FormatNumber(r.metrics.nrmse, 3) << "  " << std::setw(12)
        << FormatNumber(r.metrics.r2, 8) << "  " << data.target_name << " = " << r.infix_values
        << "\n";
  }
  if (best) {
    out << "\nbest\n";
    PrintFormulaReport(out, *best, target_unit);
    if (const std::optional<Token> input =
            ShutOutInput(*result.best, result.library, units_rules)) {
      const std::string declare = "--free-const 'C[" + input->dimension.ToUnitString() + "]'";
      out << "note        " << NoInputAdvice(*input, declare, "--no-units-prior") << "\n";
    }
  } else {
    out << "\nno formula with finite predictions was found\n";
  }
}

}  // namespace

int RunFit(const FitCommandOptions& o, std::ostream& out) {
  const SearchConfig config = MakeConfig(o);
  DatasetOptions dataset_options;
  dataset_options.target = o.target;
  dataset_options.sigma = o.sigma;
  dataset_options.weights = o.weights;
  const CsvOptions csv_options = MakeCsvOptions(o.input, dataset_options);
  // Under an MPI launcher, every rank runs the one search; rank 0 alone prints and writes.
  Collective* const job = JoinParallelJob(o.mpi_timeout);
  const bool lead = job == nullptr || job->rank() == 0;
  if (job != nullptr && job->size() > 1 && o.data_path == kStdinPath) {
    throw InputError("the data cannot come from standard input when physr runs as " +
                     std::to_string(job->size()) + " MPI ranks: give a file every rank can read");
  }
  if (IsClassFit(o)) {
    if (job != nullptr && job->size() > 1) {
      throw InputError(
          "a search over several datasets runs in one process: run it without "
          "mpirun (it has " +
          std::to_string(job->size()) + " ranks)");
    }
    CheckJsonPath(o.json_path, o.data_path);
    const bool show_progress = ShowsProgress(o);
    StopSignals signals;
    RunClassFit(o, config, csv_options, dataset_options, Callbacks(show_progress), show_progress,
                out);
    return ExitStatus();
  }
  if (lead) CheckJsonPath(o.json_path, o.data_path);
  const LoadedData loaded = LoadData(o.data_path, csv_options, dataset_options, !lead);
  const Dataset& data = loaded.data;

  const bool show_progress = lead && ShowsProgress(o);
  SearchCallbacks callbacks = Callbacks(show_progress);
  callbacks.collective = job;
  StopSignals signals;
  std::optional<LauncherWatch> watch;
  if (job != nullptr && job->size() > 1) watch.emplace();
  const SearchResult result = RunSearch(data, config, callbacks);
  if (show_progress) std::cerr << '\n';
  // The other ranks wait (bounded, parallel.hpp) until rank 0 has written the result.
  if (!lead) {
    job->AllGather({});
    return ExitStatus();
  }

  std::vector<FormulaReport> reports;
  for (const Formula& f : result.pareto) reports.push_back(ReportOf(f, result.library));
  std::optional<FormulaReport> best;
  if (result.best) best = ReportOf(*result.best, result.library);
  std::string json;
  if (!o.json_path.empty()) {
    const ResultContext context{&loaded.table, &data, &config, o.sigma, o.weights};
    json = ResultJson(result, reports, best, context);
  }
  std::ostream& report_out = WriteJsonResult(o.json_path, json, out);
  PrintResult(report_out, result, reports, best, loaded.table, data, config.priors.units);
  PrintJsonPath(report_out, o.json_path);
  if (job != nullptr) job->AllGather({});
  return ExitStatus();
}

}  // namespace physr::cli
