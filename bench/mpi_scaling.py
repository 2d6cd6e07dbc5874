#!/usr/bin/env python3
"""Formulas per second of one search across MPI ranks against one process.

Runs `physr fit DATA --epochs E --threads 1 --seed S --json` as one process and under
`mpirun -np N` for each N given, alternating the settings REPEATS times so that a change in the
machine's load hits all alike, and prints per setting the median formulas scored per wall
second (`evaluations / seconds` of the result file) and per CPU-second of one rank (the CPU
time of all ranks divided by their number: the rate each rank would reach on a core of its
own, which a loaded machine disturbs less), the ratios to one process, the phase
shares of rank 0's profile, and whether every run's front equals the first one-process run's.

    python3 bench/feynman_generate.py --out build/feynman --problems I.6.2a --rows 2000 --noise 0
    python3 bench/mpi_scaling.py build/feynman/I.6.2a_noise0.csv --ranks 2 --epochs 4 --repeats 3
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile


def run(physr, data, ranks, args, out):
    cmd = [physr, "fit", data, "--epochs", str(args.epochs), "--threads", "1", "--seed",
           str(args.seed), "-q", "--json", out]
    if ranks > 0:
        cmd = [args.mpiexec, "--oversubscribe", "--bind-to", "none", "-np", str(ranks)] + cmd
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out) as f:
        doc = json.load(f)
    # CPU seconds of every rank (and of mpirun), which the machine's load disturbs far less
    # than wall seconds.
    doc["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return doc


def front(doc):
    return [(e["expression"], e["nrmse"]) for e in doc["pareto"]], doc["evaluations"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--physr", default=os.environ.get("PHYSR", "build/src/cli/physr"))
    parser.add_argument("--mpiexec", default="mpiexec")
    parser.add_argument("--ranks", default="2", help="rank counts, e.g. 2,3")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    # 0: the tool without mpirun; N: mpirun -np N.
    settings = [0] + [int(n) for n in args.ranks.split(",")]
    rates = {n: [] for n in settings}
    cpu_rates = {n: [] for n in settings}
    profiles = {n: [] for n in settings}
    same = {n: True for n in settings}
    reference = None
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for n in settings:
                doc = run(args.physr, args.data, n, args, os.path.join(tmp, f"r{n}.json"))
                rates[n].append(doc["evaluations"] / doc["seconds"])
                # Formulas per CPU-second of one rank, as if each rank had a core of its own.
                cpu_rates[n].append(doc["evaluations"] / (doc["cpu"] / max(n, 1)))
                profiles[n].append(doc["profile"])
                if reference is None:
                    reference = front(doc)
                same[n] = same[n] and front(doc) == reference
                print(f"repeat {repeat + 1}, {'1 process' if n == 0 else f'{n} ranks'}: "
                      f"{rates[n][-1]:.0f} formulas/s, {cpu_rates[n][-1]:.0f} per rank-CPU-s",
                      file=sys.stderr)
    base = statistics.median(rates[0])
    cpu_base = statistics.median(cpu_rates[0])
    phases = ["sample_priors", "sample_policy", "fit", "train", "breed", "enumerate", "simplify",
              "finalise", "other"]
    print("| setting | formulas/s (median) | runs | ratio | formulas per rank-CPU-s | ratio | " +
          " | ".join(f"{p} %" for p in phases) + " | same front |")
    print("|---|---|---|---|---|---|" + "---|" * len(phases) + "---|")
    for n in settings:
        median = statistics.median(rates[n])
        shares = []
        for p in phases:
            share = statistics.median(prof[p] / prof["seconds"] for prof in profiles[n])
            shares.append(f"{100 * share:.1f}")
        runs = ", ".join(f"{r:.0f}" for r in rates[n])
        name = "1 process, no mpirun" if n == 0 else f"mpirun -np {n}"
        cpu = statistics.median(cpu_rates[n])
        print(f"| {name} × 1 thread | {median:.0f} | {runs} | {median / base:.2f} | "
              f"{cpu:.0f} | {cpu / cpu_base:.2f} | " +
              " | ".join(shares) + f" | {'yes' if same[n] else 'NO'} |")


if __name__ == "__main__":
    main()
