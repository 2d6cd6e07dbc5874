"""Tests of the same-results check: `python3 -m pytest bench/tests`."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import same_results  # noqa: E402


def result(**changes):
    r = {"best": {"expression": "C1*m*c^2", "nrmse": 0.0},
         "pareto": [{"expression": "m", "complexity": 1, "constants": {"C1": {"value": 2.5}}}],
         "evaluations": 5000, "sampled": 2000, "dead_ends": 3, "seconds": 1.5,
         "first_exact_seconds": 0.7,
         "history": [{"epoch": 1, "evaluations": 2500, "seconds": 0.8}],
         "profile": {"sample_priors": 0.4, "fit": 0.9, "seconds": 1.5, "fitted": 4900}}
    r.update(changes)
    return r


def test_clock_readings_are_ignored():
    a = result()
    b = result(seconds=9.0, first_exact_seconds=3.0,
               history=[{"epoch": 1, "evaluations": 2500, "seconds": 4.0}],
               profile={"sample_priors": 0.1, "fit": 3.0, "seconds": 9.0, "fitted": 4900})
    assert same_results.differences(a, b) == []


def test_fronts_constants_and_counters_must_match():
    a = result()
    constant = result(pareto=[{"expression": "m", "complexity": 1,
                               "constants": {"C1": {"value": 2.5000000001}}}])
    assert same_results.differences(a, constant) == ["pareto/0/constants/C1/value: 2.5 against "
                                                     "2.5000000001"]
    assert same_results.differences(a, result(dead_ends=4)) == ["dead_ends: 3 against 4"]
    fitted = result(profile={"sample_priors": 0.4, "fit": 0.9, "seconds": 1.5, "fitted": 1})
    assert same_results.differences(a, fitted) == ["profile/fitted: 4900 against 1"]
    assert same_results.differences(a, result(pareto=[])) == ["pareto: 1 against 0 entries"]


def test_a_directory_pairs_baseline_and_current(tmp_path):
    for name, r in (("p_baseline", result()), ("p_current", result(seconds=2.0)),
                    ("q_baseline", result()), ("q_current", result(sampled=1))):
        (tmp_path / (name + ".json")).write_text(json.dumps(r))
    (tmp_path / "r_baseline.json").write_text(json.dumps(result()))  # no partner: skipped
    pairs = same_results.pairs_in(str(tmp_path))
    assert [p[0] for p in pairs] == ["p", "q"]
    sys.argv = ["same_results.py", str(tmp_path)]
    assert same_results.main() == 1
    sys.argv = ["same_results.py", str(tmp_path / "p_baseline.json"),
                str(tmp_path / "p_current.json")]
    assert same_results.main() == 0
