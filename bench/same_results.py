#!/usr/bin/env python3
"""Checks that two builds found the same thing: compares `physr fit --json` results pairwise,
ignoring only what depends on the clock (every key named `seconds` or ending in `_seconds`,
and the per-phase seconds of `profile`; its `fitted` count is compared). Everything else must
match exactly: the best formula, the Pareto front with its constants, the per-epoch history,
and the counters (evaluations, sampled, dead ends, bred, invalid).

For a change meant to leave every sampled expression alone (a faster prior, a faster
evaluator), run bench/throughput.py with the same seeds and epochs for the baseline and the
current build, then compare its per-run files:

    python3 bench/throughput.py --epochs 2 --baseline-physr OLD/physr
    python3 bench/same_results.py bench/results/throughput_runs

A directory is read as pairs NAME_baseline.json / NAME_current.json; two files are compared
with each other. Exit status 0 when every pair matches, 1 otherwise (each difference printed).
"""

import argparse
import glob
import json
import os
import sys

CLOCK_PROFILE_KEYS = ("sample_priors", "sample_policy", "fit", "train", "breed", "enumerate",
                      "simplify", "finalise", "other")


def is_clock_key(path, key):
    """Whether `key` under `path` (a tuple of keys) holds a wall-clock reading."""
    if key == "seconds" or key.endswith("_seconds"):
        return True
    return path[-1:] == ("profile",) and key in CLOCK_PROFILE_KEYS


def differences(a, b, path=()):
    """Paths (as strings) where a and b differ, clock readings aside."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if is_clock_key(path, key):
                continue
            if key not in a or key not in b:
                out.append("/".join(path + (key,)) + ": only in one")
                continue
            out += differences(a[key], b[key], path + (key,))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return ["/".join(path) + ": %d against %d entries" % (len(a), len(b))]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += differences(x, y, path + (str(i),))
        return out
    return [] if a == b else ["/".join(path) + ": %r against %r" % (a, b)]


def pairs_in(directory):
    """(name, baseline file, current file) for every complete pair in `directory`."""
    out = []
    for base in sorted(glob.glob(os.path.join(directory, "*_baseline.json"))):
        current = base[:-len("_baseline.json")] + "_current.json"
        if os.path.exists(current):
            out.append((os.path.basename(base)[:-len("_baseline.json")], base, current))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", help="one directory of pairs, or two result files")
    args = ap.parse_args()
    if len(args.paths) == 1 and os.path.isdir(args.paths[0]):
        pairs = pairs_in(args.paths[0])
    elif len(args.paths) == 2:
        pairs = [("result", args.paths[0], args.paths[1])]
    else:
        ap.error("give one directory or two files")
    if not pairs:
        print("no pairs of results found", file=sys.stderr)
        return 1
    failed = 0
    for name, first, second in pairs:
        with open(first, encoding="utf-8") as f:
            a = json.load(f)
        with open(second, encoding="utf-8") as f:
            b = json.load(f)
        diff = differences(a, b)
        print("%-40s %s" % (name, "same" if not diff else "DIFFERENT"))
        for line in diff[:20]:
            print("    " + line)
        failed += bool(diff)
    print("%d of %d pairs the same" % (len(pairs) - failed, len(pairs)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
