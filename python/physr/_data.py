"""Turning numpy arrays, pandas frames and unit annotations into the engine's inputs.

Conventions: a column label may carry its unit as ``name[unit]`` (``"v[m/s]"``); explicit
``X_units``/``y_units`` override it. Names must be identifiers. Without any unit anywhere
(plain arrays), every column is dimensionless; once some column has a unit, every column
needs one. Units may be scaled (``"km"``, ``"keV"``, ``"min"``): the engine converts such
columns to coherent SI (``make_dataset``). Columns that carry their units (astropy or pint
quantities, ``_quantities``) give them without ``X_units``, their values converted to SI.
X may also be a dict name -> column. Not here: the search options (``_api``) or scikit-learn
glue (``_estimator``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ._quantities import unwrap_columns, unwrap_vector

_LABEL = re.compile(r"^\s*([^\[\]]*?)\s*\[([^\[\]]*)\]\s*$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def split_label(label: Any) -> tuple[str, str | None]:
    """``"v[m/s]"`` -> ``("v", "m/s")``; ``"v"`` -> ``("v", None)``; ``"x[]"`` -> ``("x", "1")``."""
    text = str(label)
    match = _LABEL.match(text)
    if match is None:
        return text.strip(), None
    unit = match.group(2).strip()
    return match.group(1), unit if unit else "1"


def check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or _IDENTIFIER.match(name) is None:
        raise ValueError(
            f"{what} name {name!r} is not an identifier (letters, digits and '_', "
            "not starting with a digit)"
        )
    return name


def is_dataframe(X: Any) -> bool:
    return hasattr(X, "columns") and hasattr(X, "to_numpy") and hasattr(X, "dtypes")


def _real_array(values: Any, what: str) -> np.ndarray:
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{what} must be a numeric array: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what} must hold real numbers, got dtype {array.dtype}")
    return array


def as_columns(X: Any) -> np.ndarray:
    """X as a 2-D Fortran-ordered float64 array.

    An F-ordered float64 array (or a frame whose values are one such block) is returned as
    is, without a copy; anything else is copied once, here, explicitly. Columns with units
    (quantities, ``_quantities``) are converted to SI.
    """
    X = unwrap_columns(X)[0]
    if is_dataframe(X):
        X = X.to_numpy(dtype=np.float64)
    array = _real_array(X, "X")
    if array.ndim != 2:
        raise ValueError(
            f"X must be 2-D (samples x features), got {array.ndim} dimension(s); "
            "reshape one feature with X.reshape(-1, 1)"
        )
    return np.asfortranarray(array, dtype=np.float64)


def as_vector(y: Any, what: str = "y") -> np.ndarray:
    """y as a contiguous 1-D float64 array ((n, 1) columns are flattened)."""
    if hasattr(y, "to_numpy"):
        y = y.to_numpy(dtype=np.float64)
    array = _real_array(y, what)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got shape {array.shape}")
    return np.ascontiguousarray(array, dtype=np.float64)


class Inputs(NamedTuple):
    X: np.ndarray  # Fortran-ordered float64
    y: np.ndarray
    names: list[str]
    units: list[str]
    target_name: str
    target_unit: str
    labels: list[str] | None  # the frame's column labels, when X was a DataFrame


def _units_of(names: list[str], units: Any) -> list[str | None]:
    if units is None:
        return [None] * len(names)
    if isinstance(units, str):
        raise TypeError("X_units must be a list of unit strings or a dict name -> unit")
    if isinstance(units, Mapping):
        unknown = [key for key in units if key not in names]
        if unknown:
            raise ValueError(f"X_units names unknown columns {unknown}; columns are {names}")
        return [units.get(name) for name in names]
    units = list(units)
    if len(units) != len(names):
        raise ValueError(f"X_units has {len(units)} entries for {len(names)} columns of X")
    return units


def prepare_inputs(
    X: Any,
    y: Any,
    X_names: Sequence[str] | None = None,
    X_units: Sequence[str] | Mapping[str, str] | None = None,
    y_name: str | None = None,
    y_units: str | None = None,
) -> Inputs:
    X, own_names, own_units = unwrap_columns(X)
    y, y_own_unit = unwrap_vector(y)
    if own_units is not None and X_units is not None and any(u is not None for u in own_units):
        raise ValueError("X carries its units (quantities): leave out X_units")
    if y_own_unit is not None and y_units is not None:
        raise ValueError("y carries its unit (a quantity): leave out y_units")
    # A frame's labels name its columns when they are strings (pd.DataFrame(array) numbers
    # them: those columns are named as an array's are).
    labels = ([str(c) for c in X.columns]
              if is_dataframe(X) and all(isinstance(c, str) for c in X.columns) else None)
    columns = as_columns(X)
    vector = as_vector(y)

    if X_names is not None:
        if isinstance(X_names, str):
            raise TypeError("X_names must be a list of names, not a string")
        raw = [str(n) for n in X_names]
        if len(raw) != columns.shape[1]:
            raise ValueError(f"X_names has {len(raw)} names for {columns.shape[1]} columns of X")
    elif own_names is not None:
        raw = own_names
    elif labels is not None:
        raw = labels
    else:
        raw = [f"x{i}" for i in range(columns.shape[1])]
    split = [split_label(label) for label in raw]
    names = [check_name(name, "column") for name, _ in split]
    if len(set(names)) != len(names):
        raise ValueError(f"column names must be distinct, got {names}")
    units = [given if given is not None else own
             for given, (_, own) in zip(_units_of(names, X_units), split)]
    if own_units is not None:
        units = [own if own is not None else unit for own, unit in zip(own_units, units)]

    series_name = getattr(y, "name", None)
    target, target_unit = split_label(y_name if y_name is not None else
                                      (series_name if series_name is not None else "y"))
    check_name(target, "target")
    if y_units is not None:
        target_unit = y_units
    if y_own_unit is not None:
        target_unit = y_own_unit

    if all(u is None for u in units) and target_unit is None:
        units = ["1"] * len(names)  # no units anywhere: a dimensionless problem
        target_unit = "1"
    for name, unit in zip(names, units):
        if unit is None:
            raise ValueError(
                f"column '{name}' has no unit: label it '{name}[<unit>]' or pass X_units "
                "(units are all-or-nothing; use '1' for dimensionless)"
            )
    if target_unit is None:
        raise ValueError(
            f"target '{target}' has no unit: pass y_units or name it '{target}[<unit>]'"
        )
    return Inputs(columns, vector, names, units, target, target_unit, labels)
