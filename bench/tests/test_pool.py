"""Tests of spreading benchmark runs over processes (physr_bench/pool.py): alone with threads,
over ranks simulated by threads exchanging messages through queues, and, when mpi4py and
mpirun are there, the recovery runner itself under `mpirun -np 3`:
`python3 -m pytest bench/tests/test_pool.py`."""

import csv
import os
import queue
import shutil
import subprocess
import sys
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
sys.path.insert(0, BENCH)

from physr_bench import pool  # noqa: E402
from physr_bench import runner  # noqa: E402


class Status:
    def __init__(self):
        self.message = None


class ThreadRanks:
    """`size` ranks as threads: one inbox per rank, holding (message, source, tag)."""

    def __init__(self, size):
        self.size = size
        self.inboxes = [queue.Queue() for _ in range(size)]
        self.sent = []  # (source, dest, tag), in order
        self.aborted = []  # (rank, code)
        self.lock = threading.Lock()

    def comm(self, rank):
        return ThreadComm(self, rank)


class ThreadComm:
    def __init__(self, ranks, rank):
        self.ranks = ranks
        self.me = rank
        self.pending = []  # messages taken from the inbox but not from the wanted source

    def rank(self):
        return self.me

    def size(self):
        return self.ranks.size

    def send(self, message, dest, tag):
        with self.ranks.lock:
            self.ranks.sent.append((self.me, dest, tag))
        self.ranks.inboxes[dest].put((message, self.me, tag))

    def make_status(self):
        return Status()

    def iprobe(self, source, status):
        try:
            while True:
                self.pending.append(self.ranks.inboxes[self.me].get(timeout=0.01))
        except queue.Empty:
            pass
        for i, item in enumerate(self.pending):
            if source < 0 or item[1] == source:
                status.message = self.pending.pop(i)
                return True
        return False

    def recv_status(self, status):
        return status.message

    def abort(self, code):
        self.ranks.aborted.append((self.me, code))


