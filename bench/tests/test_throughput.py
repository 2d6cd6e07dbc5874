"""Tests of the throughput benchmark's run order and summary: `python3 -m pytest bench/tests`."""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import throughput  # noqa: E402


def row(problem, binary, evaluations, cpu, noise="0", seed=1, epochs=5, profile=None):
    r = {"problem": problem, "variables": "2", "noise": noise, "seed": str(seed),
         "binary": binary, "status": "ok", "evaluations": str(evaluations),
         "cpu_seconds": str(cpu), "epochs": str(epochs)}
    if profile:
        r["profile_seconds"] = str(sum(profile.values()))
        r["fitted"] = str(evaluations // 2)
        for phase in throughput.PHASES:
            r["profile_" + phase] = str(profile.get(phase, 0.0))
    return r


def test_runs_alternate_which_binary_goes_first():
    runs = throughput.plan_runs(["a", "b"], [1, 2])
    assert [(p, s) for p, s, _ in runs[::2]] == [("a", 1), ("a", 2), ("b", 1), ("b", 2)]
    assert [b for _, _, b in runs] == ["baseline", "current", "current", "baseline"] * 2
    for i in range(0, len(runs), 2):
        assert runs[i][:2] == runs[i + 1][:2]


def test_problem_selection_splits_feynman_ids_from_datasets():
    assert throughput.select_problems("I.6.2a, newton_gravity,I.9.18") == (
        ["I.6.2a", "I.9.18"], ["newton_gravity"])
    feynman_ids, bundled = throughput.select_problems("default")
    assert len(feynman_ids) >= 10 and len(bundled) == 5
    assert throughput.select_problems("bundled")[0] == []


def test_rate_pools_seeds_and_ignores_missing_time():
    rows = [row("a", "current", 100, 1.0), row("a", "current", 300, 3.0, seed=2)]
    assert throughput.rate(rows) == 100.0
    assert math.isnan(throughput.rate([]))
    assert math.isnan(throughput.rate([{"evaluations": "5", "cpu_seconds": ""}]))


def test_phase_shares_are_percentages_of_the_profiled_time():
    rows = [row("a", "current", 10, 1.0, profile={"fit": 3.0, "sample_policy": 1.0}),
            row("a", "current", 10, 1.0, profile={"fit": 1.0, "other": 3.0})]
    shares = throughput.phase_shares(rows)
    assert shares["fit"] == 50.0 and shares["other"] == 37.5 and shares["train"] == 0.0
    assert sum(shares.values()) == 100.0
    assert throughput.dominant(shares) == "fit 50 %, other 38 %"
    assert throughput.phase_shares([row("a", "baseline", 10, 1.0)]) == {}


def test_summary_has_a_line_per_problem_and_the_medians():
    profile = {"fit": 2.0, "sample_priors": 1.0, "other": 1.0}
    rows = [row("a", "baseline", 100, 1.0), row("a", "current", 300, 1.0, profile=profile),
            row("b", "current", 100, 1.0, noise="0.1", profile=profile),
            row("b", "baseline", 100, 1.0, noise="0.1"),
            dict(row("c", "current", 1, 1.0), status="error")]
    text = throughput.summarise(rows)
    lines = text.splitlines()
    assert len(lines) == 2 + 3  # header, rule, a, b, median
    assert lines[2].startswith("| a | 2 | 0 | 100 | 300 | 3 | 5/5 | 25 | 0 | 50 |")
    assert "fit 50 %, priors 25 %" in lines[2]
    assert lines[3].startswith("| b | 2 | 0.1 | 100 | 100 | 1 |")
    assert lines[4].startswith("| **median** |  |  | 100 | 200 | **2** |")
    assert "| c |" not in text


def test_the_share_fitted_on_all_rows_counts_racing_refits_only():
    raced = dict(row("a", "current", 1000, 1.0, profile={"fit": 1.0}), fitted="1100",
                 advanced="100")
    assert throughput.all_rows_share([raced], 1000.0) == 0.1
    plain = dict(row("a", "current", 1000, 1.0, profile={"fit": 1.0}), fitted="990")
    assert throughput.all_rows_share([plain], 1000.0) == 0.99
    assert math.isnan(throughput.all_rows_share([row("a", "baseline", 10, 1.0)], 10.0))
