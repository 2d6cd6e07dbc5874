// parallel.hpp in a build without MPI.
#include <cstdlib>
#include <iostream>

#include "parallel.hpp"

namespace physr::cli {

Collective* JoinParallelJob(double /*stall_seconds*/) {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(name) == nullptr) continue;
    std::cerr << "physr: warning: started by an MPI launcher, but this physr was built without "
                 "MPI: every process runs its own search\n";
    break;
  }
  return nullptr;
}

void AbortParallelJob(int /*status*/) {}

}  // namespace physr::cli
