#!/usr/bin/env python3
"""Side by side with the peers: physr, PhySO and Operon on the same datasets, one process per
run, the same time limit, threads and seeds, every formula judged by the same two rules.

Each run is a child process waited for with os.wait4: its wall and CPU seconds and peak
resident memory (ru_maxrss) are its own. physr runs as `physr fit`; PhySO (PyPI `physo`) and
Operon (PyPI `pyoperon`) run through small drivers (bench/peer_drivers/) in a virtual
environment of their own (--venv, default bench/.peers-venv), which the script creates and
fills with pip at the pinned versions; a peer that does not install or import is skipped with
a message. Every formula is judged by SRBench's rule (bench/physr_bench/srbench.py) and by
physr's (bench/physr_bench/symbolic.py). Rows go to a CSV (resumable: finished (engine,
problem, seed) rows are skipped) and a markdown summary is printed. Needs SymPy.

    python3 bench/peers.py --problems bundled --seeds 1 --time-limit 60
    python3 bench/peers.py --problems newton_gravity,I.12.1 --engines physr,pyoperon --seeds 2
    python3 bench/peers.py --summary-only --out bench/results-committed/peers.csv
"""

import argparse
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import recovery  # noqa: E402
from physr_bench import feynman, peers, runner, srbench, symbolic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ENGINES = ("physr", "physo", "pyoperon")
# Pinned releases from PyPI (PhySO pulls torch, which pip takes from PyPI as well).
PACKAGES = {"physo": "physo==1.1.11", "pyoperon": "pyoperon==0.6.2"}
DRIVERS = {"physo": os.path.join(HERE, "peer_drivers", "physo_driver.py"),
           "pyoperon": os.path.join(HERE, "peer_drivers", "operon_driver.py")}
# Quick Feynman problems with 1 to 4 inputs and names that SymPy reads as plain symbols.
FEYNMAN_DEFAULT = "I.6.2a,I.12.1,I.14.3,II.3.24"
SRBENCH_SMALLEST = 1e-4  # SRBench's rounding sets smaller numbers of the truth to 0

COLUMNS = ["engine", "problem", "set", "seed", "status", "returncode", "srbench",
           "srbench_how", "srbench_detail", "physr_rule", "physr_route", "physr_detail", "r2",
           "final_seen_seconds", "engine_seconds", "wall_seconds", "cpu_seconds", "peak_rss_mb",
           "stop", "formula", "raw_formula", "version", "time_limit", "threads", "commit",
           "error"]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help="comma-separated, from: " + ", ".join(ENGINES))
    ap.add_argument("--problems", default="bundled,feynman",
                    help="bundled (the datasets/ problems), feynman (--feynman), or names and "
                         "Feynman ids, comma-separated")
    ap.add_argument("--feynman", default=FEYNMAN_DEFAULT, help="the Feynman subset")
    ap.add_argument("--seeds", type=int, default=1, help="seeds 1..N per problem")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per run")
    ap.add_argument("--threads", type=int, default=1, help="threads per run, every engine")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the runs")
    ap.add_argument("--physr", default=runner.default_physr(), help="the physr binary")
    ap.add_argument("--venv", default=os.path.join(HERE, ".peers-venv"),
                    help="virtual environment of the peers (created and filled on demand)")
    ap.add_argument("--no-install", action="store_true",
                    help="use the environment as it is; a peer missing there is skipped")
    ap.add_argument("--physo-config", default="config0", choices=("config0", "config1", "config2"),
                    help="PhySO's hyperparameter preset (physo.config)")
    ap.add_argument("--data", default=os.path.join(runner.REPO, "build", "feynman"),
                    help="Feynman dataset directory (filled on demand)")
    ap.add_argument("--rows", type=int, default=2000, help="Feynman training rows")
    ap.add_argument("--judge-timeout", type=float, default=60.0,
                    help="seconds SymPy may take per verdict")
    ap.add_argument("--out", default=os.path.join(runner.REPO, "bench", "results", "peers.csv"))
    ap.add_argument("--summary-only", action="store_true", help="print the CSV's summary")
    ap.add_argument("--rejudge", action="store_true",
                    help="judge the formulas of the CSV's finished rows again, write the "
                         "verdicts back and print the summary; runs nothing")
    args = ap.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for e in args.engines:
        if e not in ENGINES:
            ap.error("unknown engine %r (from: %s)" % (e, ", ".join(ENGINES)))
    try:
        args.problems = resolve_problems(args.problems, args.feynman)
    except KeyError as e:
        ap.error(str(e.args[0]))
    if args.time_limit <= 0 or args.threads < 1 or args.seeds < 1:
        ap.error("--time-limit, --threads and --seeds must be positive")
    return args


