"""Running `physr fit` for benchmarks: one run per call, its JSON, wall and CPU time and peak
memory.

Each run is its own child process, waited for with os.wait4 so that its CPU time is that
run's alone, also when several runs go in parallel threads. Its peak resident set size comes
from GNU time (/usr/bin/time) when installed: Linux keeps the high-water mark of the memory a
process replaced by exec, so a child started straight from this (large) Python process reports
at least this process's size as its ru_maxrss; GNU time forks the run from a small process and
reports the run's own. Without GNU time that inflated ru_maxrss is recorded. Results go to a CSV that is appended to row by row, so an interrupted benchmark
resumes where it stopped. Standard library only.
"""

import csv
import json
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GNU_TIME = "/usr/bin/time"


def default_physr():
    """The physr binary: $PHYSR, else the first of build*/src/cli/physr that exists."""
    if os.environ.get("PHYSR"):
        return os.environ["PHYSR"]
    for build in ("build", "build-release"):
        path = os.path.join(REPO, build, "src", "cli", "physr")
        if os.path.exists(path):
            return path
    return os.path.join(REPO, "build", "src", "cli", "physr")


def git_commit():
    try:
        out = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return out + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_environment(environ=None):
    """The environment of a run: this process's, less an MPI launcher's variables (OMPI_*,
    PMIX_*, PMI_*), so that a run started by a benchmark that is itself a rank of an MPI job
    (physr_bench/pool.py) is one process, not a rank trying to join that job."""
    environ = os.environ if environ is None else environ
    return {k: v for k, v in environ.items() if not k.startswith(("OMPI_", "PMIX_", "PMI_"))}


def runs_dir(out):
    """The folder for a runner's per-run files: beside its results CSV and named after it
    (bench/results/feynman.csv: bench/results/feynman_runs), so that runners writing different
    CSVs into one folder at the same time never share a run's files."""
    path = os.path.abspath(out)
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.join(os.path.dirname(path), stem + "_runs")


def run_physr_fit(physr, data, flags, seed, json_path, time_limit=None, max_evals=None,
                  epochs=None, threads=1, units_prior=True, nice=0, log_path=None):
    """Runs `physr fit` once and returns a dict of measurements.

    flags: extra command-line arguments (constants, operators...). The JSON written by physr
    is read back into result["json"] (None when missing). Keys: returncode, wall_seconds,
    cpu_seconds (user + system), peak_rss_mb, json, command, stderr_tail.
    """
    cmd = [physr, "fit", data, "--seed", str(seed), "--json", json_path, "--quiet",
           "--threads", str(threads)]
    if time_limit:
        cmd += ["--time-limit", str(time_limit)]
    if max_evals:
        cmd += ["--max-evals", str(max_evals)]
    if epochs:
        cmd += ["--epochs", str(epochs)]
    if not units_prior:
        cmd.append("--no-units-prior")
    cmd += list(flags)
    if os.path.exists(json_path):
        os.remove(json_path)
    log_path = log_path or json_path + ".log"
    rss_path = json_path + ".rss"
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        full = (["nice", "-n", str(nice)] if nice else []) + timed(cmd, rss_path)
        proc = subprocess.Popen(full, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=run_environment())
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status) if hasattr(
        os, "waitstatus_to_exitcode") else (status >> 8)
    result = {"returncode": proc.returncode, "wall_seconds": wall,
              "cpu_seconds": usage.ru_utime + usage.ru_stime,  # that process's own
              "peak_rss_mb": peak_rss_kb(rss_path, usage.ru_maxrss) / 1024.0,
              "command": cmd, "json": None, "stderr_tail": ""}
    try:
        with open(json_path, encoding="utf-8") as f:
            result["json"] = json.load(f)
    except (OSError, ValueError):
        pass
    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            result["stderr_tail"] = f.read()[-400:].strip().replace("\n", " | ")
    except OSError:
        pass
    return result


def timed(cmd, rss_path):
    """cmd under GNU time, which writes the command's peak RSS to rss_path (read it with
    peak_rss_kb); cmd itself when GNU time is not installed."""
    return ([GNU_TIME, "-q", "-f", "%M", "-o", rss_path] if os.access(GNU_TIME, os.X_OK)
            else []) + list(cmd)


