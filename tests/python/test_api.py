"""physr.fit and its results: names and units, constants, printers, prediction."""

import json
import math
import warnings

import numpy as np
import pytest

import physr
from conftest import QUICK


def test_parse_unit_gives_canonical_si_text():
    assert physr.parse_unit("J") == "kg*m^2/s^2"
    assert physr.parse_unit("N*m") == physr.parse_unit("J")


def test_parse_unit_reads_prefixes_and_units_outside_the_si():
    assert physr.parse_unit("km/h") == "m/s"
    assert physr.parse_unit("keV") == physr.parse_unit("J")
    assert physr._core.unit_scale("km/h") == pytest.approx(1 / 3.6, rel=1e-15)
    assert physr._core.unit_scale("eV") == 1.602176634e-19
    assert physr._core.unit_scale("J") == 1.0
    with pytest.raises(ValueError, match="affine unit"):
        physr.parse_unit("degC")


def test_columns_in_scaled_units_are_converted_to_si():
    # d in km, t in min, v in km/h: v = d/t once everything is in SI, and a fitted
    # dimensionless factor is 1 (it would be 60 in km/min per km/h if nothing were converted).
    rng = np.random.default_rng(11)
    d = rng.uniform(1.0, 20.0, 40)
    t = rng.uniform(5.0, 90.0, 40)
    v = (d * 1000.0) / (t * 60.0) * 3.6
    X = np.asfortranarray(np.column_stack([d, t]))
    data = physr._core.make_dataset(X, v, ["d", "t"], ["km", "min"], "v", "km/h", None)
    assert data.scales == [1000.0, 60.0]
    assert data.target_scale == pytest.approx(1 / 3.6, rel=1e-15)
    assert data.units == ["m", "s"]
    assert data.target_unit == "m/s"
    result = physr.fit(X, v, X_names=["d", "t"], X_units=["km", "min"], y_name="v",
                       y_units="km/h", free_consts={"k": "1"}, ops="mul,div",
                       default_free_consts=False, batch_size=200, epochs=20, threads=2, seed=4)
    best = result.best
    assert best.nrmse < 1e-9
    if "k" in best.constants:
        assert best.constants["k"].value == pytest.approx(1.0, rel=1e-9)
    # predict takes the columns in the units given and returns the target's unit as given.
    np.testing.assert_allclose(best.predict(X), v, rtol=1e-12)
    # A constant given in a scaled unit is converted to SI.
    config = physr._api.make_config(fixed_consts={"c": (299792.458, "km/s")},
                                    default_free_consts=False)
    assert config.fixed_constants[0][1] == pytest.approx(299792458.0, rel=1e-15)
    assert config.fixed_constants[0][2] == "m/s"


def test_newton_law_is_recovered(newton):
    X, F = newton
    result = physr.fit(X, F, X_names=["m", "a"], X_units=["kg", "m/s^2"], y_name="F",
                       y_units="N", ops="mul,div", default_free_consts=False,
                       batch_size=200, epochs=30, threads=2, seed=1)
    best = result.best
    assert best is not None
    assert best.nrmse < 1e-9
    assert best.r2 == pytest.approx(1.0)
    assert best.unit == "kg*m/s^2"
    sympy = pytest.importorskip("sympy")
    m, a = sympy.symbols("m a", real=True)
    assert sympy.simplify(best.sympy() - m * a) == 0
    # Held-out rows, checked against the law itself.
    rng = np.random.default_rng(99)
    X_new = rng.uniform(0.5, 20.0, (25, 2))
    np.testing.assert_allclose(best.predict(X_new), X_new[:, 0] * X_new[:, 1], rtol=1e-12)


