"""Symbolic recovery check, the SRBench way: is a found formula the true law?

A candidate (physr's `sympy` string, fitted constants written as numbers) recovers the truth
when, after both have their numbers rounded to a few significant digits, the difference or the
ratio of the two simplifies to a constant (SRBench ground-truth rule: an additive or a
multiplicative constant is allowed). Hidden constants of the truth (those the engine fits) get
their true values; given constants (e.g. c) stay exact in both. A numerical guard on random
points rejects anything rounding made look equal. A second route accepts a candidate that
agrees with the truth to 1e-6 relative on random points *and* matches it symbolically once its
numbers are recognised as short closed forms with pi (nsimplify to 1e-9, else 6 significant
digits) and powers are denested and |x| taken as x (sqrt(x**2) -> x), and, for the ratio,
powers combined as for positive bases (sqrt(a)*sqrt(1/a) -> 1): sound here because the values
agree on the data's range.

The accepting route is recorded (Verdict.how), in the order tried: "rounded" (3-digit
rounding after SymPy's parse, all symbols real), "positive" (the same with the variables
whose range is positive declared positive) and "numeric" (the second route). When the guard
rejects a candidate whose rounded form does match (positive symbols, a short timeout),
Verdict.guard says so. Numbers are rounded after SymPy's parse only, never where the formula
writes them: rounded one by one, 12.34 - 11.33 or 1.004*1.004*1.004 would pass for 1. This rule is physr's own; bench/physr_bench/srbench.py is SRBench's.

Not a general theorem prover: SymPy's simplify may miss a true identity (counted as not
recovered) and is stopped after a timeout.
"""

import math
import random
import signal
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sympy
from sympy.parsing.sympy_parser import parse_expr, standard_transformations

# Names that the parser would otherwise read as SymPy objects (E, I, S, N, Q, beta, gamma...)
# are always bound to plain symbols through the local dictionary built from the problem.
_FUNCTIONS = {
    "sqrt": sympy.sqrt, "exp": sympy.exp, "log": sympy.log, "sin": sympy.sin,
    "cos": sympy.cos, "tan": sympy.tan, "tanh": sympy.tanh, "asin": sympy.asin,
    "acos": sympy.acos, "atan": sympy.atan, "arcsin": sympy.asin, "arccos": sympy.acos,
    "arctan": sympy.atan, "Abs": sympy.Abs, "abs": sympy.Abs, "pi": sympy.pi,
    "sinh": sympy.sinh, "cosh": sympy.cosh,
}


@dataclass
class Truth:
    """The law to recover.

    formula: SymPy syntax over the variables, the given constants and the hidden ones.
    variables: input name -> (low, high), the range random check points are drawn from.
    given: constant name -> value, constants the engine was given (they stay as symbols in
        physr's output and are substituted exactly here).
    hidden: constant name -> true value, constants the engine must fit (numbers in its output).
    """
    formula: str
    variables: dict
    given: dict = field(default_factory=dict)
    hidden: dict = field(default_factory=dict)


# The routes by which the checker accepts, in the order it tries them (see Checker.check).
ROUTES = ("rounded", "positive", "numeric")


@dataclass
class Verdict:
    recovered: bool
    how: str = ""        # the accepting route (one of ROUTES), "" when not recovered
    detail: str = ""     # why not, or the constant difference/ratio found
    max_rel_error: float = math.nan  # max |candidate - truth| / rms(truth) on random points
    guard: bool = False  # rejected by the 1 % guard although rounding finds the relation


class Timeout(Exception):
    pass


def _on_alarm(signum, frame):  # noqa: ARG001
    raise Timeout()


def with_timeout(seconds, fn, *args):
    """Runs fn(*args), raising Timeout after `seconds` (main thread only; else no limit)."""
    try:
        previous = signal.signal(signal.SIGALRM, _on_alarm)
    except ValueError:  # not the main thread
        return fn(*args)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def make_symbols(truth, positive=True):
    """Symbols for every name of the problem; positive where the variable's range is (and
    for given constants), unless positive is False: then all real."""
    symbols = {}
    for name, (low, high) in truth.variables.items():
        pos = positive and low > 0 and high > 0
        symbols[name] = sympy.Symbol(name, positive=True) if pos else sympy.Symbol(
            name, real=True)
    for name in truth.given:
        symbols[name] = sympy.Symbol(name, positive=True) if positive else sympy.Symbol(
            name, real=True)
    for name in truth.hidden:
        symbols[name] = sympy.Symbol(name, real=True)
    return symbols