def work_on_ranks(size, tasks, run, judge):
    """Runs pool.run_all on `size` thread ranks; returns (recorded [(task, row)], the ranks,
    each rank's return value)."""
    ranks = ThreadRanks(size)
    recorded = []
    returned = [None] * size

    def rank_main(r):
        returned[r] = pool.run_all(tasks if r == 0 else [], run, judge,
                                   (lambda t, row: recorded.append((t, row))) if r == 0 else None,
                                   comm=ranks.comm(r), poll_seconds=0.001)

    threads = [threading.Thread(target=rank_main, args=(r,), name="rank-%d" % r)
               for r in range(size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "a rank did not finish"
    return recorded, ranks, returned


def test_alone_every_task_is_run_judged_and_recorded_once():
    judged_in = set()

    def judge(task, result):
        judged_in.add(threading.current_thread() is threading.main_thread())
        return {"task": task, "square": result}

    recorded = []
    count = pool.run_all(range(10), lambda t: t * t, judge,
                         lambda t, row: recorded.append((t, row)), jobs=3)
    assert count == 10
    assert sorted(t for t, _ in recorded) == list(range(10))
    assert all(row == {"task": t, "square": t * t} for t, row in recorded)
    assert judged_in == {True}  # SymPy's timeouts need the main thread


def test_ranks_rank_0_records_every_task_the_others_ran():
    ran_by = {}

    def run(task):
        ran_by[task] = threading.current_thread().name
        return task + 100

    recorded, ranks, returned = work_on_ranks(3, list(range(7)), run,
                                              lambda t, res: {"task": t, "result": res})
    assert sorted(t for t, _ in recorded) == list(range(7))
    assert all(row == {"task": t, "result": t + 100} for t, row in recorded)
    assert returned == [7, 0, 0]
    # Rank 0 runs nothing; each worker was stopped exactly once, after its last run.
    assert set(ran_by.values()) <= {"rank-1", "rank-2"}
    stops = [(src, dest) for src, dest, tag in ranks.sent if tag == pool.STOP]
    assert sorted(stops) == [(0, 1), (0, 2)]
    runs = sum(tag == pool.RUN for _, _, tag in ranks.sent)
    assert runs == 7


def test_ranks_a_slow_run_does_not_hold_up_the_others():
    # Task 0 finishes only after every other task has been recorded... by the other worker,
    # which can only happen when runs are handed out as workers become free.
    others_done = threading.Event()
    done = set()
    lock = threading.Lock()

    def run(task):
        if task == 0:
            assert others_done.wait(timeout=30), "the other runs waited for the slow one"
        return task

    def judge(task, res):
        with lock:
            done.add(task)
            if done >= set(range(1, 6)):
                others_done.set()
        return {"task": task}

    recorded, _, _ = work_on_ranks(3, list(range(6)), run, judge)
    order = [t for t, _ in recorded]
    assert sorted(order) == list(range(6))
    assert order[-1] == 0


def test_a_failing_run_ends_the_job():
    ranks = ThreadRanks(2)

    def run(task):
        raise ValueError("broken run")

    recorded = []
    rank0 = threading.Thread(target=pool.run_all,
                             args=([1], run, None, lambda t, row: recorded.append(row)),
                             kwargs={"comm": ranks.comm(0), "poll_seconds": 0.001}, daemon=True)
    rank0.start()  # waits for a row that never comes: MPI_Abort would end it
    with pytest.raises(ValueError, match="broken run"):
        pool.run_all([], run, lambda t, r: r, None, comm=ranks.comm(1), poll_seconds=0.001)
    assert ranks.aborted == [(1, 1)]
    assert recorded == []
    ranks.comm(1).send("end the stand-in rank 0", 0, pool.READY)
    rank0.join(timeout=60)
    assert not rank0.is_alive()


def test_more_ranks_than_tasks_and_no_tasks():
    recorded, _, returned = work_on_ranks(4, [5], lambda t: t, lambda t, r: {"r": r})
    assert recorded == [(5, {"r": 5})]
    assert returned == [1, 0, 0, 0]
    recorded, _, returned = work_on_ranks(3, [], lambda t: t, lambda t, r: {"r": r})
    assert recorded == [] and returned == [0, 0, 0]


def test_launcher_detection_and_missing_mpi4py(monkeypatch):
    assert not pool.launched_by_mpi({})
    assert pool.launched_by_mpi({"OMPI_COMM_WORLD_SIZE": "2"})
    assert pool.launched_by_mpi({"PMI_RANK": "0"})
    # The runs a rank starts are one process each, not ranks of its job.
    env = runner.run_environment({"OMPI_COMM_WORLD_SIZE": "2", "PMIX_RANK": "1", "PATH": "/bin"})
    assert env == {"PATH": "/bin"}
    for name in pool.LAUNCHER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert pool.world_comm() is None  # alone: no MPI at all
    monkeypatch.setenv("PMIX_RANK", "0")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import fails
    with pytest.raises(pool.MissingMpi4py, match="pip install mpi4py"):
        pool.world_comm()


def _has(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _physr():
    path = os.environ.get("PHYSR_CLI") or runner.default_physr()
    return path if os.path.exists(path) else None


@pytest.mark.skipif(not _has("mpi4py") or shutil.which("mpirun") is None,
                    reason="needs mpi4py and mpirun")
@pytest.mark.skipif(_physr() is None, reason="needs the physr binary (PHYSR_CLI)")
@pytest.mark.skipif(not _has("sympy"), reason="needs SymPy")
def test_recovery_runner_under_mpirun_spreads_and_resumes(tmp_path):
    out = tmp_path / "recovery.csv"
    cmd = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np", "3", sys.executable,
           os.path.join(BENCH, "recovery.py"), "--physr", _physr(), "--problems",
           "newton_gravity,mechanical_energy", "--seeds", "2", "--max-evals", "3000",
           "--time-limit", "0", "--nice", "0", "--out", str(out)]
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "4 runs to do" in first.stderr and "3 MPI ranks" in first.stderr
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted((r["problem"], r["seed"]) for r in rows) == [
        ("mechanical_energy", "1"), ("mechanical_energy", "2"),
        ("newton_gravity", "1"), ("newton_gravity", "2")]
    assert all(r["status"] == "ok" for r in rows), [r["error"] for r in rows]
    assert first.stdout.count("| newton_gravity |") == 1  # one summary, rank 0's
    # Resumed: nothing left to run, the same rows.
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "0 runs to do (4 already in" in again.stderr
    with open(out, newline="") as f:
        assert len(list(csv.DictReader(f))) == 4


def test_runs_dir_is_named_after_the_csv():
    # The default names keep their folders; two CSVs in one folder get two.
    assert runner.runs_dir("/r/feynman.csv") == "/r/feynman_runs"
    assert runner.runs_dir("/r/throughput.csv") == "/r/throughput_runs"
    assert runner.runs_dir("/r/on.csv") != runner.runs_dir("/r/off.csv")