def resolve_problems(spec, feynman_spec):
    """[(set, name)] for a --problems spec: 'bundled', 'feynman' or names and ids."""
    equations = None
    out = []
    for item in [s.strip() for s in spec.split(",") if s.strip()]:
        if item == "bundled":
            out += [("bundled", n) for n in recovery.PROBLEMS]
        elif item in recovery.PROBLEMS:
            out.append(("bundled", item))
        else:
            equations = equations or feynman.load_equations()
            ids = feynman_spec if item == "feynman" else item
            out += [("feynman", p["id"]) for p in feynman.select(equations, ids)]
    seen = set()
    return [x for x in out if not (x in seen or seen.add(x))]


class Problem:
    """One problem: its data file, the flags every engine gets, and its two judges."""

    def __init__(self, kind, name, args):
        self.kind, self.name = kind, name
        if kind == "bundled":
            spec = recovery.PROBLEMS[name]
            self.data = os.path.join(recovery.DATASETS, name + ".csv")
            self.flags, self.preset = list(spec["flags"]), "bundled"
            truth = recovery.truth_of(name)
            # Every engine is judged alike: given constants (symbols in physr's formula) take
            # their values in the candidate and count as known numbers of the truth.
            self.constants = dict(spec["given"])
            numbers = dict(truth.hidden, **truth.given)
            truth = symbolic.Truth(truth.formula, truth.variables, hidden=numbers)
            self.test = peers.read_dataset(self.data)
        else:
            p = feynman.select(feynman.load_equations(), name)[0]
            train, test_path = feynman.dataset_paths(args.data, name, 0)
            if not (os.path.exists(train) and os.path.exists(test_path)):
                feynman.generate(p, args.data, args.rows, 1000, [0.0], 1)
            self.data, self.flags, self.preset = train, ["--ops", feynman.FEYNMAN_OPS], "feynman"
            self.constants, numbers = {}, {}
            truth = feynman.truth_of(p)
            self.test = peers.read_dataset(test_path)
        self.variables = list(truth.variables)
        self.physr_judge = symbolic.Checker(truth, timeout=args.judge_timeout)
        self.srbench_judge = None
        truth_text = with_numbers(truth.formula, self.variables, numbers)
        if srbench_applies(truth_text, self.variables):
            self.srbench_judge = srbench.SrbenchJudge(truth_text, self.variables,
                                                      timeout=args.judge_timeout)

    def candidate(self, formula):
        """The formula with the given constants as numbers, as SymPy text."""
        return with_numbers(formula, self.variables, self.constants)

    def judge(self, formula):
        """Verdict fields of a row for an engine's formula (SymPy text over the variables)."""
        if not formula:
            return {"srbench": 0, "physr_rule": 0, "physr_detail": "no formula"}
        text = self.candidate(formula)
        r2 = peers.r2_score(text, self.variables, self.test["columns"], self.test["target"])
        out = {"r2": "%.9g" % r2}
        if self.srbench_judge is None:
            out.update(srbench="", srbench_detail="n/a: a number of the truth is below 1e-4")
        else:
            sv = self.srbench_judge.check(text, r2)
            out.update(srbench=int(sv.recovered), srbench_how=sv.how, srbench_detail=sv.detail)
        pv = self.physr_judge.check(text)
        out.update(physr_rule=int(pv.recovered), physr_route=pv.how, physr_detail=pv.detail)
        return out


