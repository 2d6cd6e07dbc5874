#!/usr/bin/env python3
"""Feynman benchmark runner: `physr fit` on the Feynman problems, judged the SRBench way.

For each (problem, noise level, seed): generates the datasets if missing
(bench/feynman_generate.py's protocol), runs `physr fit` with one operator library for all
problems, checks exact symbolic recovery of the best formula (bench/physr_bench/symbolic.py)
and its R^2 on fresh noise-free test points, and appends a row to the CSV (resumable). Prints
a summary: recovery rate, R^2 > 0.999 rate, median time, and the misses with what was found.
Needs SymPy.

    python3 bench/feynman.py --problems I.6.2a,I.12.1,II.3.24 --noise 0 --time-limit 60
    python3 bench/feynman.py --problems all --noise 0,0.1 --seeds 1 --max-evals 1000000 --jobs 2
"""

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from physr_bench import feynman  # noqa: E402
from physr_bench import runner  # noqa: E402
from physr_bench import symbolic  # noqa: E402

COLUMNS = ["problem", "set", "noise", "seed", "status", "returncode", "recovered", "how",
           "pareto_recovered", "test_r2", "r2_above_0999", "detail", "max_rel_error", "truth",
           "best_sympy", "best_infix", "best_r2", "best_nrmse", "best_complexity", "stop_reason",
           "epochs", "evaluations", "seconds", "wall_seconds", "sampled", "dead_ends", "invalid",
           "valid_share", "cand_per_s", "pareto_size", "peak_rss_mb", "time_limit", "max_evals",
           "rows", "threads", "ops", "commit", "error"]


def parse_levels(text):
    return [float(x) for x in text.split(",") if x.strip()]


def summarise(rows, levels):
    lines = []
    header = ["noise", "problems run", "recovered (symbolic)", "R² > 0.999 (test)",
              "median s per run", "median s to recovery", "invalid"]
    table = []
    for level in levels:
        rs = [r for r in rows if float(r["noise"]) == level and r["status"] == "ok"]
        if not rs:
            continue
        hits = [r for r in rs if r["recovered"] == "1"]
        table.append(["%g" % level, str(len(rs)),
                      "%d (%.1f %%)" % (len(hits), 100.0 * len(hits) / len(rs)),
                      "%d (%.1f %%)" % (sum(r["r2_above_0999"] == "1" for r in rs),
                                        100.0 * sum(r["r2_above_0999"] == "1" for r in rs) / len(rs)),
                      runner.fmt(runner.median(r["wall_seconds"] for r in rs)),
                      runner.fmt(runner.median(r["wall_seconds"] for r in hits)),
                      str(sum(int(r["invalid"] or 0) for r in rs))])
    lines.append(runner.markdown_table(header, table))
    per = ["problem", "noise", "seed", "recovered", "test R²", "s", "found"]
    prows = []
    for r in sorted(rows, key=lambda r: (float(r["noise"]), r["problem"], int(r["seed"]))):
        if r["status"] != "ok":
            prows.append([r["problem"], r["noise"], r["seed"], "error", "", "", r["error"][:80]])
            continue
        prows.append([r["problem"], r["noise"], r["seed"],
                      "yes" if r["recovered"] == "1" else ("Pareto" if r["pareto_recovered"] == "1"
                                                           else "no"),
                      runner.fmt(float(r["test_r2"]), 6) if r["test_r2"] else "",
                      runner.fmt(float(r["wall_seconds"])),
                      "`%s`" % r["best_sympy"][:90] if r["recovered"] != "1" else ""])
    lines.append("")
    lines.append(runner.markdown_table(per, prows))
    return "\n".join(lines)