def parse(text, symbols):
    """Parses SymPy-syntax text with the problem's names bound to plain symbols.

    physr writes a name that SymPy knows as its own (exp, E, N, ...) as Symbol('exp'): such
    a name keeps its function here when the text calls it, and every symbol is then replaced
    by the problem's symbol of its name."""
    local = dict(_FUNCTIONS)
    local.update({k: v for k, v in symbols.items() if k not in _FUNCTIONS and k != "Symbol"})
    expr = parse_expr(text.replace("^", "**"), local_dict=local,
                      transformations=standard_transformations, evaluate=True)
    return expr.xreplace({s: symbols[s.name] for s in expr.free_symbols
                          if s.name in symbols and s != symbols[s.name]})


def round_sig(x, digits):
    """x rounded to `digits` significant digits (half up, via 6 digits first so values that
    agree to about 1e-7 round alike), as an exact Rational."""
    if x == 0 or not math.isfinite(x):
        return sympy.Float(x)
    d = Decimal(repr(float(x)))
    for keep in (6, digits):
        exponent = d.adjusted() - keep + 1
        d = d.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return sympy.Rational(str(d))


def round_numbers(expr, digits):
    """Every Float in expr replaced by its rounded Rational."""
    reps = {f: round_sig(float(f), digits) for f in expr.atoms(sympy.Float)}
    return expr.xreplace(reps) if reps else expr


def _exactify(expr, digits, recognise_pi=False):
    expr = sympy.N(expr, 17)
    if recognise_pi:
        reps = {}
        for f in expr.atoms(sympy.Float):
            x = float(f)
            guess = sympy.nsimplify(x, [sympy.pi], tolerance=1e-9 * abs(x)) if x else 0
            # Only a short closed form (2*sqrt(2)*pi, log(2*pi), 2/3) counts as recognised.
            reps[f] = guess if sympy.count_ops(guess) <= 8 else round_sig(x, digits)
        expr = expr.xreplace(reps) if reps else expr
        # sqrt(x**2) -> x, |x| -> x: this route runs only after the values agreed on the
        # data's range, and a sign is a constant ratio.
        expr = sympy.powdenest(expr, force=True).replace(sympy.Abs, lambda a: a)
    else:
        expr = round_numbers(expr, digits)
    return expr


def _constant_relation(candidate, truth, variables, combine_powers=False):
    """'difference', 'ratio' or '' — which of candidate-truth, candidate/truth simplifies to
    an expression free of the variables (ratio must also be nonzero and finite). With
    combine_powers, a ratio that simplify leaves as sqrt(a)*sqrt(1/a) gets its powers combined
    as for positive bases (powsimp/powdenest with force), which holds where both formulas
    are real, as on the data's range when they agree there numerically."""
    diff = sympy.simplify(candidate - truth)
    if not (diff.free_symbols & variables) and diff.is_finite is not False:
        return "difference"
    ratio = sympy.simplify(candidate / truth)
    if not (ratio.free_symbols & variables) and ratio != 0 and ratio.is_finite is not False:
        return "ratio"
    if combine_powers:
        ratio = sympy.simplify(sympy.powsimp(sympy.powdenest(ratio, force=True), force=True))
        if not (ratio.free_symbols & variables) and ratio != 0 and ratio.is_finite is not False:
            return "ratio"
    return ""


def _lambdify(expr, names, symbols):
    args = [symbols[n] for n in names]
    return sympy.lambdify(args, expr, modules="math")


def _evaluate(fn, points):
    values = []
    for p in points:
        try:
            v = fn(*p)
            v = complex(v)
            values.append(v.real if abs(v.imag) <= 1e-12 * max(1.0, abs(v.real)) else math.nan)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            values.append(math.nan)
    return values


def _sample_points(truth, n, seed):
    rng = random.Random(seed)
    names = list(truth.variables)
    points = [[rng.uniform(*truth.variables[name]) for name in names] for _ in range(n)]
    return names, points


