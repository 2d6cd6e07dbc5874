"""Bad input raises ValueError or TypeError with the engine's message; nothing crashes."""

import numpy as np
import pytest

import physr
from conftest import QUICK

UNITS = dict(X_names=["m", "a"], X_units=["kg", "m/s^2"], y_name="F", y_units="N")


def fit(X, y, **kwargs):
    return physr.fit(X, y, **{**UNITS, **QUICK, **kwargs})


def test_bad_column_unit_names_column_and_position(newton):
    X, F = newton
    with pytest.raises(ValueError, match=r"column 'a'.*m/s\^.*position"):
        fit(X, F, X_units=["kg", "m/s^"])


def test_bad_target_unit(newton):
    X, F = newton
    with pytest.raises(ValueError, match=r"target 'F'.*'Nx'"):
        fit(X, F, y_units="Nx")


def test_bad_unit_in_dataframe_label(newton):
    pd = pytest.importorskip("pandas")
    X, F = newton
    frame = pd.DataFrame({"m[kg]": X[:, 0], "a[furlong]": X[:, 1]})
    with pytest.raises(ValueError, match="column 'a'.*furlong"):
        physr.fit(frame, pd.Series(F, name="F[N]"), **QUICK)


def test_bad_constant_unit_and_value(newton):
    X, F = newton
    with pytest.raises(ValueError, match="constant 'c'"):
        fit(X, F, fixed_consts={"c": (3e8, "m/ss")})
    with pytest.raises(ValueError, match="finite"):
        fit(X, F, fixed_consts={"c": (float("nan"), "m/s")})
    with pytest.raises(TypeError, match="free constant 'g'"):
        fit(X, F, free_consts={"g": 9.8})
    with pytest.raises(ValueError, match="constant 'k'"):
        fit(X, F, free_consts={"k": "kgg"})
    with pytest.raises(ValueError, match="not an identifier"):
        fit(X, F, free_consts={"2k": "kg"})


def test_unknown_operator(newton):
    X, F = newton
    with pytest.raises(ValueError, match="unknown operator 'cosh'"):
        fit(X, F, ops="mul,cosh")


def test_invalid_options(newton):
    X, F = newton
    with pytest.raises(ValueError, match="invalid option: epochs"):
        fit(X, F, epochs=-1)
    with pytest.raises(ValueError, match="invalid option: batch size"):
        fit(X, F, batch_size=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        physr.fit(X, F, epoch=3)
    with pytest.raises(TypeError, match="option max_epochs"):
        fit(X, F, epochs=2.5)


def test_unreachable_target_dimension_is_a_value_error(newton):
    X, F = newton
    # Only an acceleration and no free constant: no formula has the units of a force.
    with pytest.raises(ValueError):
        physr.fit(X[:, 1:], F, X_names=["a"], X_units=["m/s^2"], y_units="N",
                  default_free_consts=False, **QUICK)


def test_non_finite_data(newton):
    X, F = newton
    X = X.copy(order="F")
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        fit(X, F)


def test_shapes(newton):
    X, F = newton
    with pytest.raises(ValueError, match="rows"):
        fit(X, F[:-1])
    with pytest.raises(ValueError, match="2-D"):
        fit(X[:, 0], F, X_names=["m"], X_units=["kg"])
    with pytest.raises(ValueError, match="1-D"):
        fit(X, np.column_stack([F, F]))
    with pytest.raises(ValueError, match="X_units has 1"):
        fit(X, F, X_units=["kg"])
    with pytest.raises(ValueError, match="no rows"):
        fit(X[:0], F[:0])


def test_types():
    with pytest.raises(TypeError, match="real numbers"):
        physr.fit(np.array([["a", "b"]]), [1.0])
    with pytest.raises(TypeError, match="real numbers"):
        physr.fit(np.ones((2, 2)), ["x", "y"])
    with pytest.raises(TypeError, match="fixed_consts"):
        physr.fit(np.ones((2, 2)), np.ones(2), fixed_consts=["c"])


def test_units_are_all_or_nothing(newton):
    X, F = newton
    with pytest.raises(ValueError, match="column 'a' has no unit"):
        physr.fit(X, F, X_names=["m[kg]", "a"], y_units="N", **QUICK)
    with pytest.raises(ValueError, match="target 'y' has no unit"):
        physr.fit(X, F, X_units=["kg", "m/s^2"], **QUICK)


def test_names_must_be_identifiers_and_distinct(newton):
    X, F = newton
    with pytest.raises(ValueError, match="not an identifier"):
        fit(X, F, X_names=["m", "a b"])
    with pytest.raises(ValueError, match="distinct"):
        fit(X, F, X_names=["m", "m"])


def test_predict_rejects_wrong_columns(newton):
    X, F = newton
    best = fit(X, F).best
    with pytest.raises(ValueError, match="3 columns"):
        best.predict(np.ones((4, 3)))
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match="lacks the columns"):
        best.predict(pd.DataFrame({"m": [1.0]}))
