#!/usr/bin/env python3
"""Recovery benchmark: how often and how fast `physr fit` finds the true law on the bundled
datasets, with and without the units prior.

For each problem and seed it runs `physr fit` (own process, its peak memory measured), judges
the best formula with the SRBench symbolic rule (bench/physr_bench/symbolic.py), appends one
row to a CSV (resumable: finished (problem, seed, prior) rows are skipped) and prints a
markdown summary. Needs SymPy (`pip install sympy`).

    python3 bench/recovery.py --physr build/src/cli/physr --seeds 10 --time-limit 120
    python3 bench/recovery.py --problems newton_gravity,kepler_third_law --seeds 2 --jobs 2
    python3 bench/recovery.py --self-test
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from physr_bench import pool  # noqa: E402
from physr_bench import runner  # noqa: E402
from physr_bench import symbolic  # noqa: E402

DATASETS = os.path.join(runner.REPO, "datasets")

# name: physr fit flags, true law (SymPy syntax), constants given to the engine (exact, stay
# symbols in its output) and hidden ones (fitted; true values from the dataset's sidecar).
PROBLEMS = {
    "relativistic_energy": {
        "flags": ["--const", "c[m/s]=299792458"],
        "truth": "m*c**2/sqrt(1 - v**2/c**2)",
        "given": {"c": 299792458.0},
        "hidden": {},
    },
    "mechanical_energy": {
        "flags": ["--free-const", "m[kg]", "--free-const", "g[m/s^2]"],
        "truth": "m*g*z + m*v**2",
        "given": {},
        "hidden": {"m": 1.234, "g": 9.807},
    },
    "damped_oscillator": {
        "flags": ["--free-const", "tau[s]", "--free-const", "omega[1/s]",
                  "--free-const", "phi[1]"],
        "truth": "exp(-t/tau)*cos(omega*t + phi)",
        "given": {},
        "hidden": {"tau": 2.5, "omega": 3.0, "phi": 0.4},
    },
    "newton_gravity": {
        "flags": ["--free-const", "G[m^3/(kg*s^2)]"],
        "truth": "G*m1*m2/r**2",
        "given": {},
        "hidden": {"G": 6.674e-11},
    },
    # Measured orbits: no exact fit exists; recovered means T = k*a^(3/2) with any k (the
    # ratio rule), the fitted k close to 2*pi/sqrt(GM).
    "kepler_third_law": {
        "flags": ["--free-const", "GM[m^3/s^2]"],
        "truth": "2*pi*sqrt(a**3/GM)",
        "given": {},
        "hidden": {"GM": 1.32712440018e20},
    },
}

COLUMNS = ["problem", "seed", "units_prior", "status", "returncode", "recovered", "how",
           "pareto_recovered", "detail", "max_rel_error", "best_sympy", "best_infix", "best_r2",
           "best_nrmse", "best_complexity", "stop_reason", "epochs", "first_exact_epoch",
           "first_exact_seconds", "evaluations", "seconds",
           "wall_seconds", "sampled", "dead_ends", "invalid", "valid_share", "cand_per_s",
           "pareto_size", "peak_rss_mb", "time_limit", "max_evals", "threads", "commit",
           "error"]


def truth_of(name):
    p = PROBLEMS[name]
    ranges, _ = runner.read_ranges(os.path.join(DATASETS, name + ".csv"))
    return symbolic.Truth(p["truth"], ranges, given=p["given"], hidden=p["hidden"])


def judge(checker, js):
    """(verdict of the best formula, whether any Pareto entry is recovered)."""
    best = (js or {}).get("best") or {}
    verdict = checker.check(best["sympy"]) if best.get("sympy") else symbolic.Verdict(
        False, detail="no formula")
    pareto_hit = verdict.recovered or any(
        checker.check(f["sympy"]).recovered for f in (js or {}).get("pareto") or []
        if f.get("sympy") and f.get("sympy") != best.get("sympy"))
    return verdict, pareto_hit


def summarise(rows, problems, priors):
    header = ["problem", "units prior", "recovered", "median s to recovery",
              "median epochs to recovery", "Pareto has truth", "valid samples", "invalid",
              "cand/s", "peak RSS MB", "stopped"]
    table = []
    for name in problems:
        for prior in priors:
            rs = [r for r in rows if r["problem"] == name and r["units_prior"] == prior
                  and r["status"] == "ok"]
            if not rs:
                continue
            hits = [r for r in rs if r["recovered"] == "1"]
            stops = {}
            for r in rs:
                stops[r["stop_reason"]] = stops.get(r["stop_reason"], 0) + 1
            invalid = sum(int(r["invalid"] or 0) for r in rs)
            table.append([
                name, prior, "%d/%d" % (len(hits), len(rs)),
                runner.fmt(runner.median(r.get("first_exact_seconds") or r["wall_seconds"]
                                         for r in hits)),
                runner.fmt(runner.median(r.get("first_exact_epoch") or r["epochs"]
                                         for r in hits)),
                "%d/%d" % (sum(r["pareto_recovered"] == "1" for r in rs), len(rs)),
                runner.fmt(runner.median(r["valid_share"] for r in rs)),
                str(invalid),
                runner.fmt(runner.median(r["cand_per_s"] for r in rs)),
                runner.fmt(max(float(r["peak_rss_mb"]) for r in rs)),
                ", ".join("%s %d" % kv for kv in sorted(stops.items())),
            ])
    return runner.markdown_table(header, table)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--physr", default=runner.default_physr(), help="the physr binary")
    ap.add_argument("--problems", default=",".join(PROBLEMS),
                    help="comma-separated, from: " + ", ".join(PROBLEMS))
    ap.add_argument("--seeds", type=int, default=10, help="seeds 1..N per problem")
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per run")
    ap.add_argument("--max-evals", type=int, default=0, help="formulas per run (0: no limit)")
    ap.add_argument("--threads", type=int, default=1, help="physr threads per run")
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel")
    ap.add_argument("--units-prior-off", action="store_true",
                    help="also run every problem and seed with --no-units-prior")
    ap.add_argument("--commit", default="",
                    help="commit the physr binary was built from, for the CSV (default: this "
                         "tree's HEAD, +dirty when it has changes)")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the runs")
    ap.add_argument("--out", default=os.path.join(runner.REPO, "bench", "results", "recovery.csv"))
    ap.add_argument("--self-test", action="store_true", help="test the recovery checker and exit")
    args = ap.parse_args()

    if args.self_test:
        symbolic.self_test()
        print("symbolic checker self-test passed")
        return 0
    problems = [p.strip() for p in args.problems.split(",") if p.strip()]
    for p in problems:
        if p not in PROBLEMS:
            ap.error("unknown problem %r" % p)
    if not os.path.exists(args.physr):
        ap.error("no physr binary at %s (build it or pass --physr)" % args.physr)
    priors = ["on"] + (["off"] if args.units_prior_off else [])
    comm = pool.comm_or_exit(ap, args.jobs)
    lead = comm is None or comm.rank() == 0
    work_dir = runner.runs_dir(args.out)
    os.makedirs(work_dir, exist_ok=True)
    commit = args.commit or runner.git_commit()
    checkers = {p: symbolic.Checker(truth_of(p)) for p in problems}

    def run(task):
        p, seed, prior = task
        stem = os.path.join(work_dir, "%s_s%d_%s" % (p, seed, prior))
        return runner.run_physr_fit(
            args.physr, os.path.join(DATASETS, p + ".csv"), PROBLEMS[p]["flags"], seed,
            stem + ".json", time_limit=args.time_limit, max_evals=args.max_evals or None,
            threads=args.threads, units_prior=(prior == "on"), nice=args.nice)

    def judge_run(task, res):
        p, seed, prior = task
        js = res["json"]
        row = {"problem": p, "seed": seed, "units_prior": prior,
               "returncode": res["returncode"], "wall_seconds": "%.3f" % res["wall_seconds"],
               "peak_rss_mb": "%.1f" % res["peak_rss_mb"], "time_limit": args.time_limit,
               "max_evals": args.max_evals, "threads": args.threads, "commit": commit}
        if js is None or res["returncode"] != 0:
            row.update(status="error", error=res["stderr_tail"])
        else:
            verdict, pareto_hit = judge(checkers[p], js)
            row.update(runner.json_fields(js))
            row.update(status="ok", recovered=int(verdict.recovered), how=verdict.how,
                       detail=verdict.detail, max_rel_error="%.3g" % verdict.max_rel_error,
                       pareto_recovered=int(pareto_hit))
        return row

    if not lead:  # a rank of an MPI job other than 0: runs what rank 0 hands out
        pool.run_all([], run, judge_run, None, comm=comm)
        return 0
    results = runner.ResultsCsv(args.out, COLUMNS, ["problem", "seed", "units_prior"])
    done = results.done_keys()
    todo = [(p, s, prior) for p in problems for prior in priors
            for s in range(1, args.seeds + 1) if (p, str(s), prior) not in done]
    runner.log("%d runs to do (%d already in %s), physr %s, commit %s%s"
               % (len(todo), len(done), args.out, args.physr, commit, pool.describe(comm)))

    def record(task, row):
        p, seed, prior = task
        results.append(row)
        runner.log("%-20s seed %-3d prior %-3s %s  %s  %s s  %s" % (
            p, seed, prior, row["status"],
            "RECOVERED" if row.get("recovered") == 1 else "missed",
            row["wall_seconds"], row.get("best_sympy", row.get("error", ""))[:80]))

    pool.run_all(todo, run, judge_run, record, jobs=args.jobs, comm=comm)
    print(summarise(results.latest(), problems, priors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
