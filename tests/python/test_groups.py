"""physr.fit(groups=...): the search over dimensionless groups, with the law reported in the
data's own variables."""

import numpy as np
import pytest

import physr


def _relativistic_energy():
    """m, v, c and E = m c^2 / sqrt(1 - v^2/c^2), c a column: the groups are v/c."""
    rng = np.random.default_rng(5)
    m = rng.uniform(1.0, 3.0, 100)
    v = rng.uniform(1.0, 2.5, 100)
    c = rng.uniform(3.0, 10.0, 100)
    X = np.asfortranarray(np.column_stack([m, v, c]))
    return X, m * c**2 / np.sqrt(1 - v**2 / c**2)


def test_groups_on_reports_the_law_in_the_data_variables():
    X, E = _relativistic_energy()
    result = physr.fit(X, E, X_names=["m", "v", "c"], X_units=["kg", "m/s", "m/s"],
                       y_name="E", y_units="J", groups="on", batch_size=500, epochs=60,
                       threads=2, seed=3)
    best = result.best
    assert best is not None
    assert best.nrmse < 1e-9
    assert best.unit == "kg*m^2/s^2"
    assert all(name in best.infix for name in ("m", "v", "c"))
    np.testing.assert_allclose(best.predict(X), E, rtol=1e-9)


def test_groups_takes_off_on_auto_only():
    assert "groups" in physr.search_options()
    with pytest.raises(ValueError, match="off, on or auto"):
        physr.fit(np.ones((5, 1)), np.ones(5), groups="yes", epochs=1)


def test_groups_auto_merges_both_searches_and_marks_the_origin():
    # The same law under groups="auto": the search over v/c and the search over m, v, c share
    # the budget; the front says which search found each formula.
    X, E = _relativistic_energy()
    result = physr.fit(X, E, X_names=["m", "v", "c"], X_units=["kg", "m/s", "m/s"],
                       y_name="E", y_units="J", groups="auto", batch_size=500,
                       max_evals=6000, threads=2, seed=3)
    assert result.groups_portfolio
    assert result.best is not None
    assert result.best.unit == "kg*m^2/s^2"
    assert result.best.from_groups in (True, False)
    assert any(f.from_groups for f in result.pareto)


def test_symmetry_merges_a_product_of_dimensionless_inputs_for_the_groups():
    # y = u/(1 + u) with u = n*alpha: n and alpha are dimensionless, so they make no group;
    # symmetry="auto" merges them into (n*alpha), and the groups' search runs over it.
    rng = np.random.default_rng(2)
    n = rng.uniform(0.0, 1.0, 300)
    alpha = rng.uniform(0.0, 1.0, 300)
    X = np.asfortranarray(np.column_stack([n, alpha]))
    y = n * alpha / (1 + n * alpha)
    kw = dict(X_names=["n", "alpha"], batch_size=500, epochs=6, threads=2, seed=1)
    assert not physr.fit(X, y, symmetry="off", **kw).groups_portfolio
    result = physr.fit(X, y, symmetry="auto", **kw)
    assert result.groups_portfolio
    assert result.best is not None
    assert result.best.nrmse < 1e-9
    np.testing.assert_allclose(result.best.predict(X), y, rtol=1e-9)
    with pytest.raises(ValueError, match="off, on or auto"):
        physr.fit(X, y, symmetry="yes", epochs=1)
