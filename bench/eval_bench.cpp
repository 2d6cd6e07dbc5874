// Evaluator throughput: node evaluations per second (instructions × rows / seconds) for random
// programs of about 15 tokens, arithmetic-only and transcendental-heavy, over 10^2..10^6 rows,
// on 1 and 2 threads (parallel across programs, one Evaluator per thread), plain and with the
// Jacobian for programs with two free constants.
// Two figures per point: per wall-clock second, and per CPU second of this process (all its
// threads), which stays meaningful when other jobs share the machine.
// Usage: eval_bench [seconds_per_point=0.5] [workload-name filter, e.g. "arithmetic"]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>

#include "physr/core/rng.hpp"
#include "physr/eval/compiled_program.hpp"
#include "physr/eval/evaluator.hpp"
#include "physr/expr/library.hpp"
#include "physr/expr/program.hpp"

namespace {

using physr::CompiledProgram;
using physr::Library;
using physr::OpCode;
using physr::Program;
using physr::Rng;
using physr::TokenId;

Library BenchLibrary(const std::vector<std::string>& operators) {
  physr::LibrarySpec spec;
  spec.operators = operators;
  for (int j = 0; j < 3; ++j) spec.variables.push_back({"x" + std::to_string(j), {}});
  spec.fixed_constants = {{"1", 1.0, {}}, {"2", 2.0, {}}, {"0.5", 0.5, {}}};
  spec.free_constants = {{"k0", {}, 1.0}, {"k1", {}, 1.0}};
  return Library::Build(spec);
}

// A random program of 13–17 tokens: operators with probability 0.6 while they fit the drawn
// length; rejection keeps only lengths in range.
Program RandomProgram(const Library& lib, Rng& rng) {
  for (;;) {
    const int target = 13 + static_cast<int>(rng.Below(5));
    Program p;
    int open = 1;
    while (open > 0) {
      const int len = static_cast<int>(p.tokens.size());
      std::vector<TokenId> pool;
      const bool grow = rng.Uniform01() < 0.6;
      for (std::size_t id = 0; id < lib.size(); ++id) {
        const int arity = lib[static_cast<TokenId>(id)].arity;
        const bool fits = len + open + arity <= target;
        if ((grow && arity > 0 && fits) || (!grow && arity == 0)) {
          pool.push_back(static_cast<TokenId>(id));
        }
      }
      if (pool.empty()) {  // nothing fits: close with a terminal
        for (std::size_t id = 0; id < lib.size(); ++id) {
          if (lib[static_cast<TokenId>(id)].arity == 0) pool.push_back(static_cast<TokenId>(id));
        }
      }
      const TokenId id = pool[static_cast<std::size_t>(rng.Below(pool.size()))];
      p.tokens.push_back(id);
      open += lib[id].arity - 1;
    }
    if (static_cast<int>(p.tokens.size()) >= 13) {
      p.constants = lib.FreeConstantDefaults();
      return p;
    }
  }
}

struct Workload {
  std::vector<CompiledProgram> programs;
  long long nodes_per_row = 0;  // sum of instruction counts
};

Workload MakeWorkload(const Library& lib, Rng& rng, int count, int need_free) {
  Workload w;
  while (static_cast<int>(w.programs.size()) < count) {
    CompiledProgram c = physr::Compile(RandomProgram(lib, rng), lib);
    if (need_free >= 0 && c.num_free() != need_free) continue;
    w.nodes_per_row += c.size();
    w.programs.push_back(std::move(c));
  }
  return w;
}

struct ThreadState {
  physr::Evaluator evaluator;
  std::vector<double> out;
  Eigen::MatrixXd jacobian;
};

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Rate {
  double per_wall_second;
  double per_cpu_second;
};

// Node evaluations per second over repeated passes through the workload for at least
// `seconds` of wall-clock time.
Rate Throughput(const Workload& w, const Eigen::MatrixXd& X, int threads, bool jacobian,
                double seconds) {
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  tbb::enumerable_thread_specific<ThreadState> states;
  const std::vector<double> constants = {1.3, 0.7};
  const auto rows = static_cast<std::size_t>(X.rows());
  auto pass = [&] {
    tbb::parallel_for(std::size_t{0}, w.programs.size(), [&](std::size_t i) {
      ThreadState& s = states.local();
      s.out.resize(rows);
      const CompiledProgram& c = w.programs[i];
      if (jacobian) {
        s.jacobian.resize(X.rows(), c.num_free());
        s.evaluator.EvaluateWithJacobian(c, X, constants, s.out, s.jacobian);
      } else {
        s.evaluator.Evaluate(c, X, constants, s.out);
      }
    });
  };
  pass();  // warm up: buffers, thread pool, caches
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  long long passes = 0;
  double elapsed = 0.0;
  do {
    pass();
    ++passes;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  const double cpu = CpuSeconds() - cpu_start;
  const double nodes = static_cast<double>(passes) * static_cast<double>(w.nodes_per_row) *
                       static_cast<double>(X.rows());
  return {nodes / elapsed, nodes / cpu};
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 0.5;
  const std::string filter = argc > 2 ? argv[2] : "";
  const Library arithmetic = BenchLibrary({"add", "sub", "mul", "div", "neg", "inv", "n2"});
  const Library transcendental =
      BenchLibrary({"add", "mul", "div", "exp", "log", "sin", "cos", "sqrt", "tanh"});
  Rng rng(12345);
  std::printf("eval_bench: tile %ld rows, %.2f s per point; figures are node evaluations/s\n",
              static_cast<long>(physr::Evaluator::kTileRows), seconds);
  std::printf("%-26s %8s %8s %11s %11s %11s %11s\n", "workload", "rows", "programs", "1T wall",
              "1T cpu", "2T wall", "2T cpu");
  struct Case {
    const char* name;
    const Library* lib;
    int need_free;
    bool jacobian;
  };
  const Case cases[] = {
      {"arithmetic", &arithmetic, -1, false},
      {"transcendental", &transcendental, -1, false},
      {"arithmetic+Jacobian(2)", &arithmetic, 2, true},
      {"transcendental+Jacobian(2)", &transcendental, 2, true},
  };
  for (const Case& c : cases) {
    if (std::string(c.name).find(filter) == std::string::npos) continue;
    for (long rows : {100L, 1000L, 10000L, 100000L, 1000000L}) {
      const int count = rows <= 10000 ? 1000 : (rows == 100000 ? 100 : 16);
      const Workload w = MakeWorkload(*c.lib, rng, count, c.need_free);
      Eigen::MatrixXd X(rows, 3);
      for (Eigen::Index j = 0; j < 3; ++j) {
        for (Eigen::Index i = 0; i < rows; ++i) X(i, j) = rng.Uniform(0.5, 2.0);
      }
      const Rate t1 = Throughput(w, X, 1, c.jacobian, seconds);
      const Rate t2 = Throughput(w, X, 2, c.jacobian, seconds);
      std::printf("%-26s %8ld %8d %11.3e %11.3e %11.3e %11.3e\n", c.name, rows, count,
                  t1.per_wall_second, t1.per_cpu_second, t2.per_wall_second, t2.per_cpu_second);
      std::fflush(stdout);
    }
  }
  return 0;
}
