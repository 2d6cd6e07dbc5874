// Memory over a long search: many small epochs (default 10⁴ epochs of batch
// 32), printing the resident set size every N epochs, so that unbounded growth
// in the search loop (caches, per-epoch vectors, logs) shows as a rising
// column. The data has noise, so no formula is exact and the run goes to its
// epoch limit. Usage: memory_bench [EPOCHS] [BATCH] [EVERY].
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "physr/core/rng.hpp"
#include "physr/search/search.hpp"
#include "physr/units/unit_parser.hpp"

namespace {

// Resident set size in MiB, from /proc/self/statm (0 where it cannot be read).
double ResidentMiB() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0;
  long pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0.0;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
         (1024.0 * 1024.0);
}

physr::Dataset NoisyData(int rows) {
  physr::Dataset d;
  d.names = {"x", "t"};
  d.dimensions = {physr::units::ParseUnit("m"), physr::units::ParseUnit("s")};
  d.target_name = "v";
  d.target_dimension = physr::units::ParseUnit("m/s");
  d.X.resize(rows, 2);
  d.y.resize(rows);
  physr::Rng rng(3);
  for (int r = 0; r < rows; ++r) {
    d.X(r, 0) = rng.Uniform(0.5, 3.0);
    d.X(r, 1) = rng.Uniform(0.5, 3.0);
    d.y(r) = d.X(r, 0) / d.X(r, 1) * (1.0 + 0.05 * rng.Normal());
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int batch = argc > 2 ? std::atoi(argv[2]) : 32;
  const int every = argc > 3 ? std::max(1, std::atoi(argv[3])) : 500;
  const physr::Dataset data = NoisyData(200);
  physr::SearchConfig config;
  config.training.batch_size = batch;
  config.stopping.max_epochs = epochs;
  config.priors.max_length = 15;
  config.training.hidden_size = 32;
  config.fitting.fit.solver.max_iterations = 10;
  config.stopping.perfect_nrmse = 0.0;
  config.seed = 1;
  config.threads = 1;

  std::printf("memory_bench: %d epochs of batch %d, RSS every %d epochs\n", epochs, batch, every);
  std::printf("%8s %12s %10s\n", "epoch", "evaluations", "RSS MiB");
  const double start_mib = ResidentMiB();
  double first_mib = 0.0;
  double last_mib = 0.0;
  physr::SearchCallbacks callbacks;
  callbacks.on_epoch = [&](const physr::EpochReport& r) {
    if (r.epoch == 1 || r.epoch % every == 0) {
      last_mib = ResidentMiB();
      if (r.epoch == 1) first_mib = last_mib;
      std::printf("%8d %12lld %10.1f\n", r.epoch, static_cast<long long>(r.evaluations), last_mib);
      std::fflush(stdout);
    }
    return true;
  };
  const physr::SearchResult result = physr::RunSearch(data, config, callbacks);
  std::printf(
      "before the search %.1f MiB; after epoch 1 %.1f MiB; at the end %.1f MiB "
      "(growth %.1f MiB over %d epochs, %lld formulas scored); front %zu "
      "formulas\n",
      start_mib, first_mib, last_mib, last_mib - first_mib, result.epochs,
      static_cast<long long>(result.evaluations), result.pareto.size());
  return 0;
}