def rejudge(results, by_id):
    """Re-checks the best formula of every finished row of the CSV and rewrites it."""
    checkers = {}
    for r in results.rows:
        p = by_id.get(r["problem"])
        if p is None or r["status"] != "ok" or not r["best_sympy"]:
            continue
        if p["id"] not in checkers:
            checkers[p["id"]] = symbolic.Checker(feynman.truth_of(p))
        v = checkers[p["id"]].check(r["best_sympy"])
        if v.recovered:
            r["pareto_recovered"] = "1"
        r.update(recovered=str(int(v.recovered)), how=v.how, detail=v.detail)
    results.rewrite()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--physr", default=runner.default_physr())
    ap.add_argument("--problems", default="all",
                    help="all (120), srbench (the 116 SRBench uses), bulk, bonus or ids: "
                         "I.6.2a,II.3.24")
    ap.add_argument("--noise", default="0", help="noise levels, e.g. 0,0.1")
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
    ap.add_argument("--rejudge", action="store_true",
                    help="judge the CSV's best formulas again (after a change of the rule), "
                         "rewrite the CSV and print its summary; runs nothing")
    args = ap.parse_args()

    problems = feynman.select(feynman.load_equations(), args.problems)
    levels = parse_levels(args.noise)
    results = runner.ResultsCsv(args.out, COLUMNS, ["problem", "noise", "seed"])
    if args.rejudge:
        rejudge(results, {p["id"]: p for p in problems})
    if args.summary_only or args.rejudge:
        ids = {p["id"] for p in problems}
        print(summarise([r for r in results.latest() if r["problem"] in ids], levels))
        return 0
    if not os.path.exists(args.physr):
        ap.error("no physr binary at %s (build it or pass --physr)" % args.physr)
    done = results.done_keys()
    commit = args.commit or runner.git_commit()
    runs_dir = os.path.join(os.path.dirname(os.path.abspath(args.out)), "feynman_runs")
    os.makedirs(runs_dir, exist_ok=True)
    by_id = {p["id"]: p for p in problems}

    todo = [(p["id"], level, seed) for level in levels for p in problems
            for seed in range(1, args.seeds + 1)
            if (p["id"], "%g" % level, str(seed)) not in done]
    runner.log("%d runs to do (%d done in %s), physr %s, commit %s"
               % (len(todo), len(done), args.out, args.physr, commit))
    # Datasets first (main thread), then the runs.
    for pid in sorted({t[0] for t in todo}):
        p = by_id[pid]
        needed = [feynman.dataset_paths(args.data, pid, lv)[0] for lv in levels]
        test = feynman.dataset_paths(args.data, pid, 0)[1]
        if not all(os.path.exists(x) for x in needed + [test]):
            feynman.generate(p, args.data, args.rows, args.test_rows, levels, args.data_seed)

    def launch(task):
        pid, level, seed = task
        train = feynman.dataset_paths(args.data, pid, level)[0]
        stem = os.path.join(runs_dir, "%s_noise%s_s%d" % (pid, feynman.noise_tag(level), seed))
        return task, runner.run_physr_fit(
            args.physr, train, ["--ops", args.ops], seed, stem + ".json",
            time_limit=args.time_limit or None, max_evals=args.max_evals or None,
            threads=args.threads, nice=args.nice)

    checkers = {}
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(launch, t) for t in todo]
        for fut in as_completed(futures):
            (pid, level, seed), res = fut.result()
            p = by_id[pid]
            js = res["json"]
            row = {"problem": pid, "set": p["set"], "noise": "%g" % level, "seed": seed,
                   "truth": p["formula"], "returncode": res["returncode"],
                   "wall_seconds": "%.3f" % res["wall_seconds"],
                   "peak_rss_mb": "%.1f" % res["peak_rss_mb"], "time_limit": args.time_limit,
                   "max_evals": args.max_evals, "rows": args.rows, "threads": args.threads,
                   "ops": args.ops, "commit": commit}
            if js is None or res["returncode"] != 0:
                row.update(status="error", error=res["stderr_tail"])
            else:
                if pid not in checkers:
                    checkers[pid] = symbolic.Checker(feynman.truth_of(p))
                ck = checkers[pid]
                best = js.get("best") or {}
                verdict = ck.check(best["sympy"]) if best.get("sympy") else symbolic.Verdict(
                    False, detail="no formula")
                pareto_hit = verdict.recovered or any(
                    ck.check(f["sympy"]).recovered for f in js.get("pareto") or []
                    if f.get("sympy") and f.get("sympy") != best.get("sympy"))
                test_rows = feynman.read_test_rows(feynman.dataset_paths(args.data, pid, 0)[1])
                r2 = feynman.r2_on(best["sympy"], p, test_rows) if best.get("sympy") else float("-inf")
                row.update(runner.json_fields(js))
                row.update(status="ok", recovered=int(verdict.recovered), how=verdict.how,
                           detail=verdict.detail, max_rel_error="%.3g" % verdict.max_rel_error,
                           pareto_recovered=int(pareto_hit), test_r2="%.9g" % r2,
                           r2_above_0999=int(r2 > 0.999))
            results.append(row)
            runner.log("%-10s noise %-5g seed %-2d %s %s R2test %s %.0f s  %s" % (
                pid, level, seed, row["status"],
                "RECOVERED" if row.get("recovered") == 1 else "missed", row.get("test_r2", ""),
                res["wall_seconds"], row.get("best_sympy", row.get("error", ""))[:70]))

    ids = {p["id"] for p in problems}
    print(summarise([r for r in results.latest() if r["problem"] in ids], levels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
