"""Tests of the side-by-side benchmark's pieces that need neither PhySO nor Operon nor a
network: units, the drivers' command line and result line, each peer's formula format turned
into SymPy, the scale undone, the judges applied to peer formulas, the result rows and the
summary (`python3 -m pytest bench/tests`). Needs SymPy.
"""

import io
import math
import os
import sys
import time

import pytest
import sympy

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH)

import peers as bench_peers  # noqa: E402  (bench/peers.py)
from physr_bench import peers  # noqa: E402


def same_function(a, b, names, points):
    """a and b (SymPy text) agree to 1e-9 relative at the points."""
    symbols = [sympy.Symbol(n) for n in names]
    fa = sympy.lambdify(symbols, sympy.sympify(a, locals=dict(zip(names, symbols))), "math")
    fb = sympy.lambdify(symbols, sympy.sympify(b, locals=dict(zip(names, symbols))), "math")
    return all(math.isclose(fa(*p), fb(*p), rel_tol=1e-9, abs_tol=1e-12) for p in points)


# ---------------------------------------------------------------- units and data

@pytest.mark.parametrize("text, expected", [
    ("1", [0, 0, 0, 0, 0, 0, 0]),
    ("kg*m^2/s^2", [2, -2, 1, 0, 0, 0, 0]),
    ("m^3/(kg*s^2)", [3, -2, -1, 0, 0, 0, 0]),
    ("1/s", [0, -1, 0, 0, 0, 0, 0]),
    ("m^(3/2)", [1.5, 0, 0, 0, 0, 0, 0]),
    ("kg*m^2/(s^3*A)", [2, -3, 1, 0, -1, 0, 0]),
    ("m^-2", [-2, 0, 0, 0, 0, 0, 0]),
    ("K*mol/cd", [0, 0, 0, 1, 0, 1, -1]),
])
def test_unit_vector(text, expected):
    assert peers.unit_vector(text) == [float(x) for x in expected]


@pytest.mark.parametrize("text, message", [
    ("J", "unknown unit 'J'"), ("kg*", "expected"), ("m)", "unexpected ')'"),
    ("m$", "unexpected character"), ("(m", "expected ')'")])
def test_unit_vector_rejects(text, message):
    with pytest.raises(peers.UnitError, match=message.replace("(", r"\(").replace(")", r"\)")):
        peers.unit_vector(text)


def test_constants_syntax():
    assert peers.parse_const("c[m/s]=299792458") == ("c", "m/s", 299792458.0)
    assert peers.split_name_unit("G[m^3/(kg*s^2)]") == ("G", "m^3/(kg*s^2)")
    assert peers.split_name_unit("phi") == ("phi", "1")
    with pytest.raises(ValueError, match="NAME"):
        peers.parse_const("c[m/s]")
    with pytest.raises(ValueError, match="not a number"):
        peers.parse_const("c[m/s]=fast")
    with pytest.raises(ValueError, match="NAME"):
        peers.split_name_unit("2x[m]")


