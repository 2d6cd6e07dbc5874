// Exhaustive enumeration (search/enumerate.hpp) over the default library (DefaultOperators,
// "1", free constants C1 and C2) for 1, 2 and 3 dimensionless variables: the distinct
// programs per length, the candidates built, the subtrees kept and the CPU seconds, up to a
// length or a budget; then, per length, the programs with free constants the enumeration
// returns (the first keep_fitted) and the CPU seconds the search's screening spends fitting
// them on 64 rows (BatchFitter, one thread). Usage: enumerate_bench [max_length=11]
// [max_free_constants=1] [max_candidates=30000000] [keep_fitted=EnumerateOptions' default].
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <oneapi/tbb/global_control.h>

#include "physr/core/rng.hpp"
#include "physr/fit/batch_fitter.hpp"
#include "physr/search/config.hpp"
#include "physr/search/enumerate.hpp"

namespace {

physr::Dataset Data(int variables) {
  physr::Dataset d;
  physr::Rng rng(1);
  d.X.resize(64, variables);
  for (int c = 0; c < variables; ++c) {
    d.names.push_back("x" + std::to_string(c + 1));
    d.dimensions.emplace_back();
    for (int r = 0; r < 64; ++r) d.X(r, c) = rng.Uniform(0.1, 1.0);
  }
  d.y = Eigen::VectorXd::Ones(64);
  d.target_name = "y";
  return d;
}

// The programs with free constants per length, and the CPU seconds of fitting them all.
// The target fitted is 1/(exp(0.3*x1) - 1) + x_last, so that the fits work as on real data.
void ReportFitted(const physr::Library& library, physr::Dataset data, const physr::Enumeration& e) {
  for (Eigen::Index r = 0; r < data.X.rows(); ++r) {
    data.y(r) = 1.0 / (std::exp(0.3 * data.X(r, 0)) - 1.0) + data.X(r, data.X.cols() - 1);
  }
  std::vector<physr::Program> fitted;
  std::vector<long long> per_length;
  for (std::size_t i = 0; i < e.programs.size(); ++i) {
    if (!std::isnan(e.probe_nrmse[i])) continue;
    fitted.push_back(e.programs[i]);
    const std::size_t length = e.programs[i].tokens.size();
    if (per_length.size() <= length) per_length.resize(length + 1, 0);
    ++per_length[length];
  }
  physr::BatchFitOptions options = physr::SearchConfig{}.fitting;  // as the search screens
  options.fit.compute_uncertainties = false;
  options.cache_capacity = 0;
  const tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  const std::clock_t start = std::clock();
  const std::vector<physr::FitResult> fits =
      physr::BatchFitter(library, options).FitAll(fitted, data);
  const double cpu = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  std::printf("with free constants, returned per length:");
  for (std::size_t length = 1; length < per_length.size(); ++length) {
    std::printf(" %zu:%lld", length, per_length[length]);
  }
  std::printf("\n%zu fitted on %ld rows in %.2f CPU s (%.1f us each)\n", fits.size(),
              static_cast<long>(data.rows()), cpu,
              fits.empty() ? 0.0 : 1e6 * cpu / static_cast<double>(fits.size()));
}

}  // namespace

int main(int argc, char** argv) {
  physr::EnumerateOptions options;
  options.mode = physr::EnumerateMode::kOn;
  options.max_length = argc > 1 ? std::atoi(argv[1]) : 11;
  options.max_free_constants = argc > 2 ? std::atoi(argv[2]) : options.max_free_constants;
  if (argc > 3) options.max_candidates = std::atoll(argv[3]);
  if (argc > 4) options.keep_fitted = std::atoll(argv[4]);
  std::printf("vars  length  programs(cumulative)  candidates  stored  cpu_s  complete_to\n");
  for (int variables = 1; variables <= 3; ++variables) {
    const physr::Dataset data = Data(variables);
    const physr::Library library = physr::BuildSearchLibrary(data, physr::LibraryOptions{});
    const std::clock_t start = std::clock();
    const physr::Enumeration e =
        physr::EnumeratePrograms(library, data, physr::Dimension(), options);
    const double cpu = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    long long cumulative = 0;
    for (std::size_t length = 1; length < e.count.size(); ++length) {
      cumulative += e.count[length];
      std::printf("%4d  %6zu  %10lld (%lld)  %10lld  %8lld  %6.2f  %d\n", variables, length,
                  static_cast<long long>(e.count[length]), cumulative,
                  static_cast<long long>(e.candidates), static_cast<long long>(e.stored), cpu,
                  e.complete_length);
    }
    ReportFitted(library, data, e);
  }
  return 0;
}
