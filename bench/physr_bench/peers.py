"""Shared pieces of the side-by-side benchmark (bench/peers.py) and its peer drivers
(bench/peer_drivers/): reading a physr CSV with units, the drivers' command line, the one JSON
line a driver prints, and turning each engine's formula into SymPy text.

Not for: running or judging anything (bench/peers.py does that). The top level uses the
standard library only, because the drivers import it inside the peers' own virtual
environment; the functions that need SymPy import it when called.
"""

import argparse
import json
import math
import re
from fractions import Fraction

# Unit vectors are exponents of these SI base units, in this order (PhySO takes up to 7).
BASE_UNITS = ("m", "s", "kg", "K", "A", "mol", "cd")
RESULT_MARK = "PEER-RESULT "


class UnitError(ValueError):
    pass


def _unit_tokens(text):
    tokens = re.findall(r"\s*([A-Za-z]+|\d+(?:\.\d+)?|[\^*/()\-])", text)
    if "".join(tokens) != re.sub(r"\s+", "", text):
        raise UnitError("unit %r: unexpected character" % text)
    return tokens


def unit_vector(text):
    """Exponents (floats, in BASE_UNITS order) of a physr unit string over SI base units:
    'kg*m^2/s^2', 'm^3/(kg*s^2)', '1/s', 'm^(3/2)', '1'. UnitError names the unit and the
    token for anything else (derived units such as J are not accepted)."""
    tokens = _unit_tokens(text)
    pos = [0]

    def peek():
        return tokens[pos[0]] if pos[0] < len(tokens) else None

    def take(expected=None):
        tok = peek()
        if tok is None or (expected and tok != expected):
            raise UnitError("unit %r: expected %r at token %d" % (text, expected or "more",
                                                                   pos[0] + 1))
        pos[0] += 1
        return tok

    def exponent():
        if peek() == "(":
            take("(")
            sign = -1 if peek() == "-" else 1
            if sign < 0:
                take("-")
            value = Fraction(take())
            if peek() == "/":
                take("/")
                value /= Fraction(take())
            take(")")
            return sign * value
        sign = -1 if peek() == "-" else 1
        if sign < 0:
            take("-")
        return sign * Fraction(take())

    def atom():
        tok = take()
        if tok == "(":
            out = product()
            take(")")
        elif tok == "1":
            out = {}
        elif tok in BASE_UNITS:
            out = {tok: Fraction(1)}
        else:
            raise UnitError("unit %r: unknown unit %r (SI base units only: %s)"
                            % (text, tok, " ".join(BASE_UNITS)))
        if peek() == "^":
            take("^")
            e = exponent()
            out = {k: v * e for k, v in out.items()}
        return out

    def product():
        out = dict(atom())
        while peek() in ("*", "/"):
            op = take()
            rhs = atom()
            for k, v in rhs.items():
                out[k] = out.get(k, Fraction(0)) + (v if op == "*" else -v)
        return out

    result = product()
    if pos[0] != len(tokens):
        raise UnitError("unit %r: unexpected %r" % (text, tokens[pos[0]]))
    return [float(result.get(u, 0)) for u in BASE_UNITS]


def split_name_unit(text):
    """'m[kg]' -> ('m', 'kg'); a name without brackets is dimensionless ('1')."""
    m = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[([^\]]*)\])?\s*", text)
    if not m:
        raise ValueError("expected NAME[UNIT], got %r" % text)
    return m.group(1), (m.group(2) or "1").strip() or "1"


def parse_const(text):
    """physr's --const syntax 'c[m/s]=299792458' -> (name, unit, value)."""
    if "=" not in text:
        raise ValueError("expected NAME[UNIT]=VALUE, got %r" % text)
    left, value = text.rsplit("=", 1)
    name, unit = split_name_unit(left)
    try:
        number = float(value)
    except ValueError:
        raise ValueError("constant %r: %r is not a number" % (name, value)) from None
    return name, unit, number


