"""SRBench's exact-recovery rule ("symbolic solution"), as SRBench's own code applies it.

Reproduces the behaviour of cavalab/srbench at commit ac1059b (files
experiment/symbolic_utils.py: round_floats, clean_pred_model, get_sym_model;
experiment/assess_symbolic_model.py: assess_symbolic_model_from_file;
postprocessing/collate_groundtruth_results.py: the symbolic_solution column):

1. Both formulas are parsed by SymPy with every variable a plain Symbol (no assumptions),
   `pi` written as the number 3.1415926535 and `^` as `**`; in the candidate, sqrt and log of
   a negative number take its absolute value (SRBench's protected PSQRT and PLOG).
2. round_floats: every Float x of the parsed formula becomes 0 when |x| < 1e-4, else
   Float(round(x, 3), 3) (3 decimal places, stored with 3-digit precision). Rationals and
   integers stay exact. The truth is rounded the same way and is not simplified; the
   candidate is rounded, then simplified (simplify(ratio=1)).
3. Only a model with test R^2 > 0.5 is checked. diff = rounded(truth - candidate),
   frac = rounded(candidate / truth). diff is simplified (and rounded again) unless it is
   already constant while frac is not. Recovered when str(diff) == '0', or diff.is_constant()
   or frac.is_constant() is True (None counts as no), and the simplified candidate is not
   '0' or 'nan'. Any exception means not recovered.

Two things differ on purpose: the candidate is physr's SymPy text with the problem's own
names (SRBench's renaming of x0, x1... to feature names has nothing to rename), and SymPy is
stopped after a timeout (SRBench runs unbounded), which counts as not recovered. SymPy's
is_constant tries random points; its generator is seeded before each check, so a verdict
does not change between runs.
"""

import re
from dataclasses import dataclass

import sympy
from sympy.core import random as sympy_random
from sympy.parsing.sympy_parser import parse_expr

from . import symbolic

UPSTREAM = "cavalab/srbench ac1059bae0f641cf9e4dfd5c91add5d4e01dbcb5"
R2_GATE = 0.5  # models at or below this test R^2 are not checked (not recovered)
PI_TEXT = "3.1415926535"


@dataclass
class SrbenchVerdict:
    recovered: bool
    how: str = ""     # "zero", "difference" or "ratio" (the first that holds), "" when not
    detail: str = ""  # the rounded difference, or why not


def _protected_sqrt(x):
    if isinstance(x, sympy.Float) and x < 0:
        return sympy.sqrt(sympy.Abs(x))
    return sympy.sqrt(x)


def _protected_log(x, base=None):
    if isinstance(x, sympy.Float) and x < 0:
        x = sympy.Abs(x)
    return sympy.log(x, base) if base else sympy.log(x)


def round_floats(expr):
    """SRBench's rounding: each Float, in preorder, substituted by 0 when |x| < 1e-4, else by
    round(x, 3) at 3-digit precision."""
    seen = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Float) and node not in seen:
            seen.append(node)
    out = expr
    for x in seen:
        out = out.subs(x, sympy.Integer(0) if abs(x) < 1e-4 else sympy.Float(round(x, 3), 3))
    return out


def _text(formula):
    return re.sub(r"\bpi\b", PI_TEXT, formula.replace("^", "**"))


def parse(formula, names, candidate=False):
    """SymPy expression of formula text over plain symbols `names` (physr's Symbol('E') for a
    name SymPy knows is the same plain symbol)."""
    local = {n: sympy.Symbol(n) for n in names}
    if candidate:
        local.update(sqrt=_protected_sqrt, log=_protected_log)
    return parse_expr(_text(formula), local_dict=local)


class SrbenchJudge:
    """SRBench's rule for one true formula over the variables `names`."""

    def __init__(self, truth_formula, names, timeout=60.0):
        self.names = list(names)
        self.timeout = timeout
        self.truth = round_floats(parse(truth_formula, self.names))

    def _compare(self, candidate_text):
        model = sympy.simplify(round_floats(parse(candidate_text, self.names, True)), ratio=1)
        diff = round_floats(self.truth - model)
        frac = round_floats(model / self.truth)
        if not diff.is_constant() or frac.is_constant():
            diff = round_floats(sympy.simplify(diff, ratio=1))
        if str(model) in ("0", "nan"):
            return SrbenchVerdict(False, detail="model is %s" % model)
        for how, holds in (("zero", str(diff) == "0"), ("difference", diff.is_constant()),
                           ("ratio", frac.is_constant())):
            if holds is True:
                return SrbenchVerdict(True, how, "difference %s" % diff)
        return SrbenchVerdict(False, detail="difference %s" % diff)

    def check(self, candidate_text, test_r2=None):
        """Verdict for a candidate's SymPy text; test_r2 None skips SRBench's R^2 gate."""
        if test_r2 is not None and not test_r2 > R2_GATE:
            return SrbenchVerdict(False, detail="test R2 <= %g, not checked" % R2_GATE)
        sympy_random.seed(20210721)
        try:
            return symbolic.with_timeout(self.timeout, self._compare, candidate_text)
        except symbolic.Timeout:
            return SrbenchVerdict(False, detail="timeout after %g s" % self.timeout)
        except Exception as e:  # noqa: BLE001 - SRBench counts any exception as no solution
            return SrbenchVerdict(False, detail="error: %s" % str(e)[:120])
