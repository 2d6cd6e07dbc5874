"""PhySO's Class symbolic-regression benchmark: problem table, realizations, judging.

Reads bench/class/ClassEquations.csv (8 problems; semicolon-separated; each variable with a
unit exponent vector, a type `var` for an input or `spe` for a constant specific to each
realization, and a uniform range). A realization draws each specific constant uniformly in
its range, then the inputs uniformly in theirs; the numbers written in a formula (9.81, 8.314,
...) are its class constants, the same in every realization. Noise, as PhySO's benchmark
adds it: y + noise*N(0, rms(y)) per realization.

The table's unit vectors are exponents of a problem's own base dimensions: a vector of one
entry is time, of two is (length, time) or (time, temperature), of three or five is
(length, time, mass[, temperature, amount]). BASES names them per problem; CLASS_CONST_UNITS
gives the unit of the one dimensioned class constant a problem's formula has (g, a rate,
h/k, R), declared to physr as `--class-const c[UNIT]`.

Recovery of a realization: the candidate with that realization's fitted constants against the
truth with that realization's drawn constants, under SRBench's rule (srbench.py) or under
PhySO's own rule (physo_judge.py: one decimal, the variables' signs from their ranges).
Standard library and SymPy only.
"""

import csv
import math
import os
import random

from . import physo_judge, srbench

TABLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "class",
                     "ClassEquations.csv")

BASES = {1: ("s",), 2: ("s",), 3: ("m", "s"), 4: ("s",), 5: ("s",), 6: ("s", "K"),
         7: ("m", "s", "kg", "K", "mol"), 8: ("m", "s", "kg")}

# Unit of the dimensioned class constant of each formula (None: only dimensionless numbers,
# which physr's default constants C1 and C2 cover).
CLASS_CONST_UNITS = {1: None, 2: None, 3: "m/s^2", 4: "1/s", 5: "1/s", 6: "K*s",
                     7: "kg*m^2/(s^2*K*mol)", 8: "m/s^2"}

# PhySO's operator set for this benchmark (benchmarking/ClassBenchmark/classbench_config.py).
CLASS_OPS = "mul,add,sub,div,inv,n2,sqrt,neg,exp,log,sin,cos"


