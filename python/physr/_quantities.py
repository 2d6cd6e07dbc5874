"""Arrays that carry their units: astropy ``Quantity`` and pint ``Quantity``.

Such a column gives physr its unit without a separate list: its values are converted to
coherent SI and its unit becomes an SI unit string (``"m*s^-2"``) for the engine. Neither
astropy nor pint is imported here: objects are recognised by their type's module, so both
stay optional. Not here: plain arrays and labels (``_data``).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

# pint's base dimensions -> the SI base unit physr writes for each.
_PINT_DIMENSIONS = {"[length]": "m", "[mass]": "kg", "[time]": "s", "[current]": "A",
                    "[temperature]": "K", "[substance]": "mol", "[luminosity]": "cd"}
# astropy's SI bases -> physr's symbols (rad is dimensionless, as in physr).
_ASTROPY_BASES = {"m": "m", "kg": "kg", "s": "s", "A": "A", "K": "K", "mol": "mol",
                  "cd": "cd", "rad": None}


def _library_of(value: Any) -> str | None:
    module = type(value).__module__ or ""
    if module.startswith("astropy") and hasattr(value, "unit") and hasattr(value, "value"):
        return "astropy"
    if module.startswith("pint") and hasattr(value, "magnitude") and hasattr(value, "units"):
        return "pint"
    return None


def is_quantity(value: Any) -> bool:
    """Whether ``value`` is an astropy or pint quantity (array or scalar)."""
    return _library_of(value) is not None


def _unit_text(powers: list[tuple[str, Any]]) -> str:
    parts = []
    for symbol, power in powers:
        power = Fraction(power).limit_denominator(1000)
        if power == 0:
            continue
        if power == 1:
            parts.append(symbol)
        elif power.denominator == 1:
            parts.append(f"{symbol}^{power.numerator}")
        else:
            parts.append(f"{symbol}^({power.numerator}/{power.denominator})")
    return "*".join(parts) if parts else "1"


def _astropy_si(quantity: Any, what: str) -> tuple[np.ndarray, str]:
    try:
        si = quantity.si
    except Exception as error:  # e.g. a logarithmic or temperature-scale unit
        raise ValueError(f"{what}: cannot convert {quantity.unit} to SI units: {error}") from None
    unit = si.unit
    powers = []
    for base, power in zip(unit.bases, unit.powers):
        name = str(base)
        if name not in _ASTROPY_BASES:
            raise ValueError(f"{what}: unit {quantity.unit} has the non-SI base {name}")
        if _ASTROPY_BASES[name] is not None:
            powers.append((_ASTROPY_BASES[name], power))
    values = np.asarray(si.value, dtype=np.float64) * float(unit.scale)
    return values, _unit_text(powers)


def _pint_si(quantity: Any, what: str) -> tuple[np.ndarray, str]:
    try:
        base = quantity.to_base_units()
    except Exception as error:
        raise ValueError(f"{what}: cannot convert {quantity.units} to SI units: {error}") from None
    powers = []
    for dimension, power in dict(quantity.dimensionality).items():
        if dimension not in _PINT_DIMENSIONS:
            raise ValueError(f"{what}: unit {quantity.units} has the non-SI dimension {dimension}")
        powers.append((_PINT_DIMENSIONS[dimension], power))
    # The base units of pint's default registry are SI's (kilogram for mass).
    return np.asarray(base.magnitude, dtype=np.float64), _unit_text(powers)


def to_si(quantity: Any, what: str) -> tuple[np.ndarray, str]:
    """(values in coherent SI, SI unit text) of an astropy or pint quantity."""
    if _library_of(quantity) == "astropy":
        return _astropy_si(quantity, what)
    return _pint_si(quantity, what)


def _pint_column(column: Any) -> Any:
    """The pint Quantity of a pandas column of pint-pandas' dtype ``pint[unit]``, else None."""
    values = getattr(column, "values", None)
    quantity = getattr(values, "quantity", None)
    return quantity if quantity is not None and is_quantity(quantity) else None


def _columns_of(X: Any) -> tuple[list[Any], list[str] | None] | None:
    """The columns and names of X when it may hold quantities, else None."""
    if isinstance(X, Mapping):
        return list(X.values()), [str(name) for name in X.keys()]
    colnames = getattr(X, "colnames", None)  # an astropy Table or QTable
    if colnames is not None and _library_of(X) is None:
        return [X[name] for name in colnames], [str(name) for name in colnames]
    if hasattr(X, "columns") and hasattr(X, "dtypes"):  # a pandas DataFrame
        quantities = [_pint_column(X[c]) for c in X.columns]
        if not any(q is not None for q in quantities):
            return None
        return ([q if q is not None else X[c] for q, c in zip(quantities, X.columns)],
                [str(c) for c in X.columns])
    if isinstance(X, (list, tuple)) and X and any(is_quantity(c) for c in X):
        return list(X), None
    return None


def unwrap_columns(X: Any) -> tuple[Any, list[str] | None, list[str | None] | None]:
    """(X as a plain 2-D array, the names, the SI units) when X holds columns with units.

    X may be a dict name -> column, an astropy Table, a DataFrame of pint-pandas columns, a
    list of quantity columns, or one 2-D quantity. Columns without units get None. Anything
    else is returned unchanged with (None, None)."""
    if is_quantity(X) and np.ndim(getattr(X, "value", getattr(X, "magnitude", None))) == 2:
        values, unit = to_si(X, "X")
        return np.asarray(values, dtype=np.float64), None, [unit] * values.shape[1]
    found = _columns_of(X)
    if found is None:
        return X, None, None
    columns, names = found
    arrays, units = [], []
    for j, column in enumerate(columns):
        what = f"column '{names[j]}'" if names else f"column {j}"
        if is_quantity(column):
            values, unit = to_si(column, what)
        else:
            values, unit = np.asarray(column), None
        if values.ndim != 1:
            raise ValueError(f"{what} must be 1-D, got shape {values.shape}")
        arrays.append(values)
        units.append(unit)
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        raise ValueError(f"the columns of X have different lengths: {sorted(lengths)}")
    return np.column_stack(arrays) if arrays else np.empty((0, 0)), names, units


def unwrap_vector(y: Any, what: str = "y") -> tuple[Any, str | None]:
    """(y as plain values in SI, its SI unit) for a quantity; (y, None) otherwise."""
    if is_quantity(y):
        return to_si(y, what)
    quantity = _pint_column(y)
    if quantity is not None:
        return to_si(quantity, what)
    return y, None
