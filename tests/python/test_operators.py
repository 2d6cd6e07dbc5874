"""Defined operators (define=) and per-operator complexities (complexity=) in Python."""

import numpy as np
import pytest

import physr


def sinc_data(rows=300):
    x = np.linspace(0.5, 12.0, rows)
    return x.reshape(-1, 1), np.sin(x) / x


def test_define_finds_the_defined_operator():
    X, y = sinc_data()
    result = physr.fit(X, y, X_names=["x"], y_name="y", define=["sinc(x)=sin(x)/x"],
                       epochs=20, seed=1, threads=2)
    assert result.best.infix == "sinc(x)"
    assert result.best.complexity == 2
    sympy = pytest.importorskip("sympy")
    x = sympy.Symbol("x", real=True)
    assert sympy.simplify(result.best.sympy() - sympy.sin(x) / x) == 0
    np.testing.assert_allclose(result.best.predict(X), y, rtol=1e-12)


def test_complexity_prices_an_operator():
    X, y = sinc_data()
    result = physr.fit(X, y, X_names=["x"], y_name="y", define="sinc(x)=sin(x)/x",
                       complexity={"sinc": 4}, epochs=20, seed=1, threads=2)
    formulas = {f.infix: f.complexity for f in result.pareto}
    assert formulas.get("sinc(x)", 5) == 5


def test_estimator_takes_define_and_complexity():
    X, y = sinc_data(100)
    model = physr.PhysicalRegressor(define=["sinc(x)=sin(x)/x"], complexity={"sin": 2},
                                    epochs=20, random_state=1, n_jobs=2)
    model.fit(X, y)
    assert "sinc" in model.equation_


@pytest.mark.parametrize("kwargs, message", [
    (dict(define=["sinc(x)=sinc(x)"]), "'sinc' calls itself"),
    (dict(define=["sin(x)=x"]), "'sin' is a built-in operator"),
    (dict(define=["f(x)=cosh(x)"]), "'cosh' is not a function"),
    (dict(complexity={"sin": 0}), "complexity of 'sin' must be a finite number > 0"),
    (dict(complexity={"cosh": 2}), "unknown operator 'cosh'"),
    (dict(ops="mul,sinc"), "unknown operator 'sinc'"),
])
def test_bad_operators_raise_before_the_search(kwargs, message):
    X, y = sinc_data(10)
    with pytest.raises(ValueError, match=message):
        physr.fit(X, y, epochs=1, **kwargs)


def test_evaluate_takes_define_and_complexity():
    X, y = sinc_data(50)
    evaluation = physr.evaluate("2*sinc(x)", X, 2 * y, X_names=["x"], y_name="y",
                                define="sinc(x)=sin(x)/x", complexity={"sinc": 3})
    np.testing.assert_allclose(evaluation.values, 2 * y, rtol=1e-12)
    assert evaluation.formula.complexity == 6  # mul, 2 and x 1 each, sinc 3
    with pytest.raises(ValueError, match="sinc"):
        physr.evaluate("sinc(x)", X, y, X_names=["x"], y_name="y")
