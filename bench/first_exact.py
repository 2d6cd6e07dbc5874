#!/usr/bin/env python3
"""Time to the first exact formula: the README's quick-start problem (datasets/
mechanical_energy.csv, m and g free constants), one `physr fit` per seed with --patience 0, so
each run stops at the end of the epoch that found an exact formula.

For every binary given (--physr, and --baseline when given; runs alternate between them seed
by seed, so the machine's load falls on both alike) it prints the median over seeds of:
`first_exact_seconds` from the JSON (wall seconds from the search's start, the data read, to
the end of the epoch of the first exact formula), the process's wall seconds, and its CPU
seconds (user + system, from os.wait4; the figure to trust on a loaded machine), with the
epoch of the first exact formula and how many seeds reached one within --epochs.

    python3 bench/first_exact.py --seeds 10 --threads 2
    python3 bench/first_exact.py --baseline /path/to/old/physr --seeds 10
"""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from physr_bench import runner  # noqa: E402

DATA = os.path.join(runner.REPO, "datasets", "mechanical_energy.csv")
FLAGS = ["--free-const", "m[kg]", "--free-const", "g[m/s^2]", "--patience", "0"]


def measure(physr, seed, args, workdir):
    json_path = os.path.join(workdir, "run-%d.json" % seed)
    r = runner.run_physr_fit(physr, DATA, FLAGS, seed, json_path, epochs=args.epochs,
                             threads=args.threads, nice=args.nice)
    js = r["json"] or {}
    exact = bool(js.get("first_exact_epoch"))
    return {"exact": exact, "first_exact_seconds": js.get("first_exact_seconds") if exact else "",
            "first_exact_epoch": js.get("first_exact_epoch") if exact else "",
            "wall": r["wall_seconds"], "cpu": r["cpu_seconds"], "returncode": r["returncode"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--physr", default=runner.default_physr(), help="the physr binary")
    parser.add_argument("--baseline", help="another physr binary, measured alternately")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 1..N")
    parser.add_argument("--threads", type=int, default=2, help="physr threads per run")
    parser.add_argument("--epochs", type=int, default=20, help="epoch limit per run")
    parser.add_argument("--nice", type=int, default=0, help="niceness of the runs")
    args = parser.parse_args()
    binaries = [("current", args.physr)]
    if args.baseline:
        binaries.append(("baseline", args.baseline))
    runs = {name: [] for name, _ in binaries}
    with tempfile.TemporaryDirectory() as workdir:
        for seed in range(1, args.seeds + 1):
            order = binaries if seed % 2 else list(reversed(binaries))
            for name, physr in order:
                m = measure(physr, seed, args, workdir)
                if m["returncode"] != 0:
                    runner.log("%s seed %d: physr exited %d" % (name, seed, m["returncode"]))
                runs[name].append(m)
                runner.log("%s seed %d: exact %s at %s s (epoch %s), wall %.2f s, cpu %.2f s" % (
                    name, seed, m["exact"], runner.fmt(m["first_exact_seconds"] or float("nan")),
                    m["first_exact_epoch"] or "-", m["wall"], m["cpu"]))
    header = ["binary", "exact", "median first_exact_seconds", "median epoch",
              "median process wall s", "median process CPU s"]
    rows = []
    for name, _ in binaries:
        ms = runs[name]
        rows.append([name, "%d/%d" % (sum(m["exact"] for m in ms), len(ms)),
                     runner.fmt(runner.median(m["first_exact_seconds"] for m in ms)),
                     runner.fmt(runner.median(m["first_exact_epoch"] for m in ms)),
                     runner.fmt(runner.median(m["wall"] for m in ms)),
                     runner.fmt(runner.median(m["cpu"] for m in ms))])
    print("README problem, %d seeds, %d threads, --epochs %d, --patience 0" % (
        args.seeds, args.threads, args.epochs))
    print(runner.markdown_table(header, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
