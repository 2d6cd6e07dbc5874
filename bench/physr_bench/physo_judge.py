"""PhySO's own equivalence rule, as its Class benchmark analysis applies it.

Reproduces the behaviour of WassimTenachi/PhySO (files
benchmarking/ClassBenchmark/classbench_results_analysis.py and
physo/benchmark/utils/symbolic_utils.py: compare_expression, clean_sympy_expr,
round_floats, expr_floats_to_pi_fracs), so that physr's class rates can be set beside
PhySO's published ones under the same rule. It is more lenient than SRBench's
(srbench.py), and the differences are the point of having both:

1. Variables are real symbols, positive where their range is (negative where it lies below
   0); the candidate is simplified once under those assumptions.
2. Cleaning (both formulas, and each difference and ratio): numbers evaluated, then every
   Float x, in preorder, becomes the nearest integer when within 10^-d of it, 0 when
   |x| < 1e-4, 1 when within 1e-4 of 1, else round(x, d), with d = 1 decimal (PhySO's
   class analysis; its Feynman analysis uses 3); Euler's number alone becomes round(e, d);
   then simplify(ratio=1).
3. Equivalent when the cleaned difference is 0 or constant, or the cleaned ratio is a
   non-zero constant, neither containing infinity; a second try first writes every number
   of the difference or ratio that is within 0.001 of p/q*pi (q <= 10) as that multiple of
   pi ("trigonometric" handling: cos(x - 1.5708) against sin(x)).

Any exception counts as not equivalent; SymPy is stopped after a timeout (PhySO: 2 s).
One difference, on the strict side: PhySO's 2 s cover only the comparison, and a step the
alarm stops counts as false while the later steps run without a limit; here the preparation
(the candidate's simplification, both cleanings) has its own 2 s, and a stop ends the whole
comparison as not equivalent, so that no comparison runs unbounded. A verdict may then be
"no" where PhySO, given the time, would say "yes"; never the other way round.
Standard library and SymPy only.
"""

import sympy
from sympy.core import random as sympy_random
from sympy.parsing.sympy_parser import parse_expr

from . import symbolic

UPSTREAM = "WassimTenachi/PhySO benchmarking/ClassBenchmark, symbolic_utils.compare_expression"
DECIMALS = 1  # PhySO's class analysis (ROUND_DECIMALS)


def symbol(name, low, high):
    """A real symbol with the sign its range gives (none when the range holds 0)."""
    positive, negative = low > 0, high < 0
    if not positive and not negative:
        positive = negative = None
    return sympy.Symbol(name, real=True, positive=positive, negative=negative)


def rationalize(k, limit_err=1e-3, limit_denominator=10):
    """(p/q with q <= limit_denominator nearest k, True) when within limit_err, else (k,
    False)."""
    k_rat = sympy.Rational(str(k)).limit_denominator(limit_denominator)
    if abs(k_rat - k) < limit_err:
        return k_rat, True
    return k, False


def floats_to_pi_fractions(expr, limit_err=1e-3, limit_denominator=10):
    """Every number of expr within limit_err of p/q*pi (q <= limit_denominator, in units of
    pi) written as that multiple of pi."""
    out = expr
    for n in list(expr.atoms(sympy.Number)):
        k, done = rationalize(n / sympy.Float(3.141592653589793), limit_err, limit_denominator)
        if done:
            out = out.subs(n, k * sympy.pi)
    return out


def round_floats(expr, decimals=DECIMALS):
    """PhySO's rounding: integers within 10^-decimals snapped, tiny numbers 0, near-ones 1,
    the rest rounded to `decimals` places."""
    out = expr
    for a in sympy.preorder_traversal(expr):
        if isinstance(a, sympy.core.numbers.Exp1):
            out = out.subs(a, round(float(a), decimals))
    rounded = out
    for a in sympy.preorder_traversal(out):
        if not isinstance(a, sympy.Float):
            continue
        k, snapped = rationalize(a, 10.0 ** -decimals, 1)
        if snapped:
            rounded = rounded.subs(a, sympy.Integer(k))
        if abs(a) < 1e-4:
            rounded = rounded.subs(a, sympy.Integer(0))
        elif abs(a - 1.0) < 1e-4:
            rounded = rounded.subs(a, sympy.Integer(1))
        else:
            rounded = rounded.subs(a, round(float(a), decimals))
    return rounded


def clean(expr, decimals=DECIMALS):
    return sympy.simplify(round_floats(expr.evalf(), decimals), ratio=1)


def _holds(expr, nonzero):
    text = str(expr)
    if "oo" in text or (nonzero and text == "0"):
        return False
    return text == "0" or expr.is_constant() is True


def _constant(make, nonzero, decimals):
    """Whether the cleaned make(f) is a constant, for f the identity or floats_to_pi_fractions;
    a failing SymPy step counts as no."""
    for prepare in (lambda e: e, floats_to_pi_fractions):
        try:
            if _holds(clean(prepare(make()), decimals), nonzero):
                return True
        except symbolic.Timeout:
            raise
        except Exception:  # noqa: BLE001 - PhySO counts any SymPy failure as not equivalent
            continue
    return False


def equivalent(trial, target, decimals=DECIMALS):
    """PhySO's compare_expression with its trigonometric handling, zero-ratio and infinity
    guards: both SymPy expressions cleaned, then the difference or the ratio constant."""
    try:
        target = clean(target, decimals)
        trial = clean(trial, decimals)
    except symbolic.Timeout:
        raise
    except Exception:  # noqa: BLE001
        return False
    return (_constant(lambda: target - trial, False, decimals)
            or _constant(lambda: target / trial, True, decimals))


def parse(text, symbols):
    """SymPy expression of formula text (`^` as power) over {name: symbol}."""
    return parse_expr(text.replace("^", "**"), local_dict=dict(symbols))


def check(trial_text, target_text, symbols, timeout=2.0, decimals=DECIMALS):
    """PhySO's verdict for a candidate text (numbers written in) against the truth's text,
    both over the variables `symbols` ({name: symbol with assumptions}). As in PhySO's
    analysis the candidate is simplified, both are cleaned, then compared (cleaning them
    again); each of the two steps is stopped after `timeout` seconds (a stop counts as not
    equivalent)."""
    sympy_random.seed(20210721)
    try:
        trial, target = symbolic.with_timeout(timeout, lambda: (
            clean(sympy.simplify(parse(trial_text, symbols)), decimals),
            clean(parse(target_text, symbols), decimals)))
        return symbolic.with_timeout(timeout, equivalent, trial, target, decimals)
    except Exception:  # noqa: BLE001 - a timeout or any SymPy failure: not equivalent
        return False