def srbench_applies(truth_text, names):
    """False when a number of the parsed truth is below 1e-4 in magnitude: SRBench's rounding
    makes it 0, and the rule then accepts wrong laws (with c = 299792458, 1/c^2 vanishes and
    any m*const passes for m*c^2/sqrt(1 - v^2/c^2))."""
    import sympy
    expr = srbench.parse(truth_text, names)
    return not any(isinstance(x, sympy.Float) and 0 < abs(x) < SRBENCH_SMALLEST
                   for x in sympy.preorder_traversal(expr))


def with_numbers(formula, names, constants):
    """SymPy text of formula with the named constants replaced by their values."""
    if not constants:
        return peers.sympy_text(formula, names + sorted(constants))
    import sympy
    symbols = {n: sympy.Symbol(n) for n in list(names) + list(constants)}
    expr = sympy.sympify(peers.sympy_text(formula, list(symbols)), locals=symbols)
    return str(expr.xreplace({symbols[k]: sympy.Float(v, 17) for k, v in constants.items()}))


def venv_python(venv):
    return os.path.join(venv, "bin", "python")


def prepare_peer(engine, venv, install):
    """The peer's version in the environment, installing it first unless install is False;
    None (after a message on stderr) when it is not usable."""
    python = venv_python(venv)
    module = {"physo": "physo", "pyoperon": "pyoperon.sklearn"}[engine]
    check = [python, "-c", "import %s; from importlib import metadata; print(metadata.version"
                           "(%r))" % (module, engine)]

    def version():
        if not os.path.exists(python):
            return None
        res = subprocess.run(check, capture_output=True, text=True)
        return res.stdout.strip().splitlines()[-1] if res.returncode == 0 else None

    found = version()
    if found is None and install:
        if not os.path.exists(python):
            runner.log("creating the peers' environment %s" % venv)
            subprocess.run([sys.executable, "-m", "venv", venv], check=False)
        runner.log("installing %s into %s (pip, PyPI)" % (PACKAGES[engine], venv))
        subprocess.run([python, "-m", "pip", "install", "--quiet", PACKAGES[engine]],
                       check=False)
        found = version()
    if found is None:
        runner.log("skipping %s: it is not installed in %s%s" % (
            engine, venv, "" if install else " (--no-install)"))
    return found


def run_child(cmd, log_path, deadline_s, env=None):
    """Runs cmd (stdout and stderr to log_path; env: extra environment variables); returns
    (exit code, wall s, CPU s of it and its waited-for children, its peak RSS MB as GNU time
    reports it: runner.timed). Its process group is killed after deadline_s seconds (exit
    code -9; the peak RSS is then wait4's, which counts this process's size)."""
    start = time.monotonic()
    rss_path = log_path + ".rss"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(runner.timed(cmd, rss_path), stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=dict(os.environ, **(env or {})), start_new_session=True)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > deadline_s:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
    code = proc.returncode = os.waitstatus_to_exitcode(status)
    return (code, time.monotonic() - start, usage.ru_utime + usage.ru_stime,
            runner.peak_rss_kb(rss_path, usage.ru_maxrss) / 1024.0)


def peer_command(engine, problem, seed, args, python):
    cmd = [python, DRIVERS[engine], problem.data, "--seed", str(seed), "--time-limit",
           "%g" % args.time_limit, "--threads", str(args.threads), "--preset", problem.preset]
    flags = list(problem.flags)
    while flags:
        flag, value = flags.pop(0), flags.pop(0)
        if flag in ("--const", "--free-const"):
            cmd += [flag, value]
    return cmd


def convert(engine, formula):
    """SymPy text of an engine's formula."""
    if engine == "pyoperon":
        return peers.operon_to_sympy(formula)
    if engine == "physo":
        return peers.physo_to_sympy(formula)
    return formula


