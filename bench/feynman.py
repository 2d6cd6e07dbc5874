#!/usr/bin/env python3
"""Feynman benchmark runner: `physr fit` on the Feynman problems, judged by SRBench's rule.

For each (problem, noise level, seed): generates the datasets if missing
(bench/feynman_generate.py's protocol), runs `physr fit` with one operator library for all
problems, judges the best formula by SRBench's rule (bench/physr_bench/srbench.py, the
headline) and by physr's own rule with the route that accepted it
(bench/physr_bench/symbolic.py), measures its R^2 on fresh noise-free test points, and
appends a row to the CSV (resumable). Prints a summary: recovery rates under both rules, R^2 >
0.999 rate, median time, and every run with what was found. Needs SymPy.

    python3 bench/feynman.py --problems I.6.2a,I.12.1,II.3.24 --noise 0 --time-limit 60
    python3 bench/feynman.py --problems all --noise 0,0.1 --seeds 1 --max-evals 1000000 --jobs 2
    python3 bench/feynman.py --rejudge bench/results/feynman-7cd7a9a.csv   # judge a CSV again
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from physr_bench import feynman  # noqa: E402
from physr_bench import pool  # noqa: E402
from physr_bench import runner  # noqa: E402
from physr_bench import srbench  # noqa: E402
from physr_bench import symbolic  # noqa: E402

# srbench: SRBench's verdict (srbench_how: zero, difference or ratio); physr: physr's rule's
# (physr_route: rounded, positive or numeric; guard: 1 when its 1 % guard rejected a formula
# that rounding matched); pareto_recovered: physr's rule on any Pareto entry.
COLUMNS = ["problem", "set", "noise", "seed", "status", "returncode", "srbench", "srbench_how",
           "srbench_detail", "physr", "physr_route", "guard", "pareto_recovered", "test_r2",
           "r2_above_0999", "detail", "max_rel_error", "truth", "best_sympy", "best_infix",
           "best_r2", "best_nrmse", "best_complexity", "stop_reason", "epochs", "evaluations",
           "seconds", "wall_seconds", "sampled", "dead_ends", "invalid", "valid_share",
           "cand_per_s", "pareto_size", "peak_rss_mb", "time_limit", "max_evals", "rows",
           "threads", "ops", "commit", "error"]


def parse_levels(text):
    return [float(x) for x in text.split(",") if x.strip()]


def _count(rows, pred):
    n = sum(1 for r in rows if pred(r))
    return "%d (%.1f %%)" % (n, 100.0 * n / len(rows)) if rows else "0"


def summary_table(rows, levels):
    """One line per noise level: both rules' rates, physr's routes, and where they differ."""
    header = ["noise", "runs", "recovered (SRBench rule)", "physr's rule",
              "physr's routes: rounded · positive · numeric", "1 % guard rejected",
              "only SRBench · only physr", "R² > 0.999 (test)", "median s per run",
              "median formulas scored", "invalid"]
    table = []
    for level in levels:
        rs = [r for r in rows if float(r["noise"]) == level and r["status"] == "ok"]
        if not rs:
            continue
        routes = " · ".join(str(sum(r["physr_route"] == k for r in rs))
                            for k in symbolic.ROUTES)
        table.append([
            "%g" % level, str(len(rs)), _count(rs, lambda r: r["srbench"] == "1"),
            _count(rs, lambda r: r["physr"] == "1"), routes,
            str(sum(r["guard"] == "1" for r in rs)),
            "%d · %d" % (sum(r["srbench"] == "1" and r["physr"] != "1" for r in rs),
                         sum(r["srbench"] != "1" and r["physr"] == "1" for r in rs)),
            _count(rs, lambda r: r["r2_above_0999"] == "1"),
            runner.fmt(runner.median(r["wall_seconds"] for r in rs)),
            runner.fmt(runner.median(r["evaluations"] for r in rs)),
            str(sum(int(r["invalid"] or 0) for r in rs))])
    return runner.markdown_table(header, table)


def summarise(rows, levels):
    per = ["problem", "noise", "seed", "SRBench", "physr", "test R²", "s", "found"]
    prows = []
    for r in sorted(rows, key=lambda r: (float(r["noise"]), r["problem"], int(r["seed"]))):
        if r["status"] != "ok":
            prows.append([r["problem"], r["noise"], r["seed"], "error", "", "", "",
                          r["error"][:80]])
            continue
        hit = r["srbench"] == "1" and r["physr"] == "1"
        prows.append([r["problem"], r["noise"], r["seed"],
                      r["srbench_how"] if r["srbench"] == "1" else "no",
                      r["physr_route"] if r["physr"] == "1" else (
                          "guard" if r["guard"] == "1" else
                          "Pareto" if r["pareto_recovered"] == "1" else "no"),
                      runner.fmt(float(r["test_r2"]), 6) if r["test_r2"] else "",
                      runner.fmt(float(r["wall_seconds"])),
                      "`%s`" % r["best_sympy"][:90] if not hit else ""])
    return "\n".join([summary_table(rows, levels), "", runner.markdown_table(per, prows)])


class Judges:
    """Both rules for every problem, built once per truth."""

    def __init__(self, timeout=None):
        self.srbench = {}
        self.physr = {}
        self.timeout = timeout  # seconds of SymPy per check; None: each rule's default

    def judge(self, problem, truth_formula, candidate, test_r2):
        """The verdict fields of a CSV row for a candidate's SymPy text."""
        key = (problem["id"], truth_formula)
        if key not in self.physr:
            truth = feynman.truth_of(problem)
            truth.formula = truth_formula
            t = {"timeout": self.timeout} if self.timeout else {}
            self.physr[key] = symbolic.Checker(truth, guard_timeout=self.timeout or 5.0, **t)
            self.srbench[key] = srbench.SrbenchJudge(truth_formula, list(truth.variables), **t)
        if not candidate:
            return dict(srbench=0, physr=0, detail="no formula", srbench_detail="no formula")
        sv = self.srbench[key].check(candidate, test_r2)
        pv = self.physr[key].check(candidate)
        return dict(srbench=int(sv.recovered), srbench_how=sv.how, srbench_detail=sv.detail,
                    physr=int(pv.recovered), physr_route=pv.how, guard=int(pv.guard),
                    detail=pv.detail, max_rel_error="%.3g" % pv.max_rel_error)

    def physr_checker(self, problem):
        return self.physr[(problem["id"], problem["formula"])]