def read_dataset(path, target=None):
    """A physr CSV: `name[unit]` header, `#` comment lines, numbers. Returns dict with names
    (inputs), units {name: unit}, columns {name: [floats]} and target (the last column unless
    named). ValueError names the file and line of a bad cell or a short row."""
    names, units, columns = None, {}, {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cells = [c.strip() for c in line.split(",")]
            if names is None:
                names = []
                for c in cells:
                    name, unit = split_name_unit(c)
                    names.append(name)
                    units[name] = unit
                    columns[name] = []
                continue
            if len(cells) != len(names):
                raise ValueError("%s:%d: %d cells, the header has %d"
                                 % (path, lineno, len(cells), len(names)))
            for name, c in zip(names, cells):
                try:
                    columns[name].append(float(c))
                except ValueError:
                    raise ValueError("%s:%d: %r is not a number" % (path, lineno, c)) from None
    if names is None:
        raise ValueError("%s: no header line" % path)
    target = target or names[-1]
    if target not in columns:
        raise ValueError("%s: no column %r" % (path, target))
    return {"names": [n for n in names if n != target], "units": units, "columns": columns,
            "target": target}


def driver_arguments(argv=None, description=None):
    """The command line every peer driver takes (physr fit's names for the shared options)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("data", help="physr CSV with name[unit] header; the last column is y")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, required=True, help="seconds of search")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--const", action="append", default=[], type=parse_const,
                    metavar="NAME[UNIT]=VALUE", help="a constant given exactly (repeatable)")
    ap.add_argument("--free-const", action="append", default=[], type=split_name_unit,
                    metavar="NAME[UNIT]", help="a constant the engine fits (repeatable)")
    ap.add_argument("--preset", default="bundled", choices=("bundled", "feynman"),
                    help="the operator and constant set (bench/peers.py PRESETS)")
    return ap.parse_args(argv)


def emit(result, stream=None):
    """Prints the driver's one result line: RESULT_MARK and a JSON object with at least
    formula (SymPy text over the data's names), seconds (the engine call's wall time) and
    final_seen_seconds (when the final formula was first seen; null where not observable)."""
    import sys
    stream = stream or sys.stdout
    stream.write(RESULT_MARK + json.dumps(result, sort_keys=True) + "\n")
    stream.flush()


def parse_result(output):
    """The last result line of a driver's output as a dict, or None."""
    found = None
    for line in output.splitlines():
        if line.startswith(RESULT_MARK):
            try:
                found = json.loads(line[len(RESULT_MARK):])
            except ValueError:
                continue
    return found


def power_of_ten_scale(values):
    """10^round(log10(rms)) of the values (1 when all are zero or not finite): a scale that
    brings them near 1 and keeps the digits of the numbers."""
    finite = [v for v in values if math.isfinite(v)]
    rms = math.sqrt(sum(v * v for v in finite) / len(finite)) if finite else 0.0
    return 10.0 ** round(math.log10(rms)) if rms > 0 else 1.0


def unscale(formula, names, scales, y_scale):
    """SymPy text of y = y_scale * f(x / scale) for f fitted on scaled data x' = x / scale,
    y' = y / y_scale; scales {name: factor}."""
    import sympy
    symbols = {n: sympy.Symbol(n) for n in names}
    expr = sympy.sympify(formula, locals=symbols)
    expr = expr.xreplace({symbols[n]: symbols[n] / sympy.Float(scales[n], 17) for n in names})
    return str(sympy.Float(y_scale, 17) * expr)


# Operon's infix names that SymPy does not know, as SymPy text of their arguments.
_OPERON_FUNCTIONS = {
    "square": lambda a: "(%s)**2" % a[0],
    "aq": lambda a: "((%s)/sqrt(1 + (%s)**2))" % (a[0], a[1]),
    "logabs": lambda a: "log(Abs(%s))" % a[0],
    "sqrtabs": lambda a: "sqrt(Abs(%s))" % a[0],
    "abs": lambda a: "Abs(%s)" % a[0],
    "pow": lambda a: "((%s)**(%s))" % (a[0], a[1]),
}


def _split_args(text):
    """Top-level comma-separated arguments of a call's inside."""
    depth, start, out = 0, 0, []
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def rewrite_calls(text, table):
    """text with every call name(args) of a name in `table` replaced by table[name](args), the
    arguments rewritten first; ValueError on unbalanced parentheses."""
    pattern = re.compile(r"\b(%s)\(" % "|".join(sorted(table, key=len, reverse=True)))
    while True:
        m = pattern.search(text)
        if not m:
            return text
        start, depth, i = m.end(), 1, m.end()
        while depth:
            if i >= len(text):
                raise ValueError("unbalanced parentheses in %r" % text)
            depth += text[i] == "("
            depth -= text[i] == ")"
            i += 1
        args = [rewrite_calls(a, table) for a in _split_args(text[start:i - 1])]
        text = text[:m.start()] + table[m.group(1)](args) + text[i:]


def operon_to_sympy(text):
    """SymPy text of an Operon infix model string (pyoperon's get_model_string): `^` for
    power, square/aq/logabs/sqrtabs/abs/pow rewritten, everything else SymPy syntax (cbrt
    included, with sympy_text)."""
    return rewrite_calls(text.replace("^", "**"), _OPERON_FUNCTIONS)


# PhySO's SymPy names (Token.sympy_repr) that SymPy does not know.
_PHYSO_FUNCTIONS = {
    "n2": lambda a: "(%s)**2" % a[0],
    "n3": lambda a: "(%s)**3" % a[0],
    "n4": lambda a: "(%s)**4" % a[0],
    "arctan": lambda a: "atan(%s)" % a[0],
    "arcsin": lambda a: "asin(%s)" % a[0],
    "arccos": lambda a: "acos(%s)" % a[0],
    "logabs": lambda a: "log(Abs(%s))" % a[0],
    "expneg": lambda a: "exp(-(%s))" % a[0],
    "abs": lambda a: "Abs(%s)" % a[0],
}


def physo_to_sympy(text):
    """SymPy text of PhySO's SymPy-printed program (its constants already numbers): n2, n3,
    n4, arctan, arcsin, arccos, logabs, expneg and abs rewritten."""
    return rewrite_calls(text, _PHYSO_FUNCTIONS)


def sympy_text(formula, names):
    """Canonical SymPy text of a formula over plain symbols `names` (names SymPy knows, such
    as E or beta, stay plain symbols); ValueError when it does not parse."""
    import sympy
    from sympy.parsing.sympy_parser import parse_expr
    local = {n: sympy.Symbol(n) for n in names}
    local.update(cbrt=sympy.cbrt, Abs=sympy.Abs, pi=sympy.pi)
    try:
        return str(parse_expr(formula, local_dict=local))
    except Exception as e:  # noqa: BLE001 - any parse failure is a bad formula
        raise ValueError("formula %r does not parse: %s" % (formula, e)) from None


def r2_score(formula, names, columns, target):
    """R^2 of a formula (SymPy text over `names`) on data columns {name: [floats]} against the
    column `target`; -inf when it does not parse or is not finite at some row."""
    import sympy
    try:
        symbols = [sympy.Symbol(n) for n in names]
        expr = sympy.sympify(sympy_text(formula, names), locals=dict(zip(names, symbols)))
        f = sympy.lambdify(symbols, expr, modules="math")
    except Exception:  # noqa: BLE001 - an unusable formula scores -inf
        return -math.inf
    ys = columns[target]
    mean = sum(ys) / len(ys)
    ss_tot = sum((y - mean) ** 2 for y in ys)
    ss_res = 0.0
    for i, y in enumerate(ys):
        try:
            value = complex(f(*[columns[n][i] for n in names]))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return -math.inf
        if value.imag != 0 or not math.isfinite(value.real):
            return -math.inf
        ss_res += (y - value.real) ** 2
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else -math.inf)
