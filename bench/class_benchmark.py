#!/usr/bin/env python3
"""PhySO's Class symbolic-regression benchmark with `physr fit` over several datasets.

For each problem of bench/class/ClassEquations.csv and each number of realizations R: R
datasets (specific constants uniform in their ranges, --rows points each, noise
noise*N(0, rms(y)) per realization), one `physr fit` over them with each specific constant
declared by --spe-const with its unit and the formula's dimensioned number by --class-const
(physr's default dimensionless C1 and C2 stay), PhySO's operator set, one thread, a time limit.

Judged per realization with SRBench's rule (physr_bench/srbench.py): the law with that
realization's fitted constants against the truth with its drawn constants.
  recovered   the selected law holds on every realization;
  physo_rule  some Pareto-front law holds on some realization (PhySO's analysis script stops
              at the first realization and Pareto entry that compare equal), SRBench's rule;
  physo_judge the same scan under PhySO's own comparison (physr_bench/physo_judge.py: one
              decimal, integers within 0.1 snapped, multiples of pi, signed variables), the
              rule behind PhySO's published rates.
Rows go to a resumable CSV (one per run).

    python3 bench/class_benchmark.py --realizations 10 --time-limit 60 \
        --results bench/results/class.csv
"""

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from physr_bench import classsr  # noqa: E402
from physr_bench import runner  # noqa: E402

COLUMNS = ["problem", "name", "realizations", "noise", "seed", "rows", "time_limit",
           "status", "recovered", "recovered_realizations", "physo_rule", "physo_pareto_index",
           "physo_judge", "physo_judge_index",
           "best_expression", "best_complexity", "worst_nrmse", "class_reward", "epochs",
           "evaluations", "wall_seconds", "cpu_seconds", "peak_rss_mb", "commit", "command",
           "detail"]
KEY = ["problem", "realizations", "noise", "seed", "rows", "time_limit"]


def fitted_constants(class_fit):
    """One {name: value} per dataset of a class fit object."""
    return [{k: c["value"] for k, c in d["constants"].items()} for d in class_fit["datasets"]]


def fitted_r2(class_fit):
    """Each dataset's R^2 (0 when missing): SRBench's gate, on the training rows."""
    return [d.get("r2") if isinstance(d.get("r2"), (int, float)) else 0.0
            for d in class_fit["datasets"]]


def first_front_match(doc, drawn, holds):
    """Index of the first Pareto law, from the most accurate, for which holds(expression,
    fitted constants, R^2, drawn constants) on some realization, or -1: PhySO's analysis
    scan."""
    pareto, fits = doc.get("pareto") or [], doc["class"].get("pareto") or []
    for i in range(len(pareto) - 1, -1, -1):
        for fit_k, r2, true_k in zip(fitted_constants(fits[i]), fitted_r2(fits[i]), drawn):
            if holds(pareto[i]["expression"], fit_k, r2, true_k):
                return i
    return -1


def physo_rule(problem, doc, drawn, timeout):
    """PhySO's scan with SRBench's comparison (and its R^2 gate)."""
    return first_front_match(doc, drawn, lambda f, fit, r2, true: classsr.judge(
        problem, f, [fit], [true], timeout, [r2])[0].recovered)


def physo_judge(problem, doc, drawn, timeout):
    """PhySO's scan with PhySO's own comparison (no R^2 gate, as its analysis)."""
    return first_front_match(doc, drawn, lambda f, fit, _r2, true: classsr.physo_check(
        problem, f, fit, true, timeout))


def fit_one(args, problem, reals, noise, seed):
    """Writes the realizations and runs physr over them: (drawn constants, runner result)."""
    tag = "p%d_r%d_n%s_s%d" % (problem["number"], reals, ("%g" % noise).replace(".", "p"), seed)
    work = os.path.join(args.work, tag)
    os.makedirs(work, exist_ok=True)
    drawn = classsr.draw_constants(problem, reals, seed)
    paths = []
    for k, consts in enumerate(drawn):
        path = os.path.join(work, "real%02d.csv" % k)
        classsr.write_csv(path, problem, classsr.sample(problem, consts, args.rows, seed, k, noise),
                          "Class %d (%s): %s; %s; noise %g" % (problem["number"], problem["name"],
                                                               problem["formula"], consts, noise))
        paths.append(path)
    flags = paths[1:] + classsr.physr_flags(problem)
    out_json, run_json = os.path.join(work, "out.json"), os.path.join(work, "run.json")
    if args.reuse and os.path.exists(out_json):
        return drawn, reused_run(out_json, run_json)
    res = runner.run_physr_fit(args.physr, paths[0], flags, seed, out_json,
                               time_limit=args.time_limit, threads=1)
    with open(run_json, "w", encoding="utf-8") as f:
        json.dump({k: v for k, v in res.items() if k != "json"}, f)
    return drawn, res


def reused_run(out_json, run_json):
    """The runner result of an earlier run from its files (--reuse): its measurements when
    run.json was written, else empty ones."""
    res = {"returncode": 0, "wall_seconds": "", "cpu_seconds": "", "peak_rss_mb": "",
           "command": [], "stderr_tail": ""}
    if os.path.exists(run_json):
        with open(run_json, encoding="utf-8") as f:
            res.update(json.load(f))
    with open(out_json, encoding="utf-8") as f:
        res["json"] = json.load(f)
    return res