class Checker:
    """Judges candidates for one truth. Parse once, check many."""

    def __init__(self, truth, points=200, seed=12345, timeout=20.0, guard_timeout=5.0):
        self.truth = truth
        self.symbols = make_symbols(truth)
        self.variables = {self.symbols[n] for n in truth.variables}
        self.guard_timeout = guard_timeout
        # All-real symbols for the "rounded" route: a relation found there needs no positivity.
        self._real = make_symbols(truth, positive=False)
        self._real_truth = parse(truth.formula, self._real).xreplace(
            {self._real[k]: sympy.Float(v, 17) for k, v in truth.hidden.items()})
        self._real_truth3 = None
        self.known = self.variables | {self.symbols[n] for n in truth.given}
        self.timeout = timeout
        # Given constants stay symbols (positive) in the symbolic test: the relation must then
        # hold for any value of them. They get their values for the numeric checks only.
        self._given = {self.symbols[k]: sympy.Float(v, 17) for k, v in truth.given.items()}
        hidden = {self.symbols[k]: sympy.Float(v, 17) for k, v in truth.hidden.items()}
        self.truth_expr = parse(truth.formula, self.symbols).xreplace(hidden)
        self._names, self._points = _sample_points(truth, points, seed)
        self._truth_values = _evaluate(
            _lambdify(self.truth_expr.xreplace(self._given), self._names, self.symbols),
            self._points)
        self._truth_exact = {}

    def _truth_rounded(self, digits, recognise_pi):
        key = (digits, recognise_pi)
        if key not in self._truth_exact:
            self._truth_exact[key] = _exactify(self.truth_expr, digits, recognise_pi)
        return self._truth_exact[key]

    def numeric_errors(self, candidate_expr):
        """(max |c-t|/rms(t), relative spread of c-t, relative spread of c/t) on the points;
        nan where the candidate is not finite at some point."""
        values = _evaluate(_lambdify(candidate_expr.xreplace(self._given), self._names,
                                     self.symbols), self._points)
        pairs = [(c, t) for c, t in zip(values, self._truth_values) if math.isfinite(t)]
        if not pairs or any(not math.isfinite(c) for c, _ in pairs):
            return math.nan, math.nan, math.nan
        rms = math.sqrt(sum(t * t for _, t in pairs) / len(pairs)) or 1.0
        max_err = max(abs(c - t) for c, t in pairs) / rms
        diffs = [c - t for c, t in pairs]
        mean_d = sum(diffs) / len(diffs)
        spread_d = max(abs(d - mean_d) for d in diffs) / rms
        ratios = [c / t for c, t in pairs if t != 0]
        if ratios:
            mean_r = sum(ratios) / len(ratios)
            spread_r = (max(abs(r - mean_r) for r in ratios) / abs(mean_r)
                        if mean_r != 0 else math.inf)
        else:
            spread_r = math.inf
        return max_err, spread_d, spread_r

    def _rounding_route(self, candidate_text, routes, timeout):
        """(route, relation) of the first of `routes` ("rounded", "positive") where the
        candidate and the truth, numbers rounded to 3 digits after SymPy's parse, differ by a
        constant or have a constant ratio; ("", "") when none does."""
        for route in routes:
            real = route == "rounded"
            symbols = self._real if real else self.symbols
            try:
                if real and self._real_truth3 is None:
                    self._real_truth3 = _exactify(self._real_truth, 3)
                truth = self._real_truth3 if real else self._truth_rounded(3, False)
                variables = {symbols[n] for n in self.truth.variables}
                relation = with_timeout(timeout, _constant_relation,
                                        _exactify(parse(candidate_text, symbols), 3), truth, variables)
            except Timeout:
                relation = ""
            except Exception:  # noqa: BLE001 - SymPy internals; treat as no relation
                relation = ""
            if relation:
                return route, relation
        return "", ""

    def check(self, candidate_text):
        """Verdict for physr's sympy string of a formula."""
        try:
            cand = parse(candidate_text, self.symbols)
        except Exception as e:  # noqa: BLE001 - any parse failure is a miss
            return Verdict(False, detail="parse error: %s" % e)
        if not (cand.free_symbols <= self.known):
            extra = sorted(str(s) for s in cand.free_symbols - self.known)
            return Verdict(False, detail="unknown names: " + ",".join(extra))
        try:
            max_err, spread_d, spread_r = self.numeric_errors(cand)
        except Exception as e:  # noqa: BLE001
            return Verdict(False, detail="evaluation error: %s" % e)
        if not min(spread_d, spread_r) <= 1e-2:  # nan compares false
            # Neither route can accept it; say whether rounding alone would have.
            route = self._rounding_route(candidate_text, ("positive",), self.guard_timeout)
            return Verdict(False, detail="no constant difference or ratio on random points",
                           max_rel_error=max_err, guard=bool(route[0]))
        route, relation = self._rounding_route(candidate_text, ("rounded", "positive"),
                                               self.timeout)
        if relation:
            return Verdict(True, route, "constant " + relation, max_err)
        if max_err <= 1e-6:
            relation6 = ""
            # Closed forms first, then plain 6-digit rounding of the expanded formula (so
            # that products of fitted numbers are rounded once, not factor by factor).
            for recognise in (True, False):
                form = cand if recognise else sympy.expand(sympy.N(cand, 17))
                try:
                    relation6 = with_timeout(self.timeout, _constant_relation,
                                              _exactify(form, 6, recognise),
                                              self._truth_rounded(6, recognise), self.variables,
                                              True)
                except Timeout:
                    relation6 = ""
                except Exception:  # noqa: BLE001
                    relation6 = ""
                if relation6:
                    break
            if relation6:
                return Verdict(True, "numeric", "constant " + relation6, max_err)
            return Verdict(False, detail="numerically equal, no symbolic match", max_rel_error=max_err)
        return Verdict(False, detail="no constant difference or ratio", max_rel_error=max_err)


