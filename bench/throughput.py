#!/usr/bin/env python3
"""Throughput benchmark: formulas scored per CPU-second by `physr fit`, this build against a
baseline build, with this build's time split by search phase.

On a fixed set of Feynman problems (1 to 9 input variables, each at every --noise level; the
datasets are generated as bench/feynman.py does) and the five bundled datasets (with the
flags bench/recovery.py uses), it runs `physr fit --json` with the same seed, one thread and
the same budget for two binaries: this tree's build (--physr) and a baseline built here from
an earlier commit (--baseline-commit; extracted with `git archive` and built under
build/throughput-baseline/, where it is kept for the next run). Runs of the two binaries
alternate (baseline then current, then current then baseline, ...) so that the machine's load
falls on both alike. Throughput is the `evaluations` of the JSON result over the process's
own CPU time (user + system, from os.wait4), not wall time. The baseline writes no `profile`;
the current build's `profile` gives the share of each phase.

    python3 bench/throughput.py --epochs 5
    python3 bench/throughput.py --problems I.6.2a,newton_gravity --seeds 2 --time-limit 10
    python3 bench/throughput.py --summary-only

Needs SymPy to generate the Feynman datasets.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from physr_bench import runner  # noqa: E402

# The phases of physr fit's JSON `profile`, in its order (docs/architecture.md).
PHASES = ("sample_priors", "sample_policy", "fit", "train", "breed", "enumerate", "simplify",
          "finalise", "other")
PHASE_TITLES = {"sample_priors": "priors", "sample_policy": "policy", "fit": "fit",
                "train": "train", "breed": "breed", "enumerate": "enumerate",
                "simplify": "simplify", "finalise": "finalise", "other": "other"}

# Feynman problems by number of input variables: 1, 2, 3, 3, 4, 5, 5, 6, 8, 9.
DEFAULT_FEYNMAN = ("I.6.2a", "I.12.1", "I.10.7", "I.14.3", "I.13.4", "I.12.11", "I.13.12",
                   "I.11.19", "II.36.38", "I.9.18")
BUNDLED = ("relativistic_energy", "mechanical_energy", "damped_oscillator", "newton_gravity",
           "kepler_third_law")
DEFAULT_BASELINE = "a896812"
BINARIES = ("baseline", "current")

COLUMNS = (["problem", "variables", "noise", "seed", "binary", "commit", "status", "returncode",
            "evaluations", "epochs", "stop_reason", "seconds", "wall_seconds", "cpu_seconds",
            "profile_seconds", "fitted", "advanced"] + ["profile_" + p for p in PHASES] +
           ["epochs_limit", "time_limit", "error"])


# ---- the problems and the run order -----------------------------------------------------

def select_problems(spec):
    """(Feynman ids, bundled names) named by spec: 'default' (DEFAULT_FEYNMAN and BUNDLED),
    'feynman', 'bundled', or comma-separated Feynman ids and bundled dataset names."""
    if spec in ("", "default"):
        return list(DEFAULT_FEYNMAN), list(BUNDLED)
    if spec == "feynman":
        return list(DEFAULT_FEYNMAN), []
    if spec == "bundled":
        return [], list(BUNDLED)
    feynman_ids, bundled = [], []
    for name in (n.strip() for n in spec.split(",")):
        if not name:
            continue
        (bundled if name in BUNDLED else feynman_ids).append(name)
    return feynman_ids, bundled


def plan_runs(problems, seeds):
    """[(problem, seed, binary)]: both binaries for every (problem, seed), back to back, the
    first of each pair alternating (baseline first, then current first, ...)."""
    runs = []
    k = 0
    for problem in problems:
        for seed in seeds:
            pair = BINARIES if k % 2 == 0 else BINARIES[::-1]
            runs.extend((problem, seed, binary) for binary in pair)
            k += 1
    return runs


# ---- the summary ------------------------------------------------------------------------

def _number(value):
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if x == x else None


def rate(rows):
    """Formulas scored per CPU-second over rows, pooled: Σ evaluations / Σ CPU seconds (NaN
    without CPU time)."""
    evaluations = sum(_number(r.get("evaluations")) or 0.0 for r in rows)
    cpu = sum(_number(r.get("cpu_seconds")) or 0.0 for r in rows)
    return evaluations / cpu if cpu > 0 else float("nan")


def phase_shares(rows):
    """{phase: % of the profiled seconds} pooled over rows; {} when no row has a profile."""
    rows = [r for r in rows if (_number(r.get("profile_seconds")) or 0.0) > 0]
    total = sum(_number(r["profile_seconds"]) for r in rows)
    if not rows or total <= 0:
        return {}
    return {p: 100.0 * sum(_number(r.get("profile_" + p)) or 0.0 for r in rows) / total
            for p in PHASES}


def dominant(shares, count=2):
    """The `count` largest phases as text, e.g. 'fit 61 %, priors 20 %'."""
    top = sorted(shares.items(), key=lambda kv: -kv[1])[:count]
    return ", ".join("%s %.0f %%" % (PHASE_TITLES[p], s) for p, s in top)


def _median(values):
    values = sorted(v for v in values if v == v)
    if not values:
        return float("nan")
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else 0.5 * (values[mid - 1] + values[mid])


def all_rows_share(rows, scored):
    """The share of scored formulas fitted on all search rows: with racing (`advanced` > 0)
    those refitted after their race, else every fit (`fitted`); NaN without a profile."""
    fitted = sum(_number(r.get("fitted")) or 0.0 for r in rows)
    advanced = sum(_number(r.get("advanced")) or 0.0 for r in rows)
    if scored <= 0 or fitted <= 0:
        return float("nan")
    return (advanced if advanced > 0 else fitted) / scored


def problem_key(row):
    return (row["problem"], row.get("noise", ""))


def summarise(rows):
    """Markdown: one line per (problem, noise) in first-seen order (rates pooled over seeds),
    then the medians over problems of the rates, ratios and phase shares."""
    ok = [r for r in rows if r.get("status") == "ok"]
    keys = []
    for r in ok:
        if problem_key(r) not in keys:
            keys.append(problem_key(r))
    header = (["problem", "vars", "noise", "baseline f/CPU-s", "current f/CPU-s", "ratio",
               "epochs b/c"] + ["%s %%" % PHASE_TITLES[p] for p in PHASES] +
              ["fitted/scored", "all rows/scored", "dominant"])
    table = []
    columns = {"base": [], "cur": [], "ratio": [], "fitted": [], "all": []}
    shares_by_phase = {p: [] for p in PHASES}
    for key in keys:
        mine = [r for r in ok if problem_key(r) == key]
        base = [r for r in mine if r["binary"] == "baseline"]
        cur = [r for r in mine if r["binary"] == "current"]
        b, c = rate(base), rate(cur)
        ratio = c / b if b == b and c == c and b > 0 else float("nan")
        shares = phase_shares(cur)
        scored = sum(_number(r.get("evaluations")) or 0.0 for r in cur)
        fitted = sum(_number(r.get("fitted")) or 0.0 for r in cur)
        fitted_share = fitted / scored if scored > 0 and shares else float("nan")
        all_share = all_rows_share(cur, scored) if shares else float("nan")
        columns["base"].append(b)
        columns["cur"].append(c)
        columns["ratio"].append(ratio)
        columns["fitted"].append(fitted_share)
        columns["all"].append(all_share)
        for p in PHASES:
            shares_by_phase[p].append(shares.get(p, float("nan")))
        epochs = "%s/%s" % ("+".join(r["epochs"] for r in base) or "–",
                            "+".join(r["epochs"] for r in cur) or "–")
        table.append([key[0], mine[0].get("variables", ""), key[1] or "–", runner.fmt(b),
                      runner.fmt(c), runner.fmt(ratio), epochs] +
                     [runner.fmt(shares[p], 2) if shares else "–" for p in PHASES] +
                     [runner.fmt(fitted_share, 2), runner.fmt(all_share, 2),
                      dominant(shares) if shares else "–"])
    if keys:
        medians = {p: _median(shares_by_phase[p]) for p in PHASES}
        table.append(["**median**", "", "", runner.fmt(_median(columns["base"])),
                      runner.fmt(_median(columns["cur"])),
                      "**%s**" % runner.fmt(_median(columns["ratio"])), ""] +
                     [runner.fmt(medians[p], 2) for p in PHASES] +
                     [runner.fmt(_median(columns["fitted"]), 2),
                      runner.fmt(_median(columns["all"]), 2), ""])
    return runner.markdown_table(header, table)


# ---- the baseline build -----------------------------------------------------------------

def git(*args):
    return subprocess.run(["git", "-C", runner.REPO] + list(args), capture_output=True,
                          text=True, check=True).stdout.strip()


def build_baseline(commit, cache_root, jobs):
    """(path of the physr binary built from `commit`, its short hash). The source is taken
    with `git archive` and built (Release, tool only) under cache_root/<hash>/; a binary
    already there is reused."""
    full = git("rev-parse", "--verify", commit + "^{commit}")
    short = full[:12]
    root = os.path.join(cache_root, short)
    binary = os.path.join(root, "build", "src", "cli", "physr")
    if os.path.exists(binary):
        return binary, short
    source = os.path.join(root, "source")
    if not os.path.isdir(source):
        partial = source + ".partial"
        shutil.rmtree(partial, ignore_errors=True)
        os.makedirs(partial)
        runner.log("extracting %s into %s" % (short, source))
        archive = subprocess.Popen(["git", "-C", runner.REPO, "archive", "--format=tar", full],
                                   stdout=subprocess.PIPE)
        with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(partial, filter="data")
            else:
                tar.extractall(partial)
        if archive.wait() != 0:
            raise RuntimeError("git archive %s failed" % short)
        os.rename(partial, source)
    build = os.path.join(root, "build")
    runner.log("building the baseline physr of %s in %s (%d jobs)" % (short, build, jobs))
    subprocess.run(["cmake", "-S", source, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                    "-DPHYSR_BUILD_TESTS=OFF", "-DPHYSR_BUILD_BENCH=OFF",
                    "-DPHYSR_BUILD_PYTHON=OFF"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build, "--target", "physr", "-j", str(jobs)],
                   check=True, stdout=subprocess.DEVNULL)
    return binary, short


# ---- the runs ---------------------------------------------------------------------------

def make_problems(feynman_ids, bundled, levels, args):
    """Problem dicts {problem, variables, noise, data, flags}; generates missing Feynman
    datasets (as bench/feynman.py: --rows, --data-seed, into --data)."""
    problems = []
    if feynman_ids:
        from physr_bench import feynman  # needs SymPy; imported here, not by the tests
        chosen = feynman.select(feynman.load_equations(), ",".join(feynman_ids))
        for p in chosen:
            paths = [feynman.dataset_paths(args.data, p["id"], lv)[0] for lv in levels]
            if not all(os.path.exists(x) for x in paths):
                feynman.generate(p, args.data, args.rows, args.test_rows, levels,
                                 args.data_seed)
            for level, path in zip(levels, paths):
                problems.append({"problem": p["id"], "variables": len(p["variables"]),
                                 "noise": "%g" % level, "data": path,
                                 "flags": ["--ops", feynman.FEYNMAN_OPS]})
    if bundled:
        import recovery  # the bundled problems' flags (needs SymPy)
        for name in bundled:
            path = os.path.join(recovery.DATASETS, name + ".csv")
            ranges, _ = runner.read_ranges(path)
            problems.append({"problem": name, "variables": len(ranges), "noise": "",
                             "data": path, "flags": list(recovery.PROBLEMS[name]["flags"])})
    return problems


def run_one(problem, seed, binary, physr, commit, args, runs_dir):
    stem = os.path.join(runs_dir, "%s_noise%s_s%d_%s" % (
        problem["problem"], problem["noise"] or "-", seed, binary))
    res = runner.run_physr_fit(physr, problem["data"], problem["flags"], seed, stem + ".json",
                               time_limit=args.time_limit or None, epochs=args.epochs or None,
                               threads=1, nice=args.nice)
    row = {"problem": problem["problem"], "variables": problem["variables"],
           "noise": problem["noise"], "seed": seed, "binary": binary, "commit": commit,
           "returncode": res["returncode"], "wall_seconds": "%.3f" % res["wall_seconds"],
           "cpu_seconds": "%.3f" % res["cpu_seconds"], "epochs_limit": args.epochs,
           "time_limit": args.time_limit}
    js = res["json"]
    if js is None or res["returncode"] != 0:
        row.update(status="error", error=res["stderr_tail"])
        return row
    row.update(status="ok", evaluations=js.get("evaluations", ""), epochs=js.get("epochs", ""),
               stop_reason=js.get("stop_reason", ""), seconds=js.get("seconds", ""))
    profile = js.get("profile")
    if profile:
        row["profile_seconds"] = profile.get("seconds", "")
        row["fitted"] = profile.get("fitted", "")
        row["advanced"] = profile.get("advanced", "")
        for p in PHASES:
            row["profile_" + p] = profile.get(p, "")
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--physr", default=runner.default_physr(), help="the current build")
    ap.add_argument("--commit", default="",
                    help="label of the current build (default: this tree's HEAD, +dirty)")
    ap.add_argument("--baseline-commit", default=DEFAULT_BASELINE,
                    help="commit the baseline is built from (default %(default)s)")
    ap.add_argument("--baseline-physr", default="",
                    help="use this baseline binary instead of building one")
    ap.add_argument("--build-jobs", type=int, default=os.cpu_count() or 2,
                    help="parallel jobs of the baseline build")
    ap.add_argument("--problems", default="default",
                    help="default (%d Feynman problems and the %d bundled datasets), "
                         "feynman, bundled, or Feynman ids and dataset names: "
                         "I.6.2a,newton_gravity" % (len(DEFAULT_FEYNMAN), len(BUNDLED)))
    ap.add_argument("--noise", default="0,0.1", help="noise levels of the Feynman problems")
    ap.add_argument("--seeds", type=int, default=1, help="seeds 1..N per problem")
    ap.add_argument("--epochs", type=int, default=5, help="epochs per run (0: no limit)")
    ap.add_argument("--time-limit", type=float, default=0.0, help="seconds per run (0: none)")
    ap.add_argument("--rows", type=int, default=2000, help="Feynman training rows")
    ap.add_argument("--test-rows", type=int, default=1000)
    ap.add_argument("--data-seed", type=int, default=1)
    ap.add_argument("--data", default=os.path.join(runner.REPO, "build", "feynman"),
                    help="Feynman dataset directory (filled on demand)")
    ap.add_argument("--nice", type=int, default=0,
                    help="niceness of the runs (default 0: on a loaded machine niced runs "
                         "take far longer, while CPU time is what is measured)")
    ap.add_argument("--out", default=os.path.join(runner.REPO, "bench", "results",
                                                  "throughput.csv"),
                    help="CSV of the runs (started afresh on every run)")
    ap.add_argument("--summary-only", action="store_true",
                    help="print the summary of the CSV; run nothing")
    args = ap.parse_args()

    if args.summary_only:
        if not os.path.exists(args.out):
            ap.error("no results at %s" % args.out)
        print(summarise(runner.ResultsCsv(args.out, COLUMNS, []).rows))
        return 0
    if not args.epochs and not args.time_limit:
        ap.error("give --epochs or --time-limit")
    if not os.path.exists(args.physr):
        ap.error("no physr binary at %s (build it or pass --physr)" % args.physr)
    if args.baseline_physr:
        baseline, baseline_commit = args.baseline_physr, args.baseline_commit
    else:
        baseline, baseline_commit = build_baseline(
            args.baseline_commit, os.path.join(runner.REPO, "build", "throughput-baseline"),
            max(1, args.build_jobs))
    commit = args.commit or runner.git_commit()
    feynman_ids, bundled = select_problems(args.problems)
    levels = [float(x) for x in args.noise.split(",") if x.strip()]
    problems = make_problems(feynman_ids, bundled, levels, args)

    # Ratios hold only for runs measured together: the CSV starts afresh.
    if os.path.exists(args.out):
        os.remove(args.out)
    results = runner.ResultsCsv(args.out, COLUMNS, [])
    runs_dir = runner.runs_dir(args.out)
    os.makedirs(runs_dir, exist_ok=True)
    physr = {"baseline": baseline, "current": args.physr}
    commits = {"baseline": baseline_commit, "current": commit}
    budget = ("%d epochs" % args.epochs if args.epochs else "") + (
        "%s%g s" % (", " if args.epochs else "", args.time_limit) if args.time_limit else "")
    runs = plan_runs(problems, range(1, args.seeds + 1))
    runner.log("%d runs: baseline %s (%s) against current %s (%s), %s each, one thread"
               % (len(runs), baseline_commit, baseline, commit, args.physr, budget))
    for problem, seed, binary in runs:
        row = run_one(problem, seed, binary, physr[binary], commits[binary], args, runs_dir)
        results.append(row)
        runner.log("%-20s noise %-4s seed %d %-8s %s %s formulas, %s CPU s, %s epochs" % (
            problem["problem"], problem["noise"] or "-", seed, binary, row["status"],
            row.get("evaluations", ""), row["cpu_seconds"], row.get("epochs", "")))
    print("baseline %s, current %s; %s per run, one thread, seeds 1..%d\n"
          % (baseline_commit, commit, budget, args.seeds))
    print(summarise(results.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
