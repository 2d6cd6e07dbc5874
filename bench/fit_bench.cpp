// Constant-fitting throughput on the parallel-efficiency problem y = a*sin(b*x) + exp(-x)
// (1000 rows, x evenly spaced in [-10, 10], constants a and b, start 1.0, no restarts unless
// stated): fits per second with 1 and 2 threads, the share of fits that reach the true
// constants, node evaluations per second, and what in-batch dedup and the cache save.
// Prints figures; asserts nothing.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>

#include "physr/core/rng.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/fit/batch_fitter.hpp"
#include "physr/fit/constant_fitter.hpp"

namespace {

using namespace physr;
using Clock = std::chrono::steady_clock;

constexpr int kRows = 1000;
constexpr int kBatch = 2000;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Task {
  Eigen::VectorXd y;
  double a = 0.0, b = 0.0;  // the truth
  bool noisy = false;
};

// Process CPU time (all threads): on a shared machine, fits per CPU-second is the per-core
// figure that other load does not distort.
double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

struct Outcome {
  double seconds = 0.0;
  double cpu_seconds = 0.0;
  int at_truth = 0;
  int converged = 0;
  double value_nodes = 0.0;  // instruction × row evaluations of values
  double total_nodes = 0.0;  // values plus derivative lanes: (1 + k) per instruction × row
  double iterations = 0.0;
};

// Noiseless data: within 1e-6 relative of the truth; noisy data: within 3 standard errors.
bool AtTruth(const FitResult& r, double a, double b, bool noisy = false) {
  const double ca = r.constants[0], cb = r.constants[1];
  const auto near = [&](double x, double t, double se) {
    if (!noisy) return std::abs(x - t) <= 1e-6 * std::abs(t);
    return std::abs(x - t) <= 3.0 * se;
  };
  const double se_a = r.standard_errors[0], se_b = r.standard_errors[1];
  // a·sin(b·x) = (−a)·sin(−b·x): both are the truth.
  return (near(ca, a, se_a) && near(cb, b, se_b)) || (near(ca, -a, se_a) && near(cb, -b, se_b));
}

void Account(const FitResult& r, const CompiledProgram& program, Outcome& out) {
  const double per_pass = static_cast<double>(program.size()) * kRows;
  out.value_nodes += per_pass * r.residual_evaluations;
  out.total_nodes += per_pass * (r.residual_evaluations +
                                 static_cast<double>(program.num_free()) * r.jacobian_evaluations);
  out.iterations += r.iterations;
  out.converged += r.converged ? 1 : 0;
}

// Every task has its own data: FitConstants in a tbb::parallel_for, one Evaluator per thread
// (what BatchFitter runs for the fits that dedup and the cache leave).
Outcome FitTasks(const CompiledProgram& program, const Eigen::MatrixXd& X,
                 const std::vector<Task>& tasks, int threads, const FitOptions& options) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  std::vector<FitResult> results(tasks.size());
  tbb::enumerable_thread_specific<Evaluator> evaluators;
  const std::vector<double> start{1.0, 1.0};
  const auto t0 = Clock::now();
  const double c0 = CpuSeconds();
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, tasks.size(), 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      Evaluator& evaluator = evaluators.local();
                      for (std::size_t i = range.begin(); i != range.end(); ++i) {
                        const Eigen::VectorXd& y = tasks[i].y;
                        results[i] = FitConstants(
                            program, start, X,
                            std::span<const double>(y.data(), static_cast<std::size_t>(y.size())),
                            {}, evaluator, options);
                      }
                    });
  Outcome out;
  out.seconds = Seconds(t0);
  out.cpu_seconds = CpuSeconds() - c0;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    Account(results[i], program, out);
    out.at_truth += AtTruth(results[i], tasks[i].a, tasks[i].b, tasks[i].noisy) ? 1 : 0;
  }
  return out;
}

void Print(const char* label, int threads, const Outcome& o, std::size_t fits) {
  const double n = static_cast<double>(fits);
  std::printf(
      "%-31s %d thr %7.0f fits/s wall, %7.0f per CPU-s | at truth %5.1f%%, "
      "converged %5.1f%%, %4.1f iters | per CPU-s: %5.2f Gnode values, %5.2f with "
      "derivatives\n",
      label, threads, n / o.seconds, n / o.cpu_seconds, 100.0 * o.at_truth / n,
      100.0 * o.converged / n, o.iterations / n, o.value_nodes / o.cpu_seconds * 1e-9,
      o.total_nodes / o.cpu_seconds * 1e-9);
}

}  // namespace