def unit_vector(text):
    """'[1,-1,0]' or '[0,]' -> list of ints (empty entries dropped)."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise ValueError("unit vector %r: expected [a,b,...]" % text)
    return [int(c) for c in text[1:-1].split(",") if c.strip()]


def unit_string(vector, bases):
    """physr unit text of exponents over bases: 'm*kg/s^2', '1' when all are 0."""
    if len(vector) > len(bases):
        raise ValueError("unit vector %s longer than the bases %s" % (vector, bases))
    num, den = [], []
    for e, b in zip(vector, bases):
        if e:
            (num if e > 0 else den).append(b if abs(e) == 1 else "%s^%d" % (b, abs(e)))
    text = "*".join(num) or "1"
    if den:
        text += "/" + (den[0] if len(den) == 1 else "(" + "*".join(den) + ")")
    return text


def load_problems(path=TABLE):
    """The problems: dicts with number, name, output, output_unit, formula, inputs and spe
    (lists of (name, unit, low, high)), class_const_unit."""
    problems = []
    with open(path, encoding="utf-8", newline="") as f:
        for line, r in enumerate(csv.DictReader(f, delimiter=";"), start=2):
            number = int(r["Number"])
            bases = BASES[number]
            p = {"number": number, "name": r["Name"].strip(), "output": r["Output_name"].strip(),
                 "output_unit": unit_string(unit_vector(r["Output_units"]), bases),
                 "formula": r["Formula"].strip(), "inputs": [], "spe": [],
                 "class_const_unit": CLASS_CONST_UNITS[number]}
            for i in range(1, 5):
                name = (r.get("v%d_name" % i) or "").strip()
                if not name:
                    continue
                kind = r["v%d_type" % i].strip()
                if kind not in ("var", "spe"):
                    raise ValueError("%s:%d: v%d_type %r is neither var nor spe"
                                     % (path, line, i, kind))
                entry = (name, unit_string(unit_vector(r["v%d_units" % i]), bases),
                         float(r["v%d_low" % i]), float(r["v%d_high" % i]))
                p["inputs" if kind == "var" else "spe"].append(entry)
            if len(p["inputs"]) != int(r["# variables"]) or len(p["spe"]) != int(r["# spe"]):
                raise ValueError("%s:%d: variable counts do not match" % (path, line))
            problems.append(p)
    return problems


def _names(problem):
    return [v[0] for v in problem["inputs"]] + [k[0] for k in problem["spe"]]


def evaluator(problem):
    import sympy
    names = _names(problem)
    expr = srbench.parse(problem["formula"], names)
    return sympy.lambdify([sympy.Symbol(n) for n in names], expr, modules="math")


def draw_constants(problem, realizations, seed):
    """One {spe name: value} per realization, each uniform in its range."""
    rng = random.Random("class/%d/%d/constants" % (problem["number"], seed))
    return [{k: rng.uniform(lo, hi) for k, _, lo, hi in problem["spe"]}
            for _ in range(realizations)]


def sample(problem, constants, rows, seed, realization, noise=0.0):
    """rows x (inputs..., y) of one realization, y with noise*N(0, rms(y)) added."""
    rng = random.Random("class/%d/%d/%d/x" % (problem["number"], seed, realization))
    f = evaluator(problem)
    ks = [constants[k[0]] for k in problem["spe"]]
    out = []
    while len(out) < rows:
        x = [rng.uniform(lo, hi) for _, _, lo, hi in problem["inputs"]]
        y = float(f(*(x + ks)))
        if not math.isfinite(y):
            raise ValueError("problem %d: formula not finite at %s" % (problem["number"], x))
        out.append(x + [y])
    if noise:
        rms = math.sqrt(sum(r[-1] ** 2 for r in out) / len(out))
        nrng = random.Random("class/%d/%d/%d/noise/%r" % (problem["number"], seed, realization,
                                                          noise))
        out = [r[:-1] + [r[-1] + nrng.gauss(0.0, noise * rms)] for r in out]
    return out


def header(problem):
    cols = [(n, u) for n, u, _, _ in problem["inputs"]]
    cols.append((problem["output"], problem["output_unit"]))
    return ",".join("%s[%s]" % c for c in cols)


def write_csv(path, problem, rows, comment):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# %s\n" % comment)
        f.write(header(problem) + "\n")
        for r in rows:
            f.write(",".join("%.17g" % x for x in r) + "\n")


def physr_flags(problem):
    """`physr fit` flags declaring the problem's constants."""
    flags = ["--ops", CLASS_OPS]
    for name, unit, _, _ in problem["spe"]:
        flags += ["--spe-const", "%s[%s]" % (name, unit)]
    if problem["class_const_unit"]:
        flags += ["--class-const", "c[%s]" % problem["class_const_unit"]]
    return flags


def truth_text(problem, constants):
    """The formula with one realization's specific constants written in."""
    import sympy
    names = _names(problem)
    expr = srbench.parse(problem["formula"], names)
    return str(expr.subs({sympy.Symbol(k): sympy.Float(v, 17) for k, v in constants.items()}))


def candidate_text(formula, constants):
    """A formula text over constant names with one dataset's fitted values written in;
    constants: {name: value}."""
    import sympy
    from sympy.parsing.sympy_parser import parse_expr
    local = {n: sympy.Symbol(n) for n in constants}
    expr = parse_expr(formula.replace("^", "**"), local_dict=local, evaluate=False)
    return str(expr.subs({sympy.Symbol(k): sympy.Float(v, 17) for k, v in constants.items()}))


def judge(problem, formula, fitted, drawn, timeout=20.0, r2=None):
    """SRBench verdicts, one per realization: formula (text over input and constant names)
    with fitted[k] (that realization's fitted {name: value}) against the truth with drawn[k].
    r2: each realization's R^2, for SRBench's gate (R^2 > 0.5 to be checked); None: no gate."""
    names = [v[0] for v in problem["inputs"]]
    out = []
    for k, (fit_k, true_k) in enumerate(zip(fitted, drawn)):
        j = srbench.SrbenchJudge(truth_text(problem, true_k), names, timeout=timeout)
        out.append(j.check(candidate_text(formula, fit_k), None if r2 is None else r2[k]))
    return out


def physo_check(problem, formula, fitted, drawn, timeout=2.0):
    """PhySO's verdict for one realization: formula with fitted ({name: value}) against the
    truth with drawn, the inputs signed by their ranges."""
    symbols = {n: physo_judge.symbol(n, lo, hi) for n, _, lo, hi in problem["inputs"]}
    return physo_judge.check(candidate_text(formula, fitted), truth_text(problem, drawn),
                             symbols, timeout)
