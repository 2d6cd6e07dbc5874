"""The Feynman symbolic-regression benchmark: equation table, units, dataset generation.

Reads the tables in bench/feynman/ (100 Feynman-lecture equations and 20 bonus ones, each
variable's sampling range, units as exponents of m, s, kg, K and V), converts the units to SI
base dimensions as physr unit strings, and writes datasets by the SRBench protocol: inputs
uniform in their ranges, Gaussian noise of standard deviation noise*rms(y) on the target.
Standard library and SymPy only.
"""

import csv
import json
import math
import os
import random
from fractions import Fraction

import sympy

from . import symbolic

TABLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "feynman")

# Known errors of units.csv, corrected as PhySO does: the drift mobility of I.43.16
# (v = mu_drift*q*Ve/d) is s/kg, not kg/s.
UNIT_FIXES = {"mu_drift": {"m": 0, "s": 1, "kg": -1, "T": 0, "V": 0}}

# Operators for every Feynman problem: physr's defaults plus those the table's formulas use
# (cubes, tanh, arcsin, arccos). One library for all problems, as in SRBench.
FEYNMAN_OPS = "add,sub,mul,div,neg,inv,n2,n3,sqrt,exp,log,sin,cos,tanh,arcsin,arccos"


def _read_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [r for r in csv.DictReader(f) if (r.get("Filename") or "").strip()]