VERDICT_COLUMNS = ("srbench", "srbench_how", "physr", "physr_route", "guard")


def rejudge(results, by_id, timeout=None):
    """Judges the best formula of every finished row again, by both rules, from the row's own
    truth and test R²; returns in how many rows either rule's verdict changed."""
    judges = Judges(timeout)
    changed = 0
    for r in results.rows:
        p = by_id.get(r["problem"])
        if p is None or r["status"] != "ok":
            continue
        test_r2 = float(r["test_r2"]) if r.get("test_r2") else None
        fields = judges.judge(p, r.get("truth") or p["formula"], r["best_sympy"], test_r2)
        fields = {k: str(v) for k, v in fields.items()}
        before = (r["srbench"], r["physr"])
        r.update({k: fields.get(k, "") for k in VERDICT_COLUMNS + ("srbench_detail", "detail",
                                                                   "max_rel_error")})
        if r["physr"] == "1":
            r["pareto_recovered"] = "1"
        changed += before != (r["srbench"], r["physr"])
        runner.log("%-10s noise %-5s seed %-2s SRBench %s physr %s" % (
            r["problem"], r["noise"], r["seed"], r["srbench_how"] or "no",
            r["physr_route"] or ("guard" if r["guard"] == "1" else "no")))
    return changed


def report(args, problems):
    """--summary-only and --rejudge: the tables of a CSV, its rows judged again first."""
    path = args.rejudge or args.out
    if not os.path.exists(path):
        print("feynman.py: no results file %s" % path, file=sys.stderr)
        return 2
    results = runner.ResultsCsv(path, COLUMNS, ["problem", "noise", "seed"])
    ids = {p["id"] for p in problems}
    rows = [r for r in results.latest() if r["problem"] in ids]
    for r in results.rows:  # a CSV written before a column existed
        for c in COLUMNS:
            r[c] = r.get(c) or ""
    if args.rejudge is not None:
        changed = rejudge(results, {p["id"]: p for p in problems}, args.judge_timeout)
        runner.log("%d rows judged differently from %s" % (changed, path))
        if args.write:
            results.rewrite()
    levels = (parse_levels(args.noise) if args.noise
              else sorted({float(r["noise"]) for r in rows}))
    print(summarise(rows, levels))
    return 0


