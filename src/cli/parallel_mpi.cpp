// parallel.hpp with MPI: MPI_COMM_WORLD as the search's Collective.
#include <mpi.h>

#include <cstdlib>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "parallel.hpp"

namespace physr::cli {
namespace {

bool LaunchedByMpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

void Check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

// MPI_COMM_WORLD. MPI's default error handler on it (MPI_ERRORS_ARE_FATAL) ends the job when
// a call fails; with OpenMPI, a rank that dies ends the job too (mpirun kills the others and
// exits non-zero), so a collective never waits for a dead rank.
class MpiCollective final : public Collective {
 public:
  MpiCollective() {
    int provided = 0;
    Check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    Check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    Check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
  }
  ~MpiCollective() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized == 0) MPI_Finalize();
  }
  MpiCollective(const MpiCollective&) = delete;
  MpiCollective& operator=(const MpiCollective&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::vector<std::string> AllGather(std::string_view local) override {
    if (local.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
      throw std::runtime_error("MPI: a message over 2 GiB");
    }
    const auto n = static_cast<std::size_t>(size_);
    std::vector<int> counts(n);
    const int mine = static_cast<int>(local.size());
    Check(MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD),
          "MPI_Allgather");
    std::vector<int> displacements(n);
    long long total = 0;
    for (std::size_t r = 0; r < n; ++r) {
      if (total > std::numeric_limits<int>::max()) throw std::runtime_error("MPI: over 2 GiB");
      displacements[r] = static_cast<int>(total);
      total += counts[r];
    }
    std::string all(static_cast<std::size_t>(total), '\0');
    Check(MPI_Allgatherv(local.data(), mine, MPI_BYTE, all.data(), counts.data(),
                         displacements.data(), MPI_BYTE, MPI_COMM_WORLD),
          "MPI_Allgatherv");
    std::vector<std::string> parts(n);
    for (std::size_t r = 0; r < n; ++r) {
      parts[r] = all.substr(static_cast<std::size_t>(displacements[r]),
                            static_cast<std::size_t>(counts[r]));
    }
    return parts;
  }

 private:
  int rank_ = 0;
  int size_ = 1;
};

std::unique_ptr<MpiCollective>& Job() {
  static std::unique_ptr<MpiCollective> job;  // finalised when the program exits
  return job;
}

}  // namespace

Collective* JoinParallelJob() {
  if (!Job() && LaunchedByMpi()) Job() = std::make_unique<MpiCollective>();
  return Job().get();
}

void AbortParallelJob(int status) {
  if (Job() && Job()->size() > 1) MPI_Abort(MPI_COMM_WORLD, status);
}

}  // namespace physr::cli