def run_one(engine, problem, seed, args, work_dir, version):
    """Runs one engine once; returns its CSV row (without verdicts)."""
    stem = os.path.join(work_dir, "%s_%s_s%d" % (engine, problem.name, seed))
    row = {"engine": engine, "problem": problem.name, "set": problem.kind, "seed": seed,
           "time_limit": args.time_limit, "threads": args.threads, "version": version}
    if engine == "physr":
        res = runner.run_physr_fit(args.physr, problem.data, problem.flags, seed,
                                   stem + ".json", time_limit=args.time_limit,
                                   threads=args.threads, nice=args.nice)
        js = res["json"] or {}
        best = js.get("best") or {}
        row.update(returncode=res["returncode"], wall_seconds="%.3f" % res["wall_seconds"],
                   cpu_seconds="%.3f" % res["cpu_seconds"],
                   peak_rss_mb="%.1f" % res["peak_rss_mb"], engine_seconds=js.get("seconds", ""),
                   final_seen_seconds=js.get("first_exact_seconds") or "",
                   stop=js.get("stop_reason", ""), raw_formula=best.get("infix", ""),
                   formula=best.get("sympy", ""))
        if res["returncode"] != 0 or not best.get("sympy"):
            row.update(status="error", error=res["stderr_tail"])
        return row
    python = venv_python(args.venv)
    cmd = (["nice", "-n", str(args.nice)] if args.nice else []) + peer_command(
        engine, problem, seed, args, python)
    code, wall, cpu, rss = run_child(cmd, stem + ".log", 2 * args.time_limit + 120,
                                     {"PHYSO_CONFIG": args.physo_config})
    with open(stem + ".log", encoding="utf-8", errors="replace") as f:
        output = f.read()
    result = peers.parse_result(output) or {}
    row.update(returncode=code, wall_seconds="%.3f" % wall, cpu_seconds="%.3f" % cpu,
               peak_rss_mb="%.1f" % rss, engine_seconds="%.3f" % result.get("seconds", 0.0),
               final_seen_seconds=("%.3f" % result["final_seen_seconds"]
                                   if result.get("final_seen_seconds") is not None else ""),
               stop=result.get("stop", ""), raw_formula=result.get("raw", ""))
    try:
        row["formula"] = peers.sympy_text(convert(engine, result.get("formula", "")),
                                          problem.variables) if result.get("formula") else ""
    except ValueError as e:
        row.update(status="error", error=str(e)[:300])
    if code != 0 or not row.get("formula"):
        row.setdefault("status", "error")
        row.setdefault("error", result.get("error") or output[-400:].replace("\n", " | "))
    return row


def fmt_median(rows, key):
    return runner.fmt(runner.median(r[key] for r in rows if r.get(key) not in ("", None)))


def summarise(rows, engines):
    """Markdown: one line per problem and engine, then the totals per engine."""
    header = ["problem", "engine", "recovered (SRBench rule)", "physr's rule",
              "median s to the law", "median wall s", "median CPU s", "peak RSS MB",
              "formula (first seed)"]
    table = []
    problems = []
    for r in rows:
        if r["problem"] not in problems:
            problems.append(r["problem"])
    totals = {e: [0, 0, 0, 0] for e in engines}
    for name in problems:
        for engine in engines:
            rs = sorted((r for r in rows if r["problem"] == name and r["engine"] == engine),
                        key=lambda r: int(r["seed"]))
            if not rs:
                continue
            ok = [r for r in rs if r["status"] == "ok"]
            sr = [r for r in ok if r["srbench"] == "1"]
            pr = [r for r in ok if r["physr_rule"] == "1"]
            na = all(r["srbench"] == "" for r in ok) and ok
            totals[engine][0] += len(sr)
            totals[engine][1] += 0 if na else len(rs)
            totals[engine][2] += len(pr)
            totals[engine][3] += len(rs)
            hits = [r for r in ok if r["physr_rule"] == "1" or r["srbench"] == "1"]
            table.append([
                name, engine, "n/a" if na else "%d/%d" % (len(sr), len(rs)),
                "%d/%d" % (len(pr), len(rs)), fmt_median(hits, "final_seen_seconds"),
                fmt_median(ok, "wall_seconds"), fmt_median(ok, "cpu_seconds"),
                runner.fmt(max(float(r["peak_rss_mb"]) for r in rs if r["peak_rss_mb"])),
                "`%s`" % rs[0]["formula"][:70] if rs[0]["formula"] else rs[0]["error"][:70]])
    total = runner.markdown_table(
        ["engine", "recovered (SRBench rule)", "physr's rule"],
        [[e, "%d/%d" % tuple(totals[e][:2]), "%d/%d" % tuple(totals[e][2:])]
         for e in engines if totals[e][3]])
    return "\n".join([runner.markdown_table(header, table), "", total])


