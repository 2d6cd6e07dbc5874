"""Spreading a benchmark's runs over processes: threads of this process, or the ranks of an
MPI job.

A runner splits each run into `run(task)` (runs physr: any thread), `judge(task, result)`
(turns its result into a CSV row: a main thread, since the judges' SymPy timeouts are
signals) and `record(task, row)` (writes the row: one process, the results file's only
writer).

- Alone (no MPI launcher, or a job of one rank): `jobs` threads run, and the main thread
  judges and records each run as it finishes.
- Under `mpirun -np N` (N ≥ 2, every rank running the same runner with the same arguments):
  rank 0 hands out the runs and records; ranks 1..N-1 each ask for a run, do it, send its row
  back and ask for the next, so a rank that finishes early takes the next run (dynamic). Rank 0
  runs none itself, so N ranks do N - 1 runs at a time. The results file is rank 0's alone, so
  an interrupted job resumes as a single process does (the runner skips the rows it holds).

mpi4py is imported only under an MPI launcher (`pip install mpi4py`, which needs an MPI's
compiler wrapper, e.g. Debian's libopenmpi-dev); without it the runner stops with that advice.
Waiting ranks poll with short sleeps instead of MPI's blocking calls, which spin on a core.
"""

import os
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed

# Message tags: a worker asks for a run (READY, with the row of its previous run or None),
# rank 0 answers with a run (RUN) or tells it to stop (STOP).
READY, RUN, STOP = 1, 2, 3
LAUNCHER_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK")


class MissingMpi4py(RuntimeError):
    pass


def launched_by_mpi(environ=None):
    """Whether an MPI launcher started this process (OpenMPI's, PMIx's or PMI's variables)."""
    environ = os.environ if environ is None else environ
    return any(name in environ for name in LAUNCHER_VARIABLES)


def mpi_world():
    """MPI_COMM_WORLD through mpi4py when an MPI launcher started this process, else None."""
    if not launched_by_mpi():
        return None
    try:
        from mpi4py import MPI  # noqa: WPS433 (only under a launcher)
    except ImportError as e:
        raise MissingMpi4py(
            "started by an MPI launcher, but mpi4py is missing: install it into this Python "
            "(`%s -m pip install mpi4py`; it builds against the MPI found by `mpicc`, e.g. "
            "Debian's libopenmpi-dev), or run without mpirun and use --jobs" % (
                os.path.basename(sys.executable) or "python3")) from e
    return MPI.COMM_WORLD


def _receive(comm, source, poll_seconds):
    """(message, source rank, tag) of the next message from `source` (-1: any rank), polling
    with sleeps."""
    status = comm.make_status()
    while not comm.iprobe(source, status):
        time.sleep(poll_seconds)
    return comm.recv_status(status)


def run_all(tasks, run, judge, record, jobs=1, comm=None, poll_seconds=0.05):
    """Runs, judges and records every task, as described in the module's docstring.
    `comm`: None alone, else an MPI communicator (mpi4py's, wrapped by MpiComm) or a stand-in
    with the same methods (tests). Returns the number of runs recorded by this process (0 on
    ranks other than 0)."""
    if comm is None or comm.size() == 1:
        return _run_alone(tasks, run, judge, record, jobs)
    if comm.rank() == 0:
        return _hand_out(comm, list(tasks), record, poll_seconds)
    _work_for(comm, lambda task: judge(task, run(task)), poll_seconds)
    return 0


def _run_alone(tasks, run, judge, record, jobs):
    count = 0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run, t): t for t in tasks}
        for fut in as_completed(futures):
            task = futures[fut]
            record(task, judge(task, fut.result()))
            count += 1
    return count


def _hand_out(comm, tasks, record, poll_seconds):
    """Rank 0: answers every READY with the next task, or STOP once none is left; records the
    rows that come back. Returns when every worker has been stopped."""
    next_task = 0
    running = {}  # rank -> its task
    active = comm.size() - 1
    count = 0
    while active:
        row, source, tag = _receive(comm, -1, poll_seconds)
        assert tag == READY, "unexpected message tag %r from rank %d" % (tag, source)
        if source in running:
            record(running.pop(source), row)
            count += 1
        if next_task < len(tasks):
            running[source] = tasks[next_task]
            comm.send(tasks[next_task], source, RUN)
            next_task += 1
        else:
            comm.send(None, source, STOP)
            active -= 1
    return count


def _work_for(comm, work, poll_seconds):
    """Ranks 1..N-1: asks rank 0 for a task, does it, sends its row with the next request. An
    error in a run ends the whole job (rank 0 would otherwise wait for its row forever); the
    rows already written stay, and the job resumes from them."""
    row = None
    while True:
        comm.send(row, 0, READY)
        task, _, tag = _receive(comm, 0, poll_seconds)
        if tag == STOP:
            return
        try:
            row = work(task)
        except BaseException:
            traceback.print_exc()
            print("rank %d: run %r failed; ending the job" % (comm.rank(), task),
                  file=sys.stderr, flush=True)
            comm.abort(1)
            raise


class MpiComm:
    """mpi4py's communicator behind the few calls run_all makes (so tests can stand in)."""

    def __init__(self, world):
        self.world = world

    def rank(self):
        return self.world.Get_rank()

    def size(self):
        return self.world.Get_size()

    def send(self, message, dest, tag):
        self.world.send(message, dest=dest, tag=tag)

    def make_status(self):
        from mpi4py import MPI
        return MPI.Status()

    def iprobe(self, source, status):
        from mpi4py import MPI
        return self.world.iprobe(source=MPI.ANY_SOURCE if source < 0 else source,
                                 tag=MPI.ANY_TAG, status=status)

    def recv_status(self, status):
        source, tag = status.Get_source(), status.Get_tag()
        return self.world.recv(source=source, tag=tag), source, tag

    def abort(self, code):
        self.world.Abort(code)


def world_comm():
    """MpiComm of MPI_COMM_WORLD under an MPI launcher (MissingMpi4py without mpi4py), else
    None."""
    world = mpi_world()
    return None if world is None else MpiComm(world)


def comm_or_exit(parser, jobs):
    """world_comm() for a runner's main: parser.error (exit status 2) when mpi4py is missing
    under a launcher, or when --jobs > 1 asks for threads in an MPI job (its ranks are the
    parallel runs)."""
    try:
        comm = world_comm()
    except MissingMpi4py as e:
        parser.error(str(e))
    if comm is not None and comm.size() > 1 and jobs > 1:
        parser.error("--jobs %d in an MPI job of %d ranks: its ranks run in parallel, one run "
                     "each (N ranks: N - 1 runs at a time); leave --jobs at 1"
                     % (jobs, comm.size()))
    return comm


def describe(comm):
    """', N MPI ranks (rank 0 hands out, N - 1 run)' in an MPI job, else ''."""
    if comm is None or comm.size() == 1:
        return ""
    return ", %d MPI ranks (rank 0 hands out the runs, %d run them)" % (comm.size(),
                                                                        comm.size() - 1)
