"""Fortran-ordered float64 input reaches the C++ evaluator without a copy; other layouts
are copied once, explicitly, on the Python side (the binding refuses to convert)."""

import numpy as np
import pytest

import physr
from physr import _core
from physr._data import as_columns
from conftest import QUICK


def test_fortran_float64_is_used_in_place():
    X = np.asfortranarray(np.arange(12.0).reshape(4, 3))
    assert as_columns(X) is X
    assert _core._view_address(X) == X.ctypes.data


def test_column_slices_of_fortran_arrays_are_used_in_place():
    big = np.asfortranarray(np.arange(30.0).reshape(5, 6))
    X = big[:, 1:3]  # still Fortran-contiguous: contiguous columns
    assert X.flags.f_contiguous
    assert _core._view_address(as_columns(X)) == X.ctypes.data


def test_binding_refuses_to_convert_silently():
    with pytest.raises(TypeError):
        _core._view_address(np.ones((4, 3)))  # C order
    with pytest.raises(TypeError):
        _core._view_address(np.ones((4, 3), dtype=np.float32, order="F"))


def test_other_layouts_are_copied_to_fortran_order():
    X = np.arange(12.0).reshape(4, 3)
    Xf = as_columns(X)
    assert Xf.flags.f_contiguous and not np.shares_memory(X, Xf)
    np.testing.assert_array_equal(Xf, X)
    ints = as_columns(np.arange(6).reshape(3, 2))
    assert ints.dtype == np.float64 and ints.flags.f_contiguous


def test_predict_gives_the_same_values_for_every_layout(newton):
    X, F = newton
    best = physr.fit(X, F, X_units=["kg", "m/s^2"], y_units="N", **QUICK).best
    expected = best.predict(X)
    np.testing.assert_array_equal(best.predict(np.ascontiguousarray(X)), expected)
    X32 = X.astype(np.float32)  # converted to float64 on the Python side
    np.testing.assert_array_equal(best.predict(X32), best.predict(X32.astype(np.float64)))
    assert best.predict(X[:0]).shape == (0,)
