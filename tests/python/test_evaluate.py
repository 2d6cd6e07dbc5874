"""physr.evaluate: a given formula checked against data, as `physr eval` does (units, fixed
and fitted constants with standard errors, metrics, errors)."""

import math
import pathlib

import numpy as np
import pytest

import physr

DATASETS = pathlib.Path(__file__).resolve().parents[2] / "datasets"
C = 299792458.0


@pytest.fixture
def energy():
    """E = m*g*z + m*v^2 with m = 1.234 kg and g = 9.807 m/s^2 (PhySO's quick start)."""
    rng = np.random.default_rng(3)
    z = rng.uniform(-5.0, 5.0, 80)
    v = rng.uniform(-10.0, 10.0, 80)
    return np.column_stack([z, v]), 1.234 * 9.807 * z + 1.234 * v**2


def test_fixed_constant_formula_is_exact():
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(DATASETS / "relativistic_energy.csv")
    result = physr.evaluate("m*c^2/sqrt(1 - v^2/c^2)", frame, fixed_consts={"c": (C, "m/s")})
    assert result.target == "E" and result.unit == "kg*m^2/s^2"
    assert result.r2 == pytest.approx(1.0) and result.nrmse < 1e-12
    assert result.formula.infix == "m*c^2/sqrt(1 - v^2/c^2)"
    assert result.constants == {}
    assert result.formula.fixed_constants["c"].value == C
    np.testing.assert_allclose(result.values, frame["E[kg*m^2/s^2]"], rtol=1e-12)
    assert set(result.metrics) == {"rmse", "nrmse", "r2"}


def test_free_constants_are_fitted_with_standard_errors(energy):
    X, E = energy
    noisy = E + np.random.default_rng(1).normal(0.0, 0.5, E.shape)
    result = physr.evaluate("m*g*z + m*v^2", X, noisy, X_names=["z", "v"], X_units=["m", "m/s"],
                            y_name="E", y_units="J", free_consts={"m": "kg", "g": "m/s^2"},
                            fit=True)
    m, g = result.constants["m"], result.constants["g"]
    assert m.unit == "kg" and g.unit == "m/s^2"
    assert m.value == pytest.approx(1.234, rel=1e-2) and g.value == pytest.approx(9.807, rel=2e-2)
    assert 0.0 < m.stderr < 0.05 and 0.0 < g.stderr < 0.5
    assert 0.99 < result.r2 < 1.0 and result.warnings == []
    # The fitted formula predicts the values it reports.
    np.testing.assert_allclose(result.formula.predict(X), result.values)


def test_free_constants_need_fit(energy):
    X, E = energy
    with pytest.raises(ValueError, match="uses free constants: pass fit=True"):
        physr.evaluate("k*z*v", X, E, X_names=["z", "v"], free_consts={"k": "1"})


def test_target_from_the_table():
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(DATASETS / "mechanical_energy.csv")
    free = {"m": "kg", "g": ("m/s^2", 9.0)}
    last = physr.evaluate("m*g*z + m*v^2", frame, free_consts=free, fit=True)
    assert last.r2 == pytest.approx(1.0)
    assert last.constants["g"].value == pytest.approx(9.807, rel=1e-9)
    # target= picks another column: z from E and v is a different problem, same checks.
    with pytest.raises(ValueError, match="target is z"):
        physr.evaluate("m*v^2", frame, target="z", free_consts=free, fit=True)
    columns = {label: frame[label].to_numpy() for label in frame.columns}
    from_dict = physr.evaluate("m*g*z + m*v^2", columns, free_consts=free, fit=True)
    assert from_dict.constants["m"].value == pytest.approx(last.constants["m"].value)


def test_dimensionally_wrong_formula_names_the_target(energy):
    X, E = energy
    with pytest.raises(ValueError, match=r"the target is E \[kg\*m\^2/s\^2\]"):
        physr.evaluate("z*v", X, E, X_names=["z", "v"], X_units=["m", "m/s"], y_name="E",
                       y_units="J")
    with pytest.raises(ValueError, match="cannot add"):
        physr.evaluate("z + v", X, E, X_names=["z", "v"], X_units=["m", "m/s"], y_name="E",
                       y_units="J")


def test_non_finite_values_name_the_row():
    X = np.array([[1.0], [0.0], [2.0]])
    with pytest.raises(ValueError, match=r"non-finite values on 1 of 3 rows \(first at row 2: x=0"):
        physr.evaluate("log(x)", X, np.array([0.0, 1.0, 2.0]), X_names=["x"])


def test_scaled_units_and_sigma():
    # d in km, t in min: converted to SI; values come back in the target's unit as given.
    d = np.array([1.0, 2.0, 3.0, 4.5])
    t = np.array([1.0, 2.0, 2.5, 3.0])
    speed = d / t  # km/min
    result = physr.evaluate("d/t", np.column_stack([d, t]), speed, X_names=["d", "t"],
                            X_units=["km", "min"], y_name="v", y_units="km/min",
                            sigma=np.full(4, 0.1))
    np.testing.assert_allclose(result.values, speed)
    assert result.rmse == pytest.approx(0.0, abs=1e-12)


def test_argument_errors(energy):
    X, E = energy
    with pytest.raises(TypeError, match="formula must be a string"):
        physr.evaluate(3, X, E)
    with pytest.raises(TypeError, match="y is required"):
        physr.evaluate("x0", X)
    with pytest.raises(ValueError, match="sample_weight or sigma"):
        physr.evaluate("x0", X, E, sample_weight=np.ones(80), sigma=np.ones(80))
    assert math.isfinite(physr.evaluate("x0*x1", X, E).rmse)


def test_every_printer_writes_numbers_in_full_and_complexity_is_an_int():
    x = np.linspace(1.0, 2.0, 20)
    y = 6.674e-11 * x + 1.0 / 3.0
    formula = physr.evaluate("6.674e-11*x + 0.3333333333333333", x[:, None], y,
                             X_names=["x"], y_name="y").formula
    assert formula.infix_values == "6.674e-11*x + 0.3333333333333333"
    assert formula.latex() == r"6.674 \cdot 10^{-11} x + 0.3333333333333333"
    assert formula._core.sympy_text() == "6.674e-11*x + 0.3333333333333333"
    # Rounding is asked for, never the default.
    assert formula.latex(precision=6) == r"6.674 \cdot 10^{-11} x + 0.333333"
    assert formula.complexity == 5 and isinstance(formula.complexity, int)


def test_a_fractional_complexity_stays_a_float():
    x = np.linspace(1.0, 2.0, 20)
    result = physr.evaluate("sin(x)", x[:, None], np.sin(x), X_names=["x"], y_name="y",
                            complexity={"sin": 1.5})
    assert result.complexity == 2.5 and isinstance(result.complexity, float)