def test_read_dataset(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("# comment\nz[m],v[m/s],E[kg*m^2/s^2]\n1,2,3\n4,5,6\n")
    d = peers.read_dataset(str(path))
    assert d["names"] == ["z", "v"] and d["target"] == "E"
    assert d["units"] == {"z": "m", "v": "m/s", "E": "kg*m^2/s^2"}
    assert d["columns"]["v"] == [2.0, 5.0]
    path.write_text("z[m],E[J]\n1,2\n3,x\n")
    with pytest.raises(ValueError, match=r"d\.csv:3: 'x' is not a number"):
        peers.read_dataset(str(path))
    path.write_text("z[m],E[J]\n1,2,3\n")
    with pytest.raises(ValueError, match=r"d\.csv:2: 3 cells, the header has 2"):
        peers.read_dataset(str(path))


# ---------------------------------------------------------------- driver protocol

def test_driver_arguments():
    a = peers.driver_arguments(["x.csv", "--time-limit", "60", "--seed", "3", "--const",
                                "c[m/s]=3e8", "--free-const", "m[kg]", "--free-const", "g"])
    assert (a.data, a.time_limit, a.seed, a.threads, a.preset) == ("x.csv", 60.0, 3, 1,
                                                                   "bundled")
    assert a.const == [("c", "m/s", 3e8)] and a.free_const == [("m", "kg"), ("g", "1")]
    with pytest.raises(SystemExit):
        peers.driver_arguments(["x.csv"])  # the time limit is required
    with pytest.raises(SystemExit):
        peers.driver_arguments(["x.csv", "--time-limit", "1", "--const", "c=fast"])


def test_result_line_round_trip():
    out = io.StringIO()
    peers.emit({"formula": "m*g*z", "seconds": 1.5, "final_seen_seconds": None}, out)
    text = "noise\n" + out.getvalue() + "more noise\n"
    assert peers.parse_result(text) == {"formula": "m*g*z", "seconds": 1.5,
                                        "final_seen_seconds": None}
    assert peers.parse_result("nothing here\n") is None
    assert peers.parse_result(peers.RESULT_MARK + "{broken\n") is None


# ---------------------------------------------------------------- formula formats

def test_operon_formula():
    # A model string as pyoperon 0.6.2 prints it (mechanical energy, 10 s run).
    raw = ("(0.00000244140619543 + ((12.10183811187744141 * z) + "
           "(((-1.11085546016693115) * v) ^ 2)))")
    text = peers.operon_to_sympy(raw)
    assert "^" not in text
    want = "0.00000244140619543 + 12.10183811187744141*z + 1.11085546016693115**2*v**2"
    assert same_function(text, want, ["z", "v"], [(1.0, 2.0), (-3.0, 0.5)])


def test_operon_functions():
    text = peers.operon_to_sympy("square(aq(x, (y + 1))) + sqrtabs(logabs(x)) + cbrt(y)")
    want = "(x/sqrt(1 + (y + 1)**2))**2 + sqrt(Abs(log(Abs(x)))) + y**(1/3)"
    assert same_function(text, want, ["x", "y"], [(2.0, 3.0), (5.0, 0.5)])
    with pytest.raises(ValueError, match="unbalanced"):
        peers.operon_to_sympy("square((x)")


def test_physo_formula():
    text = peers.physo_to_sympy("1.234*(9.807*z + n2(v)) + n3(arctan(v))/expneg(z)")
    want = "1.234*(9.807*z + v**2) + atan(v)**3*exp(z)"
    assert same_function(text, want, ["z", "v"], [(1.0, 2.0), (-3.0, 0.5)])
    assert peers.sympy_text(text, ["z", "v"])  # SymPy parses it


def test_sympy_text_keeps_names_plain():
    assert peers.sympy_text("E*beta + I", ["E", "beta", "I"]) == "E*beta + I"
    with pytest.raises(ValueError, match="does not parse"):
        peers.sympy_text("x +* y", ["x", "y"])


def test_unscale_matches_original_data():
    # y = 2*x^2 + 3*w; scaled data x' = x/100, w' = w/1e4, y' = y/1e4: y' = 2*x'^2 + 3*w'.
    scaled = "2*x**2 + 3*w"
    text = peers.unscale(scaled, ["x", "w"], {"x": 100.0, "w": 1e4}, 1e4)
    assert same_function(text, "2*x**2 + 3*w", ["x", "w"], [(100.0, 2e4), (-250.0, 7.0)])


def test_power_of_ten_scale():
    assert peers.power_of_ten_scale([3e8, -2e8]) == 1e8
    assert peers.power_of_ten_scale([0.0, 0.0]) == 1.0
    assert peers.power_of_ten_scale([0.02, 0.03]) == pytest.approx(0.01)


def test_r2_score():
    cols = {"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 6.0]}
    assert peers.r2_score("2*x", ["x"], cols, "y") == pytest.approx(1.0)
    assert peers.r2_score("2*x + 1", ["x"], cols, "y") == pytest.approx(1.0 - 3.0 / 8.0)
    assert peers.r2_score("log(x - 2)", ["x"], cols, "y") == -math.inf
    assert peers.r2_score("x +* 1", ["x"], cols, "y") == -math.inf


# ---------------------------------------------------------------- bench/peers.py

def test_parse_args():
    a = bench_peers.parse_args(["--problems", "bundled,I.12.1", "--engines", "physr,pyoperon",
                                "--time-limit", "90", "--seeds", "2"])
    assert a.engines == ["physr", "pyoperon"] and a.time_limit == 90 and a.seeds == 2
    assert ("bundled", "newton_gravity") in a.problems and ("feynman", "I.12.1") in a.problems
    assert len(a.problems) == 6
    a = bench_peers.parse_args(["--problems", "feynman,I.12.1", "--feynman", "I.12.1,I.14.3"])
    assert a.problems == [("feynman", "I.12.1"), ("feynman", "I.14.3")]
    for bad in (["--engines", "pysr"], ["--problems", "nonsense"], ["--time-limit", "0"]):
        with pytest.raises(SystemExit):
            bench_peers.parse_args(bad)


@pytest.fixture(scope="module")
def args():
    return bench_peers.parse_args(["--problems", "bundled", "--judge-timeout", "300"])


def test_peer_command_passes_units_and_budget(args):
    p = bench_peers.Problem("bundled", "relativistic_energy", args)
    cmd = bench_peers.peer_command("physo", p, 3, args, "/venv/bin/python")
    assert cmd[:3] == ["/venv/bin/python", bench_peers.DRIVERS["physo"], p.data]
    assert cmd[cmd.index("--seed") + 1] == "3"
    assert cmd[cmd.index("--time-limit") + 1] == "60"
    assert cmd[cmd.index("--const") + 1] == "c[m/s]=299792458"
    p = bench_peers.Problem("bundled", "newton_gravity", args)
    cmd = bench_peers.peer_command("pyoperon", p, 1, args, "py")
    assert cmd[cmd.index("--free-const") + 1] == "G[m^3/(kg*s^2)]"


def test_judge_peer_formulas(args):
    mech = bench_peers.Problem("bundled", "mechanical_energy", args)
    # Operon's numbers for m*g*z + m*v^2, as its driver converts them.
    operon = peers.sympy_text(peers.operon_to_sympy(
        "(0.00000244140619543 + ((12.10183811187744141 * z) + "
        "(((-1.11085546016693115) * v) ^ 2)))"), ["z", "v"])
    v = mech.judge(operon)
    assert v["srbench"] == 1 and v["physr_rule"] == 1 and float(v["r2"]) > 0.999999
    # PhySO's one-epoch answer of a 20 s run: a term missing.
    v = mech.judge("11.906703929586799*z")
    assert v["srbench"] == 0 and v["physr_rule"] == 0
    assert mech.judge("")["physr_detail"] == "no formula"


def test_judge_given_constant_alike(args):
    rel = bench_peers.Problem("bundled", "relativistic_energy", args)
    # physr writes the given c as a symbol, PhySO and Operon as a number: same verdicts.
    for text in ("m*c**2/sqrt(1 - v**2/c**2)",
                 "m*299792458.0**2/sqrt(1 - v**2/299792458.0**2)"):
        v = rel.judge(text)
        assert v["physr_rule"] == 1, text
        # SRBench's rounding makes 1/c^2 zero: its rule would take any m*const, so no verdict.
        assert v["srbench"] == "" and v["srbench_detail"].startswith("n/a")
    v = rel.judge("m*299792458.0**2/sqrt(1.01 - v**2/299792458.0**2)")  # 1 % off
    assert v["physr_rule"] == 0
    assert rel.judge("8.98755e16*m")["physr_rule"] == 0


def test_srbench_applies():
    assert bench_peers.srbench_applies("1.234*9.807*z + 1.234*v**2", ["z", "v"])
    assert not bench_peers.srbench_applies("m*299792458.0**2/sqrt(1 - v**2/299792458.0**2)",
                                           ["m", "v"])
    assert not bench_peers.srbench_applies("6.674e-11*m1*m2/r**2", ["m1", "m2", "r"])
    assert bench_peers.srbench_applies("exp(-theta**2/2)/sqrt(2*pi)", ["theta"])


def test_judge_tiny_constant_has_no_srbench_verdict(args):
    newton = bench_peers.Problem("bundled", "newton_gravity", args)
    v = newton.judge("6.674e-11*m1*m2/r**2")
    assert v["srbench"] == "" and v["srbench_detail"].startswith("n/a")
    assert v["physr_rule"] == 1
    assert newton.judge("6.674e-11*m1*m2/r**3")["physr_rule"] == 0


def test_run_child_measures_the_child(tmp_path):
    log = str(tmp_path / "child.log")
    code, wall, cpu, rss = bench_peers.run_child(
        [sys.executable, "-c", "print(sum(range(10**6))); raise SystemExit(3)"], log, 60)
    assert code == 3 and wall > 0 and cpu > 0 and rss > 1
    with open(log, encoding="utf-8") as f:
        assert f.read().strip() == str(sum(range(10 ** 6)))


@pytest.mark.skipif(not os.access(bench_peers.runner.GNU_TIME, os.X_OK),
                    reason="GNU time is not installed")
def test_run_child_peak_rss_is_the_childs_own(tmp_path):
    # A child exec'd from this process would report at least this process's size as its
    # ru_maxrss; under GNU time it reports its own.
    ballast = bytearray(300 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])
    _, _, _, rss = bench_peers.run_child([sys.executable, "-c", "pass"],
                                         str(tmp_path / "child.log"), 60)
    assert 1 < rss < 150
    del ballast


def test_run_child_kills_its_process_group_at_the_deadline(tmp_path):
    start = time.monotonic()
    code, wall, _, _ = bench_peers.run_child(
        ["sh", "-c", "sleep 60 & sleep 60; wait"], str(tmp_path / "child.log"), 0.5)
    assert code == -9 and wall < 30 and time.monotonic() - start < 30


def test_rejudge_writes_new_verdicts(args, tmp_path):
    out = str(tmp_path / "peers.csv")
    results = bench_peers.runner.ResultsCsv(out, bench_peers.COLUMNS,
                                            ["engine", "problem", "seed"])
    base = {c: "" for c in bench_peers.COLUMNS}
    results.append(dict(base, engine="pyoperon", problem="mechanical_energy", seed="1",
                        status="ok", srbench="0", physr_rule="0",
                        formula="12.10126*z + 1.234*v**2"))
    results.append(dict(base, engine="physo", problem="mechanical_energy", seed="1",
                        status="error", formula=""))
    assert bench_peers.rejudge(results, args) == 1
    again = bench_peers.runner.ResultsCsv(out, bench_peers.COLUMNS, ["engine", "problem", "seed"])
    assert [(r["srbench"], r["physr_rule"]) for r in again.rows] == [("1", "1"), ("", "")]


def test_summary(args):
    base = {c: "" for c in bench_peers.COLUMNS}
    rows = []
    for engine, seed, sr, pr, formula in (("physr", 1, "1", "1", "m*g*z + m*v**2"),
                                          ("physr", 2, "0", "1", "m*g*z + m*v**2"),
                                          ("physo", 1, "0", "0", "12*z")):
        rows.append(dict(base, engine=engine, problem="mechanical_energy", seed=str(seed),
                         status="ok", srbench=sr, physr_rule=pr, formula=formula,
                         final_seen_seconds="2.5", wall_seconds="3", cpu_seconds="2.9",
                         peak_rss_mb="40"))
    rows.append(dict(base, engine="physr", problem="newton_gravity", seed="1", status="ok",
                     srbench="", physr_rule="1", formula="G*m1*m2/r**2", wall_seconds="1",
                     cpu_seconds="1", peak_rss_mb="30"))
    text = bench_peers.summarise(rows, ["physr", "physo", "pyoperon"])
    assert "| mechanical_energy | physr | 1/2 | 2/2 | 2.5 | 3 | 2.9 | 40 |" in text
    assert "| mechanical_energy | physo | 0/1 | 0/1 | – |" in text
    assert "| newton_gravity | physr | n/a | 1/1 |" in text
    assert "| physr | 1/2 | 3/3 |" in text
    assert "pyoperon" not in text