def judge_run(args, judges, p, task, res, commit):
    """The CSV row of one finished run of problem p: its measurements and both rules' verdicts
    on its best formula (SymPy: call from a main thread)."""
    pid, level, seed = task
    js = res["json"]
    row = {"problem": pid, "set": p["set"], "noise": "%g" % level, "seed": seed,
           "truth": p["formula"], "returncode": res["returncode"],
           "wall_seconds": "%.3f" % res["wall_seconds"],
           "peak_rss_mb": "%.1f" % res["peak_rss_mb"], "time_limit": args.time_limit,
           "max_evals": args.max_evals, "rows": args.rows, "threads": args.threads,
           "ops": args.ops, "commit": commit}
    if js is None or res["returncode"] != 0:
        row.update(status="error", error=res["stderr_tail"])
        return row
    best = js.get("best") or {}
    test_rows = feynman.read_test_rows(feynman.dataset_paths(args.data, pid, 0)[1])
    r2 = feynman.r2_on(best["sympy"], p, test_rows) if best.get("sympy") else float("-inf")
    verdict = judges.judge(p, p["formula"], best.get("sympy", ""), r2)
    ck = judges.physr_checker(p)
    pareto_hit = verdict["physr"] or any(
        ck.check(f["sympy"]).recovered for f in js.get("pareto") or []
        if f.get("sympy") and f.get("sympy") != best.get("sympy"))
    row.update(runner.json_fields(js))
    row.update(verdict)
    row.update(status="ok", pareto_recovered=int(pareto_hit), test_r2="%.9g" % r2,
               r2_above_0999=int(r2 > 0.999))
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--physr", default=runner.default_physr())
    ap.add_argument("--problems", default="all",
                    help="all (120), srbench (the 116 SRBench uses), bulk, bonus or ids: "
                         "I.6.2a,II.3.24")
    ap.add_argument("--noise", default=None,
                    help="noise levels, e.g. 0,0.1 (default 0; for a summary, the CSV's)")
    ap.add_argument("--seeds", type=int, default=1, help="seeds 1..N per problem and noise level")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per run (0: none)")
    ap.add_argument("--max-evals", type=int, default=0, help="formulas per run (0: no limit)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel")
    ap.add_argument("--ops", default=feynman.FEYNMAN_OPS, help="physr operators for every problem")
    ap.add_argument("--rows", type=int, default=2000, help="training rows when generating")
    ap.add_argument("--test-rows", type=int, default=1000)
    ap.add_argument("--data-seed", type=int, default=1, help="seed of the generated datasets")
    ap.add_argument("--data", default=os.path.join(runner.REPO, "build", "feynman"),
                    help="dataset directory (filled on demand)")
    ap.add_argument("--commit", default="",
                    help="commit the physr binary was built from, for the CSV (default: this "
                         "tree's HEAD, +dirty when it has changes)")
    ap.add_argument("--nice", type=int, default=10)
    ap.add_argument("--out", default=os.path.join(runner.REPO, "bench", "results", "feynman.csv"))
    ap.add_argument("--summary-only", action="store_true", help="print the CSV's summary, run nothing")
    ap.add_argument("--rejudge", nargs="?", const="", default=None, metavar="CSV",
                    help="judge the best formulas of a CSV (default --out) again by both rules "
                         "and print its summary; runs nothing")
    ap.add_argument("--judge-timeout", type=float, default=None,
                    help="seconds SymPy may take per check (default: 60 for SRBench's rule, "
                         "20 for physr's, 5 for its guard probe)")
    ap.add_argument("--write", action="store_true",
                    help="with --rejudge: write the new verdicts back into the CSV")
    args = ap.parse_args()

    problems = feynman.select(feynman.load_equations(), args.problems)
    if args.summary_only or args.rejudge is not None:
        return report(args, problems)
    levels = parse_levels(args.noise or "0")
    if not os.path.exists(args.physr):
        ap.error("no physr binary at %s (build it or pass --physr)" % args.physr)
    comm = pool.comm_or_exit(ap, args.jobs)
    commit = args.commit or runner.git_commit()
    runs_dir = runner.runs_dir(args.out)
    os.makedirs(runs_dir, exist_ok=True)
    by_id = {p["id"]: p for p in problems}
    judges = Judges(args.judge_timeout)

    def run(task):
        pid, level, seed = task
        train = feynman.dataset_paths(args.data, pid, level)[0]
        stem = os.path.join(runs_dir, "%s_noise%s_s%d" % (pid, feynman.noise_tag(level), seed))
        return runner.run_physr_fit(
            args.physr, train, ["--ops", args.ops], seed, stem + ".json",
            time_limit=args.time_limit or None, max_evals=args.max_evals or None,
            threads=args.threads, nice=args.nice)

    def judge(task, res):
        return judge_run(args, judges, by_id[task[0]], task, res, commit)

    if comm is not None and comm.rank() != 0:  # an MPI rank other than 0: runs what it is given
        pool.run_all([], run, judge, None, comm=comm)
        return 0
    results = runner.ResultsCsv(args.out, COLUMNS, ["problem", "noise", "seed"])
    done = results.done_keys()
    todo = [(p["id"], level, seed) for level in levels for p in problems
            for seed in range(1, args.seeds + 1)
            if (p["id"], "%g" % level, str(seed)) not in done]
    runner.log("%d runs to do (%d done in %s), physr %s, commit %s%s"
               % (len(todo), len(done), args.out, args.physr, commit, pool.describe(comm)))
    # Datasets first (before any run is handed out), then the runs.
    for pid in sorted({t[0] for t in todo}):
        p = by_id[pid]
        needed = [feynman.dataset_paths(args.data, pid, lv)[0] for lv in levels]
        test = feynman.dataset_paths(args.data, pid, 0)[1]
        if not all(os.path.exists(x) for x in needed + [test]):
            feynman.generate(p, args.data, args.rows, args.test_rows, levels, args.data_seed)

    def record(task, row):
        pid, level, seed = task
        results.append(row)
        runner.log("%-10s noise %-5g seed %-2d %s SRBench %s physr %s R2test %s %s s  %s" % (
            pid, level, seed, row["status"], row.get("srbench_how") or "no",
            row.get("physr_route") or "no", row.get("test_r2", ""),
            row["wall_seconds"], row.get("best_sympy", row.get("error", ""))[:70]))

    pool.run_all(todo, run, judge, record, jobs=args.jobs, comm=comm)

    ids = {p["id"] for p in problems}
    print(summarise([r for r in results.latest() if r["problem"] in ids], levels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
