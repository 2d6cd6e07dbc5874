// `physr fit` as one search across the ranks of an MPI job (`mpirun -np N physr fit ...`,
// `srun` under Slurm). With physr built with MPI (the CMake option PHYSR_MPI) and started by
// an MPI launcher, JoinParallelJob initialises MPI and returns the job's Collective; otherwise,
// and always in a build without MPI, it returns null and physr runs as one process, as if MPI
// did not exist (no MPI call is made). Not here: what the search does across ranks
// (search.hpp, SearchCallbacks::collective).
#pragma once

#include "physr/core/collective.hpp"

namespace physr::cli {

// The MPI job this process belongs to, or null when it was not launched by an MPI launcher
// (recognised by the environment OpenMPI, PMIx and PMI launchers set: OMPI_COMM_WORLD_SIZE,
// PMIX_RANK, PMI_RANK) or physr was built without MPI; then a launcher's environment gives a
// warning that the processes will run separate searches. The first call initialises MPI;
// MPI is finalised at exit. Call from the main thread only; the collective is for that
// thread. stall_seconds (> 0; the first call's counts): a rank that waits in an exchange
// longer than the larger of stall_seconds and 4 × the longest stretch of work it has done
// between two exchanges throws std::runtime_error naming the wait, so that a rank that
// stalled without dying ends the job (AbortParallelJob) rather than hang it.
inline constexpr double kDefaultStallSeconds = 600.0;
Collective* JoinParallelJob(double stall_seconds = kDefaultStallSeconds);

// When this process is one of several ranks of a job: ends every rank at once with `status`
// (MPI_Abort), so that an error on one rank never leaves the others waiting. Otherwise
// returns and does nothing.
void AbortParallelJob(int status);

}  // namespace physr::cli
