"""Tests of the Class benchmark's pieces that need no physr: the problem table, units, data
generation and the per-realization judging."""

import math
import os
import statistics
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from physr_bench import classsr  # noqa: E402

import class_benchmark  # noqa: E402


@pytest.fixture(scope="module")
def problems():
    return {p["number"]: p for p in classsr.load_problems()}


def test_table_has_the_eight_problems_with_units(problems):
    assert sorted(problems) == list(range(1, 9))
    gas = problems[7]
    assert gas["output"] == "P" and gas["output_unit"] == "kg/(m*s^2)"
    assert gas["inputs"] == [("T", "K", 1.0, 5.0), ("V", "m^3", 1.0, 5.0)]
    assert gas["spe"] == [("n", "mol", 1.0, 5.0)]
    assert problems[3]["spe"][0][:2] == ("v0", "m/s")
    assert problems[6]["inputs"][0][:2] == ("nu", "1/s")
    assert [len(problems[i]["spe"]) for i in range(1, 9)] == [3, 2, 2, 2, 2, 1, 1, 1]


def test_unit_strings():
    assert classsr.unit_vector("[1,-1,0]") == [1, -1, 0]
    assert classsr.unit_vector("[0,]") == [0]
    assert classsr.unit_string([0], ("s",)) == "1"
    assert classsr.unit_string([-3, 0, 1], ("m", "s", "kg")) == "kg/m^3"
    assert classsr.unit_string([2, -2, 1, -1, -1], ("m", "s", "kg", "K", "mol")) == \
        "m^2*kg/(s^2*K*mol)"
    with pytest.raises(ValueError):
        classsr.unit_vector("1,0")
    with pytest.raises(ValueError):
        classsr.unit_string([1, 1], ("s",))


def test_bad_type_names_the_line(tmp_path):
    with open(classsr.TABLE, encoding="utf-8") as f:
        text = f.read().replace(";spe;0.4;2;", ";sp;0.4;2;")
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.csv:3: v2_type 'sp'"):
        classsr.load_problems(str(bad))


def test_constants_are_drawn_in_range_per_realization(problems):
    p = problems[1]
    drawn = classsr.draw_constants(p, 10, seed=3)
    assert drawn == classsr.draw_constants(p, 10, seed=3)
    assert drawn != classsr.draw_constants(p, 10, seed=4)
    for name, _, lo, hi in p["spe"]:
        values = [k[name] for k in drawn]
        assert all(lo <= v <= hi for v in values)
        assert len(set(values)) == 10


def test_samples_follow_the_formula(problems):
    p = problems[2]  # n = n0*exp(-t/T)
    k = {"n0": 1.3, "T": 1.1}
    rows = classsr.sample(p, k, 50, seed=0, realization=2)
    assert len(rows) == 50
    for t, n in rows:
        assert 0.5 <= t <= 6
        assert n == pytest.approx(1.3 * math.exp(-t / 1.1), rel=1e-14)
    gas = problems[7]
    for t, v, pressure in classsr.sample(gas, {"n": 2.0}, 20, seed=0, realization=0):
        assert pressure == pytest.approx(2.0 * 8.314 * t / v, rel=1e-14)


def test_noise_is_gaussian_of_rms_scale(problems):
    p = problems[2]
    k = {"n0": 1.0, "T": 1.2}
    clean = classsr.sample(p, k, 4000, seed=1, realization=0)
    noisy = classsr.sample(p, k, 4000, seed=1, realization=0, noise=0.1)
    rms = math.sqrt(sum(r[-1] ** 2 for r in clean) / len(clean))
    eps = [(b[-1] - a[-1]) / rms for a, b in zip(clean, noisy)]
    assert [a[0] for a in clean] == [b[0] for b in noisy]
    assert statistics.pstdev(eps) == pytest.approx(0.1, rel=0.05)
    assert abs(statistics.fmean(eps)) < 0.01


def test_csv_header_and_flags(problems, tmp_path):
    p = problems[8]
    path = tmp_path / "r.csv"
    classsr.write_csv(str(path), p, [[1.0, 2.0, 3.0]], "comment")
    assert path.read_text().splitlines() == ["# comment", "m[kg],A[m^2],vt[m/s]",
                                             "1,2,3"]
    flags = classsr.physr_flags(p)
    assert flags[flags.index("--spe-const") + 1] == "rho[kg/m^3]"
    assert flags[flags.index("--class-const") + 1] == "c[m/s^2]"
    assert "--class-const" not in classsr.physr_flags(problems[1])


def test_judging_per_realization(problems):
    p = problems[2]
    drawn = [{"n0": 0.5, "T": 1.0}, {"n0": 1.7, "T": 1.3}]
    # The law with each realization's own constants holds; form written differently.
    ok = classsr.judge(p, "1/(n0*exp(t/T))", [{"n0": 2.0, "T": 1.0},
                                              {"n0": 1 / 1.7, "T": 1.3}], drawn)
    assert [v.recovered for v in ok] == [True, True]
    # Right form, but the second realization fitted with the first one's constants.
    swapped = classsr.judge(p, "n0*exp(-t/T)", [drawn[0], drawn[0]], drawn)
    assert [v.recovered for v in swapped] == [True, False]
    wrong = classsr.judge(p, "n0/(1 + t/T)", drawn, drawn)
    assert not any(v.recovered for v in wrong)


def test_class_constant_fitted_in_the_law(problems):
    p = problems[3]  # z = -0.5*9.81*t^2 + v0*t + z0
    drawn = [{"v0": 2.0, "z0": -1.0}]
    fitted = [{"c": 4.905, "v0": 2.0, "z0": -1.0, "C1": 1.0}]
    assert classsr.judge(p, "(t*c - v0)*t*(-C1) + z0", fitted, drawn)[0].recovered
    fitted[0]["c"] = 4.0
    assert not classsr.judge(p, "(t*c - v0)*t*(-C1) + z0", fitted, drawn)[0].recovered


def test_physo_rule_takes_any_pareto_law_and_realization(problems):
    p = problems[2]
    drawn = [{"n0": 0.5, "T": 1.0}, {"n0": 1.7, "T": 1.3}]

    def fit(consts):
        return {"datasets": [{"r2": 1.0, "constants": {k: {"value": v} for k, v in c.items()}}
                             for c in consts]}
    doc = {"pareto": [{"expression": "n0*exp(-t/T)"}, {"expression": "n0/(1 + t/T)"}],
           "class": {"pareto": [fit([drawn[1], drawn[1]]), fit(drawn)]}}
    assert class_benchmark.physo_rule(p, doc, drawn, 10.0) == 0
    doc["pareto"][0]["expression"] = "n0*t/T"
    assert class_benchmark.physo_rule(p, doc, drawn, 10.0) == -1
