// parallel.hpp with MPI: MPI_COMM_WORLD as the search's Collective.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

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

using Clock = std::chrono::steady_clock;

// MPI_COMM_WORLD. MPI's default error handler on it (MPI_ERRORS_ARE_FATAL) ends the job when
// a call fails; with OpenMPI, a rank that dies ends the job too (mpirun kills the others and
// exits non-zero), so a collective never waits for a dead rank. A rank that stalls without
// dying is caught by the wait limit: every exchange is a non-blocking collective polled until
// it completes, and a rank that waits longer than max(stall_seconds, kStallFactor × the
// longest stretch of work it has done between two exchanges) throws, which ends the job
// (main's AbortParallelJob).
class MpiCollective final : public Collective {
 public:
  static constexpr double kStallFactor = 4.0;

  explicit MpiCollective(double stall_seconds) : stall_seconds_(stall_seconds) {
    int provided = 0;
    Check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    Check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    Check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
    last_exchange_ = Clock::now();
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
    const Clock::time_point start = Clock::now();
    longest_work_ = std::max(longest_work_, Seconds(start - last_exchange_));
    const auto n = static_cast<std::size_t>(size_);
    std::vector<int> counts(n);
    const int mine = static_cast<int>(local.size());
    MPI_Request request = MPI_REQUEST_NULL;
    Check(MPI_Iallgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD, &request),
          "MPI_Iallgather");
    Wait(request, start);
    // Returns at once, the request being complete (MPI_REQUEST_NULL); it shows static analysis
    // (clang-tidy's MPI checker, which does not model MPI_Test) that the request was waited for.
    Check(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait");
    std::vector<int> displacements(n);
    long long total = 0;
    for (std::size_t r = 0; r < n; ++r) {
      if (total > std::numeric_limits<int>::max()) throw std::runtime_error("MPI: over 2 GiB");
      displacements[r] = static_cast<int>(total);
      total += counts[r];
    }
    std::string all(static_cast<std::size_t>(total), '\0');
    Check(MPI_Iallgatherv(local.data(), mine, MPI_BYTE, all.data(), counts.data(),
                          displacements.data(), MPI_BYTE, MPI_COMM_WORLD, &request),
          "MPI_Iallgatherv");
    Wait(request, start);
    Check(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait");
    last_exchange_ = Clock::now();
    std::vector<std::string> parts(n);
    for (std::size_t r = 0; r < n; ++r) {
      parts[r] = all.substr(static_cast<std::size_t>(displacements[r]),
                            static_cast<std::size_t>(counts[r]));
    }
    return parts;
  }

 private:
  static double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

  // Polls `request` until it completes, sleeping between polls (from a few microseconds up to
  // a millisecond: an idle rank does not spin on a core); throws once the exchange that began
  // at `start` has waited past the limit.
  void Wait(MPI_Request& request, Clock::time_point start) {
    const double limit = std::max(stall_seconds_, kStallFactor * longest_work_);
    auto pause = std::chrono::microseconds(2);
    for (;;) {
      int done = 0;
      Check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (done != 0) return;
      const double waited = Seconds(Clock::now() - start);
      if (waited > limit) throw std::runtime_error(StallMessage(waited, limit));
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(1000));
    }
  }

  std::string StallMessage(double waited, double limit) const {
    std::ostringstream text;
    text.precision(3);
    text << "MPI: rank " << rank_ << " of " << size_ << " waited " << waited
         << " s for the other ranks in an exchange, past its limit of " << limit
         << " s (the larger of --mpi-timeout, " << stall_seconds_ << " s, and " << kStallFactor
         << " times the longest stretch of work between two exchanges, " << longest_work_
         << " s): a rank has stalled (stopped, or stuck) or is far slower than the others; "
            "ending the job";
    return text.str();
  }

  int rank_ = 0;
  int size_ = 1;
  double stall_seconds_;
  Clock::time_point last_exchange_;
  double longest_work_ = 0.0;  // seconds, the longest stretch between two exchanges
};

std::unique_ptr<MpiCollective>& Job() {
  static std::unique_ptr<MpiCollective> job;  // finalised when the program exits
  return job;
}

}  // namespace

Collective* JoinParallelJob(double stall_seconds) {
  if (!Job() && LaunchedByMpi()) Job() = std::make_unique<MpiCollective>(stall_seconds);
  return Job().get();
}

void AbortParallelJob(int status) {
  if (Job() && Job()->size() > 1) MPI_Abort(MPI_COMM_WORLD, status);
}

}  // namespace physr::cli