def load_units(tables=TABLES):
    """name -> {"m","s","kg","T","V": Fraction exponent}, with UNIT_FIXES applied."""
    units = {}
    with open(os.path.join(tables, "units.csv"), encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            name = (r.get("Variable") or "").strip()
            if not name:
                continue
            units[name] = {k: Fraction(r[k].strip() or "0") for k in ("m", "s", "kg", "T", "V")}
    for name, fix in UNIT_FIXES.items():
        units[name] = {k: Fraction(v) for k, v in fix.items()}
    return units


def si_exponents(u):
    """Exponents of the SI base units m, kg, s, K, A for table units (V = kg*m^2/(s^3*A))."""
    v = u["V"]
    return {"m": u["m"] + 2 * v, "kg": u["kg"] + v, "s": u["s"] - 3 * v, "K": u["T"], "A": -v}


def unit_string(u):
    """physr unit string of table units: 'kg*m^2/(s^3*A)', '1' when dimensionless."""
    e = si_exponents(u)

    def power(sym, x):
        if x == 1:
            return sym
        text = str(x.numerator) if x.denominator == 1 else "(%s)" % x
        return "%s^%s" % (sym, text)

    num = [power(s, e[s]) for s in ("kg", "m", "s", "K", "A") if e[s] > 0]
    den = [power(s, -e[s]) for s in ("kg", "m", "s", "K", "A") if e[s] < 0]
    if not num and not den:
        return "1"
    text = "*".join(num) if num else "1"
    if den:
        text += "/" + (den[0] if len(den) == 1 else "(" + "*".join(den) + ")")
    return text


def load_equations(tables=TABLES):
    """The 120 problems in table order: dicts with id, set ("bulk"/"bonus"), output, formula
    (SymPy syntax), variables [(name, low, high)], units {name: physr unit string}."""
    units = load_units(tables)
    problems = []
    for file_name, set_name in (("FeynmanEquations.csv", "bulk"), ("BonusEquations.csv", "bonus")):
        for r in _read_rows(os.path.join(tables, file_name)):
            variables = []
            for i in range(1, 11):
                name = (r.get("v%d_name" % i) or "").strip()
                if name:
                    variables.append((name, float(r["v%d_low" % i]), float(r["v%d_high" % i])))
            output = r["Output"].strip()
            names = [output] + [v[0] for v in variables]
            missing = [n for n in names if n not in units]
            if missing:
                raise ValueError("%s: no units for %s" % (r["Filename"], ", ".join(missing)))
            problems.append({
                "id": r["Filename"].strip(), "set": set_name, "output": output,
                "formula": r["Formula"].strip(), "variables": variables,
                "units": {n: unit_string(units[n]) for n in names},
            })
    return problems


# The four problems SRBench leaves out of its Feynman set (La Cava et al. 2021, arXiv:2107.14351,
# section "Feynman datasets"); PhySO's published rates are over the other 116 as well.
SRBENCH_EXCLUDED = ("I.26.2", "I.30.5", "II.11.17", "test_10")


def select(problems, spec):
    """Problems named by spec: 'all' (120), 'srbench' (the 116 SRBench uses), 'bulk',
    'bonus', or comma-separated ids."""
    if spec in ("all", ""):
        return problems
    if spec == "srbench":
        return [p for p in problems if p["id"] not in SRBENCH_EXCLUDED]
    if spec in ("bulk", "bonus"):
        return [p for p in problems if p["set"] == spec]
    by_id = {p["id"]: p for p in problems}
    out = []
    for name in spec.split(","):
        name = name.strip()
        if name not in by_id:
            raise KeyError("unknown Feynman problem %r" % name)
        out.append(by_id[name])
    return out


def truth_of(problem):
    """The problem as a symbolic.Truth (no constants: physical constants are data columns)."""
    return symbolic.Truth(problem["formula"], {n: (lo, hi) for n, lo, hi in problem["variables"]})


def physr_formula(problem):
    """The true formula in physr's syntax: physr reads SymPy's ** and ln, and takes a
    dimensioned base to a numeric exponent such as (3/2), so the text is used as is."""
    return problem["formula"]


def evaluator(problem):
    """f(*row) -> float for the true formula (math module)."""
    truth = truth_of(problem)
    symbols = symbolic.make_symbols(truth)
    expr = symbolic.parse(problem["formula"], symbols)
    names = [v[0] for v in problem["variables"]]
    return sympy.lambdify([symbols[n] for n in names], expr, modules="math")


def _stable_seed(*parts):
    h = 1469598103934665603
    for ch in "/".join(str(p) for p in parts):
        h = ((h ^ ord(ch)) * 1099511628211) % (1 << 64)
    return h


def sample(problem, rows, seed, salt="train"):
    """rows x (inputs..., y) noise-free samples, inputs uniform in their ranges; rows where
    the formula is not finite are redrawn."""
    rng = random.Random(_stable_seed(seed, problem["id"], salt))
    f = evaluator(problem)
    out = []
    attempts = 0
    while len(out) < rows:
        attempts += 1
        if attempts > 100 * rows + 1000:
            raise ValueError("%s: the formula is not finite on its sampling ranges" % problem["id"])
        x = [rng.uniform(lo, hi) for _, lo, hi in problem["variables"]]
        try:
            y = float(f(*x))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            continue
        if math.isfinite(y):
            out.append(x + [y])
    return out


def add_noise(rows, level, seed, problem_id):
    """Copies rows with Gaussian noise of std level*rms(y) added to the last column."""
    if level == 0:
        return [list(r) for r in rows]
    rms = math.sqrt(sum(r[-1] ** 2 for r in rows) / len(rows))
    rng = random.Random(_stable_seed(seed, problem_id, "noise", level))
    return [r[:-1] + [r[-1] + rng.gauss(0.0, level * rms)] for r in rows]


def header(problem):
    names = [v[0] for v in problem["variables"]] + [problem["output"]]
    return ",".join("%s[%s]" % (n, problem["units"][n]) for n in names)


def write_csv(path, problem, rows, comment=None):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        if comment:
            f.write("# %s\n" % comment)
        f.write(header(problem) + "\n")
        for r in rows:
            f.write(",".join("%.17g" % x for x in r) + "\n")


def noise_tag(level):
    return ("%g" % level).replace(".", "p")


def dataset_paths(out_dir, problem_id, level):
    """(training CSV for this noise level, noise-free test CSV)."""
    return (os.path.join(out_dir, "%s_noise%s.csv" % (problem_id, noise_tag(level))),
            os.path.join(out_dir, "%s_test.csv" % problem_id))


def generate(problem, out_dir, rows, test_rows, levels, seed):
    """Writes the training CSVs (one per noise level) and the test CSV of one problem; returns
    their paths {level: path} and the test path."""
    os.makedirs(out_dir, exist_ok=True)
    clean = sample(problem, rows, seed, "train")
    train = {}
    for level in levels:
        path, test_path = dataset_paths(out_dir, problem["id"], level)
        write_csv(path, problem, add_noise(clean, level, seed, problem["id"]),
                  "Feynman %s: %s = %s; %d rows, noise %g*rms(y), seed %d"
                  % (problem["id"], problem["output"], problem["formula"], rows, level, seed))
        train[level] = path
    test_path = dataset_paths(out_dir, problem["id"], 0)[1]
    write_csv(test_path, problem, sample(problem, test_rows, seed, "test"),
              "Feynman %s test points (noise-free), seed %d" % (problem["id"], seed))
    return train, test_path


def write_index(out_dir, problems, meta):
    with open(os.path.join(out_dir, "index.json"), "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "problems": problems}, f, indent=1)
        f.write("\n")


def read_test_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "[" in line:
                continue
            rows.append([float(c) for c in line.strip().split(",")])
    return rows


def r2_on(candidate_sympy, problem, rows):
    """R^2 of a candidate (physr's sympy string, numbers for constants) on rows (inputs..., y);
    -inf when it is not finite somewhere."""
    truth = truth_of(problem)
    symbols = symbolic.make_symbols(truth)
    try:
        expr = symbolic.parse(candidate_sympy, symbols)
        names = [v[0] for v in problem["variables"]]
        f = sympy.lambdify([symbols[n] for n in names], expr, modules="math")
    except Exception:  # noqa: BLE001
        return -math.inf
    ys = [r[-1] for r in rows]
    mean = sum(ys) / len(ys)
    ss_tot = sum((y - mean) ** 2 for y in ys)
    ss_res = 0.0
    for r in rows:
        try:
            p = complex(f(*r[:-1]))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return -math.inf
        if abs(p.imag) > 1e-12 * max(1.0, abs(p.real)) or not math.isfinite(p.real):
            return -math.inf
        ss_res += (r[-1] - p.real) ** 2
    if ss_tot == 0:
        return 1.0 if ss_res == 0 else -math.inf
    return 1.0 - ss_res / ss_tot
