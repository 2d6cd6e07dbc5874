"""PhySO's equivalence rule (physr_bench/physo_judge.py): cases from the behaviour its
documentation states, and the leniencies that set it apart from SRBench's rule."""

import os
import sys

import sympy

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from physr_bench import classsr, physo_judge, srbench  # noqa: E402

import class_benchmark  # noqa: E402

T = physo_judge.symbol("t", 0.0, 10.0)
X = physo_judge.symbol("x", 0.1, 2.0)
SYMBOLS = {"t": T, "x": X}
SLOW = 120.0  # seconds of SymPy per step: generous, for a loaded machine


def check(trial, truth):
    return physo_judge.check(trial, truth, SYMBOLS, timeout=SLOW)


def test_rationals_and_pi_fractions():
    assert physo_judge.rationalize(0.333) == (sympy.Rational(1, 3), True)
    assert physo_judge.rationalize(0.33) == (0.33, False)
    phase = sympy.cos(T - 0.5 * 3.1415926545) - sympy.sin(T)
    assert sympy.simplify(physo_judge.floats_to_pi_fractions(phase)) == 0


def test_rounding_snaps_integers_and_keeps_one_decimal():
    r = physo_judge.round_floats(4.97 * T + 1.23456 * X + 0.00001 + 1.00002 * T * X)
    assert r == 5 * T + sympy.Float(1.2) * X + T * X
    assert physo_judge.round_floats(sympy.Float(2.849) * T) == sympy.Float(2.8) * T
    assert physo_judge.round_floats(sympy.E * T) == sympy.Float(2.7) * T


def test_signs_from_ranges():
    assert X.is_positive and T.is_positive is None and T.is_real
    assert physo_judge.symbol("u", -3.0, -1.0).is_negative
    # sqrt(x^2) = x only because x is positive.
    assert check("sqrt(x**2)*3", "3*x")
    assert not check("sqrt(t**2)*3", "3*t")


def test_difference_or_ratio_constant():
    truth = "-0.5*9.81*t**2 + 1.234*t + 3.1"
    # 4.97 and 4.905 both snap to 5 under one decimal: PhySO's rule accepts, SRBench's not.
    assert check("-4.97*t**2 + 1.234*t + 3.1", truth)
    judge = srbench.SrbenchJudge(truth, ["t"], timeout=SLOW)
    assert not judge.check("-4.97*t**2 + 1.234*t + 3.1").recovered
    assert check("-4.905*t**2 + 1.234*t", truth)  # constant difference
    assert check("2.5*x*exp(-t/3)", "x*exp(-t/3)")  # constant ratio
    assert not check("-4.7*t**2 + 1.234*t + 3.1", truth)
    assert not check("t**3", "t**2")
    assert not check("0", "t**2")  # a zero candidate is no match (its ratio is infinite)
    assert not check("t**2", "0")  # nor a zero ratio
    assert check("1/sqrt(exp(t/1.5))*2.0", "2*exp(-t/3.0)")


def test_a_timeout_or_a_failure_is_no_match():
    assert not check("t**(", "t")
    slow = ("exp(-t/3)*(sin(t)**2 + cos(t)**2)*2.5", "exp(-t/3)")  # equal, slowly
    assert check(*slow)
    assert not physo_judge.check(*slow, SYMBOLS, timeout=1e-3)


def test_class_scan_under_physo_judge():
    p = {q["number"]: q for q in classsr.load_problems()}[3]  # -0.5*9.81*t^2 + v0*t + z0
    drawn = [{"v0": 2.0, "z0": -1.0}, {"v0": 3.0, "z0": 1.0}]

    def fit(consts):
        return {"datasets": [{"r2": 1.0, "constants": {k: {"value": v} for k, v in c.items()}}
                             for c in consts]}
    doc = {"pareto": [{"expression": "v0*t + z0"}, {"expression": "(v0 - c*t)*t + z0"}],
           "class": {"pareto": [fit(drawn), fit([dict(d, c=4.97) for d in drawn])]}}
    assert class_benchmark.physo_judge(p, doc, drawn, SLOW) == 1
    assert class_benchmark.physo_rule(p, doc, drawn, SLOW) == -1  # SRBench's three decimals
    doc["class"]["pareto"][1] = fit([dict(d, c=4.5) for d in drawn])
    assert class_benchmark.physo_judge(p, doc, drawn, SLOW) == -1
