"""Columns that carry their units: astropy and pint quantities give physr their units
without X_units, converted to SI (a dict of quantities, a list of quantity columns, an
astropy QTable, one 2-D quantity)."""

import numpy as np
import pytest

import physr
from physr import _quantities

QUICK = dict(batch_size=200, epochs=4, threads=2, seed=1)


@pytest.fixture
def speeds():
    rng = np.random.default_rng(2)
    d = rng.uniform(1.0, 10.0, 40)   # km
    t = rng.uniform(1.0, 5.0, 40)    # min
    return d, t, d / t               # km/min


def check_speed(result, d, t):
    # Converted to SI: the formula is d/t with v in m/s.
    assert result.unit == "m/s"
    np.testing.assert_allclose(result.values, d * 1000.0 / (t * 60.0), rtol=1e-12)
    assert result.r2 == pytest.approx(1.0)


def test_astropy_quantities(speeds):
    u = pytest.importorskip("astropy.units", reason="astropy is a test extra (pip install .[test])")
    d, t, v = speeds
    columns = {"d": d * u.km, "t": t * u.min}
    check_speed(physr.evaluate("d/t", columns, v * u.km / u.min, y_name="v"), d, t)
    check_speed(physr.evaluate("x0/x1", [d * u.km, t * u.min], v * u.km / u.min), d, t)
    table = pytest.importorskip("astropy.table").QTable(columns)
    check_speed(physr.evaluate("d/t", table, (v * u.km / u.min).to(u.m / u.s)), d, t)
    both = np.column_stack([d, 2 * d]) * u.km
    assert physr.evaluate("x0 + x1", both, 3 * d * u.m).r2 < 1.0  # km on the left, m right
    assert _quantities.to_si(2.0 * u.km / u.h, "x")[1] == "m*s^-1"
    assert _quantities.to_si(np.ones(2) * u.m ** 0.5, "x")[1] == "m^(1/2)"
    assert _quantities.to_si(np.ones(2) * u.deg, "x")[1] == "1"


def test_pint_quantities(speeds):
    pint = pytest.importorskip("pint", reason="pint is a test extra (pip install .[test])")
    ureg = pint.UnitRegistry()
    d, t, v = speeds
    columns = {"d": ureg.Quantity(d, "km"), "t": ureg.Quantity(t, "minute")}
    check_speed(physr.evaluate("d/t", columns, ureg.Quantity(v, "km/min"), y_name="v"), d, t)
    kelvin = _quantities.to_si(ureg.Quantity(np.array([0.0, 100.0]), "degC"), "T")
    np.testing.assert_allclose(kelvin[0], [273.15, 373.15])
    assert kelvin[1] == "K"


def test_fit_with_quantities_and_predict(speeds):
    u = pytest.importorskip("astropy.units", reason="astropy is a test extra (pip install .[test])")
    d, t, v = speeds
    result = physr.fit({"d": d * u.km, "t": t * u.min}, v * u.km / u.min, ops="mul,div",
                       default_free_consts=False, **QUICK)
    assert result.variables == ["d", "t"] and result.target_unit == "m/s"
    assert result.best.nrmse < 1e-9  # d/t, however written
    np.testing.assert_allclose(result.best.predict([d * u.km, t * u.min]), v * 1000 / 60)


def test_units_given_twice_are_refused(speeds):
    u = pytest.importorskip("astropy.units", reason="astropy is a test extra (pip install .[test])")
    d, t, v = speeds
    with pytest.raises(ValueError, match="leave out X_units"):
        physr.evaluate("d/t", {"d": d * u.km, "t": t * u.min}, v, X_units=["km", "min"])
    with pytest.raises(ValueError, match="leave out y_units"):
        physr.evaluate("d/t", {"d": d * u.km, "t": t * u.min}, v * u.km / u.min, y_units="m/s")


def test_plain_objects_do_not_import_unit_libraries():
    assert not _quantities.is_quantity(np.ones(3))
    X, names, units = _quantities.unwrap_columns(np.ones((3, 2)))
    assert names is None and units is None