def _fmt(x, pattern):
    return pattern % x if isinstance(x, (int, float)) else ""


def judge_one(args, problem, reals, noise, seed, drawn, res, results):
    """Judges a run (in the main thread: SymPy timeouts use SIGALRM) and appends its row."""
    row = {"problem": problem["number"], "name": problem["name"], "realizations": reals,
           "noise": noise, "seed": seed, "rows": args.rows, "time_limit": args.time_limit,
           "commit": runner.git_commit(), "command": " ".join(res["command"]),
           "wall_seconds": _fmt(res["wall_seconds"], "%.1f"),
           "cpu_seconds": _fmt(res["cpu_seconds"], "%.1f"),
           "peak_rss_mb": _fmt(res["peak_rss_mb"], "%.0f")}
    doc = res["json"]
    if res["returncode"] != 0 or not doc or not doc.get("class") or not doc["class"].get("best"):
        row.update(status="failed", detail=res["stderr_tail"][-200:])
        results.append(row)
        return row
    best = doc["best"]
    cbest = doc["class"]["best"]
    verdicts = classsr.judge(problem, best["expression"], fitted_constants(cbest), drawn,
                             args.judge_timeout, fitted_r2(cbest))
    held = sum(v.recovered for v in verdicts)
    pareto_index = physo_rule(problem, doc, drawn, args.judge_timeout)
    physo_index = physo_judge(problem, doc, drawn, args.judge_timeout)
    row.update(status="ok", recovered=int(held == reals), recovered_realizations=held,
               physo_rule=int(pareto_index >= 0), physo_pareto_index=pareto_index,
               physo_judge=int(physo_index >= 0), physo_judge_index=physo_index,
               best_expression=best["expression"], best_complexity=best["complexity"],
               worst_nrmse=doc["class"]["best"]["worst_nrmse"],
               class_reward=doc["class"]["best"]["reward"], epochs=doc.get("epochs", ""),
               evaluations=doc.get("evaluations", ""),
               detail=next((v.detail for v in verdicts if not v.recovered), "")[:200])
    results.append(row)
    return row


def summary(rows):
    groups = {}
    for r in rows:
        if r.get("status") == "ok":
            groups.setdefault((r["realizations"], r["noise"]), []).append(r)
    lines = []
    for (reals, noise), rs in sorted(groups.items()):
        n = len(rs)
        rec = sum(int(r["recovered"]) for r in rs)
        phy = sum(int(r["physo_rule"]) for r in rs)
        own = sum(int(r.get("physo_judge") or 0) for r in rs)
        lines.append("R=%s noise=%s: %d runs, selected law on all realizations %d (%.1f %%), "
                     "front on some realization %d (%.1f %%), PhySO's judge %d (%.1f %%)"
                     % (reals, noise, n, rec, 100.0 * rec / n, phy, 100.0 * phy / n, own,
                        100.0 * own / n))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--physr", default=runner.default_physr())
    ap.add_argument("--problems", default="", help="comma-separated numbers (default: all)")
    ap.add_argument("--realizations", default="10", help="comma-separated counts")
    ap.add_argument("--noise", default="0", help="comma-separated levels")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds")
    ap.add_argument("--rows", type=int, default=1000, help="points per realization (PhySO: 1000)")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel (each one thread)")
    ap.add_argument("--nice", type=int, default=10)
    ap.add_argument("--judge-timeout", type=float, default=2.0,
                    help="seconds of SymPy per comparison (PhySO's analysis: 2)")
    ap.add_argument("--reuse", action="store_true",
                    help="judge the physr result already in --work instead of running again")
    ap.add_argument("--work", default=os.path.join("build", "class_bench"))
    ap.add_argument("--results", default=os.path.join("bench", "results", "class.csv"))
    args = ap.parse_args()
    problems = classsr.load_problems()
    if args.problems:
        wanted = {int(x) for x in args.problems.split(",")}
        problems = [p for p in problems if p["number"] in wanted]
    results = runner.ResultsCsv(args.results, COLUMNS, KEY)
    done = results.done_keys()
    todo = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        for noise in [float(x) for x in args.noise.split(",")]:
            for reals in [int(r) for r in args.realizations.split(",")]:
                for p in problems:
                    key = tuple(str(x) for x in (p["number"], reals, noise, seed, args.rows,
                                                 args.time_limit))
                    if key not in done:
                        todo.append((p, reals, noise, seed))
    start = time.monotonic()
    os.nice(args.nice)  # the runs inherit it
    # All fits first, then the judging: SymPy would otherwise take CPU from the timed runs.
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        fits = list(pool.map(lambda job: fit_one(args, *job), todo))
    runner.log("%d runs in %.0f s; judging" % (len(todo), time.monotonic() - start))
    for job, fit in zip(todo, fits):
        row = judge_one(args, *job, *fit, results)
        runner.log("problem %s R=%s noise %s seed %s: %s recovered=%s physo_rule=%s "
                   "physo_judge=%s  %s"
                   % (row["problem"], row["realizations"], row["noise"], row["seed"],
                      row["status"], row.get("recovered", ""), row.get("physo_rule", ""),
                      row.get("physo_judge", ""),
                      row.get("best_expression", row.get("detail", ""))))
    print(summary(results.latest()))


if __name__ == "__main__":
    main()
