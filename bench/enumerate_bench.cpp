// Exhaustive enumeration (search/enumerate.hpp) over the default library (DefaultOperators,
// "1", free constants C1 and C2) for 1, 2 and 3 dimensionless variables: the distinct
// programs per length, the candidates built, the subtrees kept and the CPU seconds, up to a
// length or a budget. Usage: enumerate_bench [max_length=11] [max_free_constants=1]
// [max_candidates=30000000].
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "physr/core/rng.hpp"
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

}  // namespace

int main(int argc, char** argv) {
  physr::EnumerateOptions options;
  options.mode = physr::EnumerateMode::kOn;
  options.max_length = argc > 1 ? std::atoi(argv[1]) : 11;
  options.max_free_constants = argc > 2 ? std::atoi(argv[2]) : options.max_free_constants;
  if (argc > 3) options.max_candidates = std::atoll(argv[3]);
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
  }
  return 0;
}
