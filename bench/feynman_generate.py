#!/usr/bin/env python3
"""Writes the Feynman benchmark datasets (SRBench protocol) as physr CSVs with unit headers.

For each problem (100 Feynman-lecture equations + 20 bonus ones, tables in bench/feynman/):
inputs uniform in their ranges, one training CSV per noise level (Gaussian noise of std
noise*rms(y) on the target, seeded), one noise-free test CSV of fresh points, and
index.json (formulas, ranges, units). With --check it runs `physr eval` with the true formula
on every noise-free training set: the units must check and R^2 must be 1.

    python3 bench/feynman_generate.py --out build/feynman --check
    python3 bench/feynman_generate.py --out build/feynman --rows 100000 --problems I.6.2a
"""

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from physr_bench import feynman  # noqa: E402
from physr_bench import runner  # noqa: E402


def check(physr, problem, path):
    """(ok, message): physr eval of the true formula on the noise-free training set."""
    out_json = path + ".eval.json"
    proc = subprocess.run([physr, "eval", path, "--formula", feynman.physr_formula(problem),
                           "--json", out_json], capture_output=True, text=True)
    if proc.returncode != 0:
        return False, (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1]
    with open(out_json, encoding="utf-8") as f:
        r2 = json.load(f).get("r2")
    os.remove(out_json)
    if r2 is None or r2 < 1 - 1e-9:
        return False, "R2 = %s" % r2
    return True, "R2 = %.12g" % r2


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(runner.REPO, "build", "feynman"))
    ap.add_argument("--problems", default="all",
                    help="all (120), srbench (the 116 SRBench uses), bulk, bonus or ids: "
                         "I.6.2a,II.3.24")
    ap.add_argument("--rows", type=int, default=2000, help="training rows (SRBench: 100000)")
    ap.add_argument("--test-rows", type=int, default=1000, help="rows of the test set")
    ap.add_argument("--noise", default="0,0.001,0.01,0.1", help="noise levels (times rms(y))")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", action="store_true",
                    help="check units and R^2 = 1 of the true formula with physr eval")
    ap.add_argument("--physr", default=runner.default_physr())
    args = ap.parse_args()

    problems = feynman.select(feynman.load_equations(), args.problems)
    levels = [float(x) for x in args.noise.split(",")]
    if args.check and 0.0 not in levels:
        ap.error("--check needs noise level 0")
    failures = []
    for p in problems:
        train, _ = feynman.generate(p, args.out, args.rows, args.test_rows, levels, args.seed)
        line = "%-10s %-4s %s = %s" % (p["id"], p["set"], p["output"], p["formula"])
        if args.check:
            ok, msg = check(args.physr, p, train[0.0])
            line += "   [%s] %s" % ("ok" if ok else "FAIL", msg)
            if not ok:
                failures.append((p["id"], msg))
        print(line, flush=True)
    feynman.write_index(args.out, problems, {"rows": args.rows, "test_rows": args.test_rows,
                                             "noise": levels, "seed": args.seed,
                                             "ops": feynman.FEYNMAN_OPS})
    print("%d problems written to %s" % (len(problems), args.out))
    if args.check:
        print("%d of %d pass the physr eval check" % (len(problems) - len(failures), len(problems)))
        for pid, msg in failures:
            print("  FAIL %s: %s" % (pid, msg))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