def peak_rss_kb(rss_path, fallback):
    """The run's peak RSS in kilobytes as GNU time wrote it (its last line), else `fallback`
    (a killed GNU time writes nothing)."""
    try:
        with open(rss_path, encoding="utf-8") as f:
            lines = f.read().split()
        os.remove(rss_path)
        return int(lines[-1])
    except (OSError, ValueError, IndexError):
        return fallback


def json_fields(js):
    """Run-level fields of physr fit's JSON, flattened for a CSV row."""
    if not js:
        return {}
    best = js.get("best") or {}
    sampled = js.get("sampled") or 0
    dead = js.get("dead_ends") or 0
    seconds = js.get("seconds") or 0.0
    evaluations = js.get("evaluations") or 0
    return {
        "best_sympy": best.get("sympy", ""),
        "best_infix": best.get("infix", ""),
        "best_r2": best.get("r2", ""),
        "best_nrmse": best.get("nrmse", ""),
        "best_complexity": best.get("complexity", ""),
        "stop_reason": js.get("stop_reason", ""),
        "epochs": js.get("epochs", ""),
        "first_exact_epoch": js.get("first_exact_epoch") or "",
        "first_exact_seconds": js.get("first_exact_seconds") or "",
        "evaluations": evaluations,
        "seconds": seconds,
        "sampled": sampled,
        "dead_ends": dead,
        "invalid": js.get("invalid", ""),
        "valid_share": (1.0 - dead / sampled) if sampled else "",
        "cand_per_s": (evaluations / seconds) if seconds else "",
        "pareto_size": len(js.get("pareto") or []),
    }


class ResultsCsv:
    """Append-only CSV of run rows, keyed for resuming. Thread-safe appends."""

    def __init__(self, path, columns, key_columns):
        self.path = path
        self.columns = columns
        self.key_columns = key_columns
        self.lock = threading.Lock()
        self.rows = []
        if os.path.exists(path):
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                self.rows = list(reader)
                header = list(reader.fieldnames or [])
            if header != list(columns):
                # Written by another version: rewritten with this version's columns (and any
                # old ones after them), so that appended rows line up with the header.
                self.columns = list(columns) + [c for c in header if c not in columns]
                self.rewrite()
        else:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "w", newline="", encoding="utf-8") as f:
                csv.DictWriter(f, columns).writeheader()

    def key(self, row):
        return tuple(str(row[c]) for c in self.key_columns)

    def done_keys(self):
        """Keys of rows that finished (status ok); failed runs are retried."""
        return {self.key(r) for r in self.rows if r.get("status") == "ok"}

    def append(self, row):
        with self.lock:
            self.rows.append({c: str(row.get(c, "")) for c in self.columns})
            with open(self.path, "a", newline="", encoding="utf-8") as f:
                csv.DictWriter(f, self.columns, extrasaction="ignore").writerow(row)

    def rewrite(self):
        """Writes all rows back (after they were changed in place)."""
        with self.lock:
            tmp = self.path + ".tmp"
            with open(tmp, "w", newline="", encoding="utf-8") as f:
                w = csv.DictWriter(f, self.columns, extrasaction="ignore")
                w.writeheader()
                w.writerows(self.rows)
            os.replace(tmp, self.path)

    def latest(self):
        """The last row per key."""
        out = {}
        for r in self.rows:
            out[self.key(r)] = r
        return list(out.values())


def median(values):
    values = [float(v) for v in values if v not in ("", None)]
    return statistics.median(values) if values else float("nan")


def fmt(x, digits=3):
    if isinstance(x, str):
        return x
    if x != x:  # nan
        return "–"
    if abs(x) >= 1000:
        return "%.0f" % x
    return ("%%.%dg" % digits) % x


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(lines)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def read_ranges(csv_path, target=None):
    """(input ranges {name: (min, max)}, target name) of a physr CSV: `name[unit]` header,
    `#` comment lines, the last column the target unless `target` names one."""
    names, lows, highs = None, None, None
    with open(csv_path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cells = [c.strip() for c in line.split(",")]
            if names is None:
                names = [c.split("[")[0].strip() for c in cells]
                lows = [float("inf")] * len(names)
                highs = [float("-inf")] * len(names)
                continue
            for i, c in enumerate(cells):
                x = float(c)
                lows[i] = min(lows[i], x)
                highs[i] = max(highs[i], x)
    target = target or names[-1]
    return {n: (lo, hi) for n, lo, hi in zip(names, lows, highs) if n != target}, target