def test_memory_stability_and_restarts_are_options_recorded_in_the_result(newton, tmp_path):
    X, F = newton
    kw = dict(X_names=["m", "a"], X_units=["kg", "m/s^2"], y_name="F", y_units="N",
              ops="mul,div,add", default_free_consts=False, batch_size=200, epochs=3, seed=2,
              memory=5, search_stability=True, perfect_patience=2, restart_after=1)
    one = physr.fit(X, F, threads=1, **kw)
    two = physr.fit(X, F, threads=2, **kw)
    assert [f.infix for f in one.pareto] == [f.infix for f in two.pareto]
    assert one.evaluations == two.evaluations
    path = tmp_path / "result.json"
    one.save(path)
    options = json.loads(path.read_text())["options"]
    assert options["memory"] == 5 and options["search_stability"] is True
    assert options["restart_after"] == 1
    with pytest.raises(ValueError, match="memory"):
        physr.fit(X, F, memory=-1, **{k: v for k, v in kw.items() if k != "memory"})
    with pytest.raises(ValueError, match="restart after"):
        physr.fit(X, F, **{**kw, "restart_after": -1})


def test_features_find_a_distance_and_are_recorded(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.uniform(-3.0, 3.0, (200, 4))
    d = np.hypot(X[:, 0] - X[:, 1], X[:, 2] - X[:, 3])
    kw = dict(X_names=["x1", "x2", "y1", "y2"], X_units=["m"] * 4, y_name="d", y_units="m",
              ops="add,sub,mul,div,n2,sqrt", groups="off", enumerate="off", max_length=6,
              batch_size=300, epochs=10, seed=1, threads=1)
    without = physr.fit(X, d, features="off", **kw)
    assert without.features == [] and without.best.nrmse > 1e-3
    result = physr.fit(X, d, features="on", **kw)
    assert result.features[1] == "(x1 - x2)^2 + (y1 - y2)^2" and len(result.features) == 4
    assert result.best.infix == "sqrt((x1 - x2)^2 + (y1 - y2)^2)"
    path = tmp_path / "result.json"
    result.save(path)
    document = json.loads(path.read_text())
    assert document["features"] == result.features and document["options"]["features"] == "on"
    assert physr.load(path).features == result.features


def test_free_constant_is_fitted_with_its_unit():
    rng = np.random.default_rng(3)
    a = rng.uniform(1.0, 10.0, 50)
    result = physr.fit(a.reshape(-1, 1), 2.5 * a, X_names=["a"], X_units=["m/s^2"],
                       y_name="F", y_units="N", free_consts={"m": "kg"}, ops=["mul", "div"],
                       default_free_consts=False, batch_size=200, epochs=20, threads=2, seed=2)
    best = result.best
    assert best.nrmse < 1e-9
    assert set(best.constants) == {"m"}
    m = best.constants["m"]
    assert m.value == pytest.approx(2.5, rel=1e-9)
    assert m.unit == "kg"
    assert m.stderr >= 0.0 or math.isnan(m.stderr)
    assert "m" in best.infix and "2.5" in best.infix_values


def test_fixed_constant_with_unit_is_used():
    rng = np.random.default_rng(5)
    m = rng.uniform(1.0, 10.0, 40)
    c = 299792458.0
    result = physr.fit(m.reshape(-1, 1), m * c**2, X_names=["m"], X_units=["kg"], y_name="E",
                       y_units="J", fixed_consts={"c": (c, "m/s")}, ops="mul,div,n2",
                       default_free_consts=False, batch_size=200, epochs=20, threads=2, seed=3)
    best = result.best
    assert best.nrmse < 1e-9
    assert best.fixed_constants["c"].value == c
    assert best.fixed_constants["c"].unit == "m/s"


def test_pareto_front_is_ordered_and_holds_best(newton):
    X, F = newton
    result = physr.fit(X, F, X_names=["m", "a"], X_units=["kg", "m/s^2"], y_units="N", **QUICK)
    complexities = [f.complexity for f in result.pareto]
    assert complexities == sorted(complexities)
    errors = [f.nrmse for f in result.pareto]
    assert all(b <= a for a, b in zip(errors, errors[1:]))  # a front: more complex, more exact
    assert result.best is not None
    assert result.best.infix in [f.infix for f in result.pareto]
    assert result.epochs >= 1 and result.evaluations > 0
    assert result.stop_reason in {"epochs", "perfect fit"}
    assert result.variables == ["m", "a"] and result.target == "y"
    assert result.target_unit == "kg*m/s^2"
    assert "SearchResult(" in repr(result)


def test_profile_splits_the_seconds_into_phases(newton):
    X, F = newton
    result = physr.fit(X, F, X_names=["m", "a"], X_units=["kg", "m/s^2"], y_units="N", **QUICK)
    profile = result.profile
    phases = ["sample_priors", "sample_policy", "fit", "train", "breed", "enumerate", "simplify",
              "finalise", "other"]
    assert list(profile) == phases + ["seconds", "fitted", "advanced"]
    assert all(profile[name] >= 0.0 for name in phases)
    assert sum(profile[name] for name in phases) == pytest.approx(profile["seconds"])
    assert profile["seconds"] == result.seconds
    assert 0 < profile["fitted"] <= result.evaluations
    assert 0 <= profile["advanced"] <= profile["fitted"]


def test_racing_is_on_for_many_rows_and_can_be_turned_off():
    # 1200 rows: each formula is fitted first on 256 of them, most never on all.
    rng = np.random.default_rng(11)
    m, a = rng.uniform(1.0, 10.0, (2, 1200))
    X = np.asfortranarray(np.column_stack([m, a]))
    F = 1.3 * m * a * (1.0 + 0.05 * rng.standard_normal(1200))
    names = dict(X_names=["m", "a"], X_units=["kg", "m/s^2"], y_units="N")
    raced = physr.fit(X, F, **names, **QUICK).profile
    assert 0 < raced["advanced"] < raced["fitted"] / 2
    assert physr.fit(X, F, **names, **QUICK, race_rows=0).profile["advanced"] == 0
    with pytest.raises(ValueError, match="race advance"):
        physr.fit(X, F, **names, **QUICK, race_advance=0.0)
    with pytest.raises(ValueError, match="race iterations"):
        physr.fit(X, F, **names, **QUICK, race_iterations=-1)


def test_a_fitted_half_is_an_exact_rational_in_sympy():
    # E = m*v^2/2: the fitted dimensionless constant 0.5 is written as the number 1/2, which
    # SymPy reads as Rational(1, 2), so a symbolic comparison with the law is exact.
    sympy = pytest.importorskip("sympy")
    rng = np.random.default_rng(5)
    m = rng.uniform(0.5, 3.0, 60)
    v = rng.uniform(0.5, 4.0, 60)
    X = np.asfortranarray(np.column_stack([m, v]))
    result = physr.fit(X, 0.5 * m * v**2, X_names=["m", "v"], X_units=["kg", "m/s"],
                       y_name="E", y_units="J", ops="mul,n2", batch_size=200, epochs=30,
                       threads=2, seed=1)
    best = result.best
    assert best.nrmse < 1e-9
    assert best.constants == {}
    assert "1/2" in best.infix
    expression = best.sympy()
    assert expression.atoms(sympy.Float) == set()
    assert sympy.Rational(1, 2) in expression.atoms(sympy.Rational)
    ms, vs = sympy.symbols("m v", real=True)
    assert expression - sympy.Rational(1, 2) * ms * vs**2 == 0
    np.testing.assert_allclose(best.predict(X), 0.5 * m * v**2, rtol=1e-12)


def test_predict_agrees_with_sympy_evaluation(newton):
    sympy = pytest.importorskip("sympy")
    X, F = newton
    # The policy alone: evolution also breeds formulas that hide a constant in an
    # ill-conditioned expression of the variables (sin(exp((1/m + 1/m)^2*(m + m)^2)), i.e.
    # sin(exp(16))). SymPy rewrites those as it parses, so their double-precision values
    # differ from physr's by round-off amplified up to 1e7 times, which says nothing about
    # the printer.
    result = physr.fit(X, F + 3.0 * X[:, 0], X_names=["m", "a"], X_units=["kg", "m/s^2"],
                       y_units="N", evolution_offspring=0, **QUICK)
    m, a = sympy.symbols("m a", real=True)
    for formula in result.pareto:
        expression = formula.sympy()
        assert expression.free_symbols <= {m, a}
        f = sympy.lambdify((m, a), expression, "numpy")
        expected = np.broadcast_to(np.asarray(f(X[:, 0], X[:, 1]), dtype=float), (len(X),))
        np.testing.assert_allclose(formula.predict(X), expected, rtol=1e-9, atol=1e-9)
        assert isinstance(formula.latex(), str) and formula.latex()
        assert formula._repr_latex_().startswith("$y = ")


def test_same_seed_gives_same_result(newton):
    X, F = newton
    kwargs = dict(X_names=["m", "a"], X_units=["kg", "m/s^2"], y_units="N", **QUICK)
    one = physr.fit(X, F, **kwargs)
    two = physr.fit(X, F, **kwargs)
    assert [f.infix_values for f in one.pareto] == [f.infix_values for f in two.pareto]


def test_dataframe_labels_carry_names_and_units(newton):
    pd = pytest.importorskip("pandas")
    X, F = newton
    frame = pd.DataFrame({"m[kg]": X[:, 0], "a[m/s^2]": X[:, 1]})
    target = pd.Series(F, name="F[N]")
    result = physr.fit(frame, target, **QUICK)
    assert result.variables == ["m", "a"]
    assert result.target == "F" and result.target_unit == "kg*m/s^2"
    # Columns are matched by name, whatever their order and labels.
    swapped = pd.DataFrame({"a": X[:, 1], "m": X[:, 0]})
    np.testing.assert_allclose(result.best.predict(swapped), result.best.predict(X))


def test_without_units_everything_is_dimensionless():
    rng = np.random.default_rng(11)
    X = rng.uniform(1.0, 2.0, (30, 2))
    result = physr.fit(X, X[:, 0] - X[:, 1], **QUICK)
    assert result.variables == ["x0", "x1"]
    assert result.target_unit == "1"


def test_sample_weight_decides_which_rows_count(newton):
    X, F = newton
    # Every other row is off by a factor 3. Weighted 0, those rows do not count and F = m*a
    # fits the others exactly; unweighted, no formula comes close.
    corrupted = F.copy()
    corrupted[1::2] *= 3.0
    weights = np.ones(len(F))
    weights[1::2] = 0.0
    kwargs = dict(X_names=["m", "a"], X_units=["kg", "m/s^2"], y_units="N",
                  ops="mul,div", default_free_consts=False, **QUICK)
    weighted = physr.fit(X, corrupted, sample_weight=weights, **kwargs)
    assert weighted.best is not None
    assert weighted.best.nrmse < 1e-9
    assert weighted.best.infix in ("m*a", "a*m")
    unweighted = physr.fit(X, corrupted, **kwargs)
    assert unweighted.best.nrmse > 0.1


def test_extra_search_options_are_passed_by_name(newton):
    X, F = newton
    assert {"risk_epsilon", "hidden_size", "perfect_patience"} <= set(physr.search_options())
    units = dict(X_units=["kg", "m/s^2"], y_units="N")
    # Noisy data, so that every run goes to its epoch limit: another policy size and elite
    # share sample other formulas from the same seed.
    noisy = F * (1.0 + 0.1 * np.sin(np.arange(len(F))))
    plain = physr.fit(X, noisy, **units, **QUICK)
    tuned = physr.fit(X, noisy, risk_epsilon=0.1, hidden_size=16, **units, **QUICK)
    assert plain.epochs == tuned.epochs == QUICK["epochs"]
    assert ((plain.dead_ends, plain.invalid, plain.evaluations) !=
            (tuned.dead_ends, tuned.invalid, tuned.evaluations))
    # An exact fit ends the search at once with no patience, later with the default.
    longer = {**QUICK, "epochs": 50}
    patient = physr.fit(X, F, **units, **longer)
    hasty = physr.fit(X, F, perfect_patience=0, **units, **longer)
    assert patient.stop_reason == hasty.stop_reason == "perfect fit"
    assert hasty.epochs < patient.epochs


def test_progress_prints_when_tqdm_is_missing(newton, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    X, F = newton
    physr.fit(X, F, X_units=["kg", "m/s^2"], y_units="N", quiet=False, **QUICK)
    assert "epoch 1" in capsys.readouterr().err


def test_callback_sees_every_epoch(newton):
    X, F = newton
    seen = []
    result = physr.fit(X, F, X_units=["kg", "m/s^2"], y_units="N",
                       callback=lambda r: seen.append((r.epoch, r.evaluations)), **QUICK)
    assert [e for e, _ in seen] == list(range(1, result.epochs + 1))
    assert all(b > a for (_, a), (_, b) in zip(seen, seen[1:]))


def test_exact_threshold_follows_the_targets_digits(newton):
    X, F = newton
    kwargs = dict(X_units=["kg", "m/s^2"], y_units="N", ops="mul,div",
                  default_free_consts=False, **QUICK)
    # Full double precision: a formula must reach 1e-9 to count as exact.
    assert physr.fit(X, F, **kwargs).exact_nrmse == 1e-9
    # Written to 4 significant digits: the loosest threshold.
    rounded = np.array([float("%.3e" % v) for v in F])
    assert physr.fit(X, rounded, **kwargs).exact_nrmse == 1e-6
    # Set by hand.
    assert physr.fit(X, F, perfect_nrmse=1e-4, **kwargs).exact_nrmse == 1e-4


def test_columns_named_like_operators_and_sympy_names():
    # n2 is the square operator, exp an operator and a SymPy function, E SymPy's e: as column
    # names they are plain variables, and Formula.sympy() gives back symbols of those names.
    pd = pytest.importorskip("pandas")
    sympy = pytest.importorskip("sympy")
    rng = np.random.default_rng(17)
    frame = pd.DataFrame({"n2": rng.uniform(1.0, 2.0, 60), "exp": rng.uniform(0.5, 1.5, 60),
                          "E": rng.uniform(1.0, 3.0, 60)})
    y = frame["exp"] * frame["E"]
    result = physr.fit(frame, y, ops="mul,div,n2,exp", default_free_consts=False,
                       batch_size=200, epochs=30, threads=2, seed=4)
    assert result.variables == ["n2", "exp", "E"]
    n2, exp, E = sympy.symbols("n2 exp E", real=True)
    best = result.best
    assert best.nrmse < 1e-9
    assert sympy.simplify(best.sympy() - exp * E) == 0
    for formula in result.pareto:
        expression = formula.sympy()
        assert expression.free_symbols <= {n2, exp, E}
        f = sympy.lambdify((n2, exp, E), expression, "numpy")
        values = frame.to_numpy()
        expected = np.broadcast_to(
            np.asarray(f(values[:, 0], values[:, 1], values[:, 2]), dtype=float), (len(y),))
        np.testing.assert_allclose(formula.predict(frame), expected, rtol=1e-9, atol=1e-9)


def test_five_base_dimensions_gas_law():
    """kg, m, s, K and mol: the ideal gas law with R fitted per mole and kelvin."""
    i = np.arange(1, 31)
    V = 0.01 * (1 + i % 5)
    n = (1 + i % 3).astype(float)
    T = 250.0 + 10 * (i % 7)
    P = n * 8.314 * T / V
    result = physr.fit(np.column_stack([V, n, T]), P, X_names=["V", "n", "T"],
                       X_units=["m^3", "mol", "K"], y_name="P", y_units="Pa",
                       free_consts={"R": "J/(mol*K)"}, default_free_consts=False,
                       epochs=6, batch_size=200, threads=1, seed=1)
    assert result.best.nrmse < 1e-9
    assert result.best.unit == "kg/(m*s^2)"
    R = result.best.constants["R"]
    assert R.value == pytest.approx(8.314, rel=1e-9)
    assert R.unit == "kg*m^2/(s^2*K*mol)"


def test_fit_warns_when_no_formula_can_use_the_inputs():
    # A time against a dimensionless target with only dimensionless constants: no formula of
    # t keeps to the unit rules, and the warning says which constant to declare.
    t = np.linspace(0.0, 10.0, 40)
    with pytest.warns(RuntimeWarning, match=r"uses none of the inputs.*free_consts=\{'C': 's'\}"):
        physr.fit(t.reshape(-1, 1), np.exp(-t / 2), X_names=["t"], X_units=["s"], y_name="y",
                  y_units="1", epochs=2, batch_size=100, seed=1, threads=1)
    # With the time scale declared, no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = physr.fit(t.reshape(-1, 1), np.exp(-t / 2), X_names=["t"], X_units=["s"],
                          y_name="y", y_units="1", epochs=2, batch_size=100, seed=1, threads=1,
                          free_consts={"tau": "s"})
    assert "t" in found.best._core.tokens