VERDICTS = ("r2", "srbench", "srbench_how", "srbench_detail", "physr_rule", "physr_route",
            "physr_detail")


def rejudge(results, args):
    """Judges every finished row of results again (its formula, the current rules) and
    writes the CSV back; returns how many rows changed a verdict."""
    kinds = dict((name, kind) for kind, name in resolve_problems("bundled", args.feynman))
    loaded, changed = {}, 0
    for r in results.rows:
        if r["status"] != "ok":
            continue
        name = r["problem"]
        if name not in loaded:
            loaded[name] = Problem(kinds.get(name, "feynman"), name, args)
        before = (r["srbench"], r["physr_rule"])
        fields = loaded[name].judge(r["formula"])
        r.update({k: str(fields.get(k, "")) for k in VERDICTS})
        changed += before != (r["srbench"], r["physr_rule"])
    results.rewrite()
    runner.log("%d rows judged differently" % changed)
    return changed


def main(argv=None):
    args = parse_args(argv)
    results = runner.ResultsCsv(args.out, COLUMNS, ["engine", "problem", "seed"])
    if args.rejudge:
        rejudge(results, args)
    if args.summary_only or args.rejudge:
        print(summarise(results.latest(), args.engines))
        return 0
    versions = {}
    for engine in args.engines:
        if engine == "physr":
            if os.path.exists(args.physr):
                versions[engine] = runner.git_commit()
            else:
                runner.log("skipping physr: no binary at %s (build it or pass --physr)"
                           % args.physr)
        else:
            found = prepare_peer(engine, args.venv, not args.no_install)
            if found:
                versions[engine] = found + (" " + args.physo_config if engine == "physo" else "")
    engines = [e for e in args.engines if e in versions]
    done = results.done_keys()
    todo = [(kind, name, seed, e) for seed in range(1, args.seeds + 1)
            for kind, name in args.problems for e in engines
            if (e, name, str(seed)) not in done]
    runner.log("%d runs to do (%d done in %s); engines %s" % (
        len(todo), len(done), args.out, ", ".join("%s %s" % kv for kv in versions.items())))
    work_dir = runner.runs_dir(args.out)
    os.makedirs(work_dir, exist_ok=True)
    loaded = {}
    for kind, name, seed, engine in todo:
        if name not in loaded:
            loaded[name] = Problem(kind, name, args)
        problem = loaded[name]
        row = run_one(engine, problem, seed, args, work_dir, versions[engine])
        row["commit"] = versions.get("physr", "")
        if row.get("status") != "error":
            row["status"] = "ok"
            row.update(problem.judge(row["formula"]))
        results.append(row)
        runner.log("%-9s %-20s seed %d  %s  SRBench %s  physr %s  %.1f s  %s" % (
            engine, name, seed, row["status"], row.get("srbench", ""),
            row.get("physr_rule", ""), float(row["wall_seconds"] or 0),
            (row.get("formula") or row.get("error", ""))[:70]))
    print(summarise(results.latest(), args.engines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