def self_test():
    """Asserts the checker accepts the truth and equal rewrites and rejects near misses."""
    rel = Truth("m*c**2/sqrt(1 - v**2/c**2)", {"m": (0.1, 10.0), "v": (0.0, 2.7e8)},
                given={"c": 299792458.0})
    ck = Checker(rel)
    assert ck.check("m*c**2/sqrt(1 - v**2/c**2)").recovered
    assert ck.check("m*c**2*(1 - v**2/c**2)**(-1/2)").recovered
    assert ck.check("m*c**2*(1 - (v/c)**2)**(-0.5)").recovered
    assert ck.check("3.000000001*m*c**2/sqrt(1 - v**2/c**2)").recovered  # ratio constant
    assert not ck.check("m*c**2 + m*v**2/2").recovered  # Taylor expansion
    assert not ck.check("m*c**2/sqrt(1 - v**2/(1.1*c**2))").recovered
    assert not ck.check("m*c**2").recovered

    mech = Truth("m*g*z + m*v**2", {"z": (-10.0, 10.0), "v": (-10.0, 10.0)},
                 hidden={"m": 1.234, "g": 9.807})
    ck = Checker(mech)
    assert ck.check("1.2339999999999*9.80700000001*z + 1.23400000000002*v**2").recovered
    assert ck.check("(z*9.807 + v**2)*1.234").recovered
    assert not ck.check("12.1*z + 1.234*v**2 + 0.3*v").recovered
    assert not ck.check("12.102438*z + 0.617*v**2").recovered

    osc = Truth("exp(-t/tau)*cos(omega*t + phi)", {"t": (0.0, 10.0)},
                hidden={"tau": 2.5, "omega": 3.0, "phi": 0.4})
    ck = Checker(osc)
    assert ck.check("exp(-t/2.49999999998)*cos(3.00000000001*t + 0.399999999999)").recovered
    assert ck.check("cos(-2.9999999999*t - 0.4000000001)/exp(0.4*t)").recovered
    assert not ck.check("exp(-t/2.5)*cos(3.2*t + 0.4)").recovered
    assert not ck.check("exp(-t/2.5)").recovered

    kepler = Truth("2*pi*sqrt(a**3/GM)", {"a": (5e10, 6e12)}, hidden={"GM": 1.32712440018e20})
    ck = Checker(kepler)
    assert ck.check("a*sqrt(a)*5.4e-10").recovered  # right law, constant off by 1 %
    assert ck.check("sqrt(a**3*3.0e-19)").recovered
    assert not ck.check("a**2*1e-15").recovered

    gauss = Truth("exp(-theta**2/2)/sqrt(2*pi)", {"theta": (1.0, 3.0)})
    ck = Checker(gauss)
    assert ck.check("0.398942280401433*exp(-0.5*theta**2)").recovered
    assert ck.check("exp(theta**2*(-0.49999999999))*0.39894228").recovered
    assert not ck.check("0.4*exp(-0.45*theta**2)").recovered
    assert not ck.check("theta + unknown_name").recovered
    assert not ck.check("((").recovered

    # |1 - v/c| from sqrt(...**2) is 1 - v/c on the data's range (v < c).
    pot = Truth("q/(4*pi*epsilon*r*(1-v/c))", {"q": (1, 5), "epsilon": (1, 5), "r": (1, 5),
                                               "v": (1, 2), "c": (3, 10)})
    ck = Checker(pot)
    v = ck.check("1/sqrt(r*(2*r)*(8.885765876316732/(q/epsilon) - "
                 "8.88576587631673*v*epsilon/(c*q))**2)")
    assert v.recovered and v.how == "numeric"
    trig = Truth("2*U*(1-cos(k*d))", {"U": (1, 5), "k": (1, 5), "d": (1, 5)})
    v = Checker(trig).check("(cos(d*k)*cos(1.2915823761627572**3) + 0.27560012624571806)"
                            "/(cos(1.2915823761627572)/U) + U")
    assert v.recovered and v.how == "numeric"

    # Variables named like SymPy objects stay plain symbols.
    names = Truth("E*I/S + beta*gamma", {"E": (1, 2), "I": (1, 2), "S": (1, 2), "beta": (1, 2),
                                          "gamma": (1, 2)})
    ck = Checker(names)
    assert ck.check("I*E/S + gamma*beta").recovered
    assert not ck.check("E*I*S + gamma*beta").recovered
    return True
