"""Tests of `bench/feynman.py --rejudge CSV`: a per-run CSV judged again by both rules, from the
formulas and truths its rows carry. `python3 -m pytest bench/tests`. Needs SymPy."""

import csv
import os
import subprocess
import sys

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH)

import feynman as runner_script  # noqa: E402

# (problem, noise, found formula, test R², stale verdicts written in the file)
ROWS = [
    ("I.48.2", "0", "m*c**2/sqrt(1 - v**2/c**2)", "1", "0"),
    ("I.48.2", "0.1", "m/sqrt(1/c**4 - v**2/c**6)", "1", "1"),
    ("I.37.4", "0.1", "I1 + I2 + 2.0049*sqrt(I1*I2)*cos(delta)", "0.99999", "1"),
    ("II.2.42", "0.1", "(T2/T1 + (-1.0026292773664065))*(kappa*(A/(d/T1)))", "0.999978", "0"),
    ("I.12.1", "0", "Nn*mu", "1", "0"),
]


def write_csv(path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, runner_script.COLUMNS)
        w.writeheader()
        for problem, noise, found, r2, stale in ROWS:
            w.writerow({"problem": problem, "set": "bulk", "noise": noise, "seed": "1",
                        "status": "ok", "srbench": stale, "physr": stale, "best_sympy": found,
                        "truth": "mu*Nn" if problem == "I.12.1" else "", "test_r2": r2,
                        "r2_above_0999": "1", "wall_seconds": "60", "evaluations": "1000",
                        "invalid": "0", "pareto_recovered": stale})


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def rejudge(path, *extra):
    # A generous SymPy limit: a loaded machine must not turn a hit into a timeout.
    return subprocess.run([sys.executable, os.path.join(BENCH, "feynman.py"), "--rejudge", path,
                           "--judge-timeout", "300"] + list(extra),
                          capture_output=True, text=True, check=False)


def test_rejudge_prints_both_rules_and_their_routes(tmp_path):
    path = str(tmp_path / "runs.csv")
    write_csv(path)
    before = read(path)
    out = rejudge(path)
    assert out.returncode == 0, out.stderr
    assert read(path) == before  # not written without --write
    lines = out.stdout.splitlines()
    assert "recovered (SRBench rule)" in lines[0] and "physr's rule" in lines[0]
    # noise 0: both recovered by both rules; noise 0.1: SRBench takes the true law with
    # positive c as a miss, 2.0049 as a miss, and 1.0026 (its 3-digit Floats) as a hit.
    assert lines[2].startswith("| 0 | 2 | 2 (100.0 %) | 2 (100.0 %) | 2 · 0 · 0 | 0 | 0 · 0 |")
    assert lines[3].startswith("| 0.1 | 3 | 1 (33.3 %) | 2 (66.7 %) | 1 · 1 · 0 | 1 | 1 · 2 |")
    assert "5 rows judged differently" in out.stderr


def test_rejudge_writes_the_verdicts_back_with_write(tmp_path):
    path = str(tmp_path / "runs.csv")
    write_csv(path)
    assert rejudge(path, "--write").returncode == 0
    with open(path, newline="", encoding="utf-8") as f:
        rows = {(r["problem"], r["noise"]): r for r in csv.DictReader(f)}
    assert rows[("I.48.2", "0")]["srbench"] == "1"
    assert rows[("I.48.2", "0")]["srbench_how"] == "zero"
    assert rows[("I.48.2", "0.1")]["physr_route"] == "positive"
    assert rows[("I.48.2", "0.1")]["srbench"] == "0"
    assert rows[("II.2.42", "0.1")]["guard"] == "1"
    assert rows[("II.2.42", "0.1")]["srbench_how"] == "difference"
    assert rows[("I.37.4", "0.1")]["physr_route"] == "rounded"
    again = rejudge(path)
    assert "0 rows judged differently" in again.stderr


def test_rejudge_of_a_missing_file_fails_with_a_message(tmp_path):
    out = rejudge(str(tmp_path / "none.csv"))
    assert out.returncode == 2
    assert "no results file" in out.stderr and "none.csv" in out.stderr