int main(int argc, char** argv) {
  // "no-constants": only the section on programs without free constants.
  const bool all = argc < 2 || std::string(argv[1]) != "no-constants";
  Library library;
  library.AddVariable("x", Dimension());
  library.AddFreeConstant("a", Dimension());
  library.AddFreeConstant("b", Dimension());
  const auto op = [&](OpCode code) { return library.AddOperator(code); };
  const TokenId add = op(OpCode::kAdd), mul = op(OpCode::kMul), sin = op(OpCode::kSin),
                exp = op(OpCode::kExp), neg = op(OpCode::kNeg);
  const TokenId x = *library.Find("x"), a = *library.Find("a"), b = *library.Find("b");
  Program program;
  program.tokens = {add, mul, a, sin, mul, b, x, exp, neg, x};
  program.constants = {1.0, 1.0};
  const CompiledProgram compiled = Compile(program, library);

  Eigen::MatrixXd X(kRows, 1);
  for (int i = 0; i < kRows; ++i) X(i, 0) = -10.0 + 20.0 * i / (kRows - 1);

  // Different target constants per task (noiseless), and one law with different noise seeds.
  std::vector<Task> targets(kBatch), noisy(kBatch), wide(kBatch);
  Rng rng(2024);
  for (int t = 0; t < kBatch; ++t) {
    Task& task = targets[static_cast<std::size_t>(t)];
    task.a = rng.Uniform(0.5, 2.0);
    task.b = rng.Uniform(0.7, 1.3);
    task.y = task.a * (task.b * X.col(0).array()).sin() + (-X.col(0).array()).exp();
    Task& n = noisy[static_cast<std::size_t>(t)];
    n.a = 1.14;
    n.b = 0.936;
    n.noisy = true;
    Task& w = wide[static_cast<std::size_t>(t)];
    w.a = rng.Uniform(0.5, 2.0);
    w.b = std::exp(rng.Uniform(std::log(0.3), std::log(3.0)));
    w.y = w.a * (w.b * X.col(0).array()).sin() + (-X.col(0).array()).exp();
    Rng noise(7, static_cast<std::uint64_t>(t));
    n.y = n.a * (n.b * X.col(0).array()).sin() + (-X.col(0).array()).exp();
    for (int i = 0; i < kRows; ++i) n.y(i) += 0.01 * noise.Normal();
  }

  FitOptions plain;
  if (all) {
    std::printf("y = a*sin(b*x) + exp(-x), %d rows, batch %d, start (1, 1), %d instructions\n",
                kRows, kBatch, compiled.size());
    for (int threads : {1, 2}) {
      Print("targets a~U(.5,2) b~U(.7,1.3)", threads,
            FitTasks(compiled, X, targets, threads, plain), targets.size());
    }
    for (int threads : {1, 2}) {
      Print("one law, noise seeds (σ=0.01)", threads, FitTasks(compiled, X, noisy, threads, plain),
            noisy.size());
    }
    // Wide frequencies: from b = 1 LM often stops in a local minimum; restarts (log-uniform
    // magnitudes within a factor 10, random sign, stopping at the first exact fit) recover it.
    FitOptions restarts = plain;
    restarts.restarts = 8;
    restarts.restart_log10_min = -1.0;
    restarts.restart_log10_max = 1.0;
    Print("wide b~logU(.3,3), no restarts", 2, FitTasks(compiled, X, wide, 2, plain), wide.size());
    Print("wide b~logU(.3,3), 8 restarts", 2, FitTasks(compiled, X, wide, 2, restarts),
          wide.size());

    // BatchFitter on one data set: 2000 distinct token sequences (each reads its own fixed
    // constant 1.0 inside exp(-x*one_i)), then the same batch again (all cache hits), then 2000
    // copies of one program (in-batch dedup: one fit).
    {
      const Task& task = targets[0];
      std::vector<Program> distinct;
      for (int i = 0; i < kBatch; ++i) {
        const TokenId one = library.AddFixedConstant("one_" + std::to_string(i), 1.0, Dimension());
        Program p;
        p.tokens = {add, mul, a, sin, mul, b, x, exp, neg, mul, x, one};
        distinct.push_back(p);
      }
      const std::vector<Program> copies(kBatch, program);
      const std::span<const double> y(task.y.data(), static_cast<std::size_t>(task.y.size()));
      for (int threads : {1, 2}) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
        BatchFitter fitter(library);
        auto t0 = Clock::now();
        const double c0 = CpuSeconds();
        auto results = fitter.FitAll(distinct, X, y, {});
        const double fit_s = Seconds(t0);
        const double fit_cpu = CpuSeconds() - c0;
        int at_truth = 0;
        for (const auto& r : results) at_truth += AtTruth(r, task.a, task.b) ? 1 : 0;
        t0 = Clock::now();
        results = fitter.FitAll(distinct, X, y, {});
        const double cached_s = Seconds(t0);
        const std::size_t hits = fitter.last_stats().cache_hits;
        t0 = Clock::now();
        BatchFitter fresh(library);
        results = fresh.FitAll(copies, X, y, {});
        const double dedup_s = Seconds(t0);
        std::printf(
            "BatchFitter %d thr: %d distinct programs %7.0f fits/s wall, %7.0f per CPU-s "
            "(at truth %d); again from cache (%zu hits) %9.0f programs/s; %d copies "
            "(fitted %zu) %9.0f programs/s\n",
            threads, kBatch, kBatch / fit_s, kBatch / fit_cpu, at_truth, hits, kBatch / cached_s,
            kBatch, fresh.last_stats().fitted, kBatch / dedup_s);
      }
    }
  }

  // Programs without free constants: one evaluation and the figures. 2000 distinct programs,
  // transcendental x*sin(x*one_i) + exp(-x) and arithmetic x*x*one_i + x (10 and 7
  // instructions), on 100 and 1000 rows of x; fitted by FitConstants and by the solver path
  // (detail::FitConstantsWithSolver, what every such program went through before), alternating
  // in one process, then by a BatchFitter with its cache off (1 thread).
  {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
    double sink = 0.0;
    for (const bool transcendental : {true, false}) {
      std::vector<Program> programs;
      std::vector<CompiledProgram> compiled_free;
      for (int i = 0; i < kBatch; ++i) {
        const TokenId one = library.AddFixedConstant(
            (transcendental ? "t_" : "a_") + std::to_string(i), 1.0, Dimension());
        Program p;
        p.tokens = transcendental ? std::vector<TokenId>{add, mul, x, sin, mul, x, one, exp, neg, x}
                                  : std::vector<TokenId>{add, mul, mul, x, x, one, x};
        programs.push_back(p);
        compiled_free.push_back(Compile(p, library));
      }
      for (const int rows : {100, kRows}) {
        const Eigen::MatrixXd Xr = X.topRows(rows);
        const Eigen::VectorXd yr = targets[0].y.head(rows);
        const std::span<const double> y(yr.data(), static_cast<std::size_t>(rows));
        Evaluator evaluator;
        const std::vector<double> start;
        const auto run = [&](bool solver) {
          const double c0 = CpuSeconds();
          for (const CompiledProgram& c : compiled_free) {
            const FitResult r =
                solver ? detail::FitConstantsWithSolver(c, start, Xr, y, {}, evaluator, plain)
                       : FitConstants(c, start, Xr, y, {}, evaluator, plain);
            sink += r.cost;
          }
          return CpuSeconds() - c0;
        };
        const int rounds = rows == kRows ? 10 : 50;
        double direct_s = 0.0, solver_s = 0.0, batch_s = 0.0;
        BatchFitOptions uncached;
        uncached.cache_capacity = 0;
        BatchFitter fitter(library, uncached);
        for (int round = 0; round < rounds; ++round) {
          solver_s += run(true);
          direct_s += run(false);
          const double c0 = CpuSeconds();
          sink += fitter.FitAll(programs, Xr, y, {})[0].cost;
          batch_s += CpuSeconds() - c0;
        }
        const double fits = static_cast<double>(rounds) * kBatch;
        std::printf(
            "no free constants, %-14s %4d rows, 1 thr: FitConstants %8.0f fits per "
            "CPU-s, solver path %8.0f (ratio %.2f); BatchFitter (cache off) %8.0f\n",
            transcendental ? "sin/exp" : "arithmetic", rows, fits / direct_s, fits / solver_s,
            solver_s / direct_s, fits / batch_s);
      }
    }
    std::printf("(checksum %g)\n", sink);
  }
  return 0;
}
