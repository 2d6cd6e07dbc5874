"""physr.evaluate: check a given formula against data, as ``physr eval`` does.

The engine does the work (EvaluateFormula in include/physr/search/evaluate_formula.hpp, the
same code as the command line's): parse, unit check against the target, optional fit of the
free constants with standard errors, evaluation and metrics. Not here: the search
(``_api.fit``) or input conversion (``_data``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import _core
from ._api import (Constant, Formula, SearchResult, _fixed_constants, _free_constants,
                   _operator_options, _weights)
from ._data import is_dataframe, prepare_inputs, split_label


class Evaluation:
    """What physr.evaluate found: the formula on the data.

    ``formula`` is a Formula (``infix``, ``latex()``, ``sympy()``, ``predict``);
    ``values`` its values on the data's rows, in the target's unit as given; ``constants``
    its free constants (fitted values with standard errors, or start values when not
    fitted); ``rmse`` (in the target's coherent SI unit), ``nrmse``, ``r2``; ``warnings``
    the fit's warnings (also issued as RuntimeWarning)."""

    def __init__(self, result: SearchResult, values: np.ndarray, fit_warnings: list[str]):
        self._result = result
        self.formula: Formula = result.best
        self.values = values
        self.warnings = list(fit_warnings)
        self.target = result.target
        self.target_unit = result.target_unit

    rmse = property(lambda self: self.formula.rmse)
    nrmse = property(lambda self: self.formula.nrmse)
    r2 = property(lambda self: self.formula.r2)
    unit = property(lambda self: self.formula.unit)
    complexity = property(lambda self: self.formula.complexity)

    @property
    def constants(self) -> dict[str, Constant]:
        """Free constants used, name -> Constant(value, stderr, unit) (SI)."""
        return self.formula.constants

    @property
    def metrics(self) -> dict[str, float]:
        """``{"rmse": ..., "nrmse": ..., "r2": ...}``, as ``physr eval --json`` reports them."""
        return {"rmse": self.rmse, "nrmse": self.nrmse, "r2": self.r2}

    def __repr__(self) -> str:
        return (f"Evaluation({self.target} = {self.formula.infix_values}, rmse={self.rmse:.6g}, "
                f"nrmse={self.nrmse:.6g}, r2={self.r2:.6g})")


def _split_target(X: Any, y: Any, target: str | None) -> tuple[Any, Any]:
    """X and y from one table (DataFrame or dict) when y is None: the ``target`` column, or
    the last one, as on the command line."""
    if y is not None:
        if target is not None:
            raise TypeError("give the target either as y or as target=, not both")
        return X, y
    if is_dataframe(X):
        labels = list(X.columns)
    elif isinstance(X, Mapping):
        labels = list(X.keys())
    else:
        raise TypeError("y is required unless X is a DataFrame or a dict holding the target")
    if not labels:
        raise ValueError("X has no columns")
    if target is None:
        label = labels[-1]
    else:
        matches = [c for c in labels if split_label(c)[0] == target or str(c) == target]
        if not matches:
            raise ValueError(f"target {target!r} is not a column of X: "
                             f"{[str(c) for c in labels]}")
        label = matches[0]
    if is_dataframe(X):
        column = X[label]
        if getattr(column, "name", None) is None:
            column = column.rename(label)
        return X.drop(columns=[label]), column
    rest = {k: v for k, v in X.items() if k != label}
    y = X[label]
    if not hasattr(y, "name") and not hasattr(y, "unit") and not hasattr(y, "units"):
        y = np.asarray(y)
    return rest, _Named(y, str(label))


class _Named:
    """A column of a dict with its key as the target's name (``"E[J]"`` carries a unit)."""

    def __init__(self, values: Any, name: str) -> None:
        self.values = values
        self.name = name


def evaluate(
    formula: str,
    X: Any,
    y: Any = None,
    X_names: Sequence[str] | None = None,
    X_units: Sequence[str] | Mapping[str, str] | None = None,
    y_name: str | None = None,
    y_units: str | None = None,
    fixed_consts: Mapping[str, Any] | None = None,
    free_consts: Mapping[str, Any] | None = None,
    fit: bool = False,
    sample_weight: Any = None,
    sigma: Any = None,
    target: str | None = None,
    define: str | Sequence[str] | None = None,
    complexity: Mapping[str, float] | None = None,
) -> Evaluation:
    """Checks ``formula`` against data, as ``physr eval`` does, and returns an Evaluation.

    Data as for physr.fit (arrays with ``X_names``/``X_units``, DataFrames with ``v[m/s]``
    labels, quantities with their units, dicts of columns); with ``y=None``, X is one table
    (DataFrame or dict) whose last column, or the column ``target``, is the target.
    ``fixed_consts={"c": (299792458.0, "m/s")}``; ``free_consts={"m": "kg"}`` or
    ``{"m": ("kg", start)}``, fitted with ``fit=True`` (8 seeded restarts; standard errors).
    ``sample_weight``: per-row weights; ``sigma``: per-row standard errors of the target
    (weights 1/sigma², and standard errors not rescaled by the residuals). ``define`` and
    ``complexity`` as for physr.fit (``define="sinc(x)=sin(x)/x"`` lets the formula use sinc).

    Raises ValueError when the formula does not parse, its units are not the target's, it
    uses free constants without ``fit=True``, or it gives non-finite values (naming the
    first row)."""
    if not isinstance(formula, str):
        raise TypeError(f"formula must be a string, got {formula!r}")
    X, y = _split_target(X, y, target)
    if isinstance(y, _Named):
        if y_name is None:
            y_name = y.name
        y = y.values
    inputs = prepare_inputs(X, y, X_names, X_units, y_name, y_units)
    constants = _core.SearchConfig()
    _fixed_constants(constants, fixed_consts)
    _free_constants(constants, free_consts)
    _operator_options(constants, define, complexity)
    weights = _weights(sample_weight, sigma)
    data = _core.make_dataset(inputs.X, inputs.y, inputs.names, inputs.units,
                              inputs.target_name, inputs.target_unit, weights)
    core, values, fit_warnings = _core.evaluate_formula(data, formula, constants, bool(fit),
                                                        sigma is not None)
    for message in fit_warnings:
        warnings.warn(f"fit: {message}", RuntimeWarning, stacklevel=2)
    result = SearchResult(core, inputs.names, inputs.target_name, data.target_unit,
                          data.scales, data.target_scale)
    if data.target_scale != 1.0:
        values = values / data.target_scale
    return Evaluation(result, values, fit_warnings)
