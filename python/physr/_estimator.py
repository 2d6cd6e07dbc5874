"""PhysicalRegressor: physr.fit as a scikit-learn estimator (fit/predict/score, clone,
Pipeline, cross_val_score). Units are constructor parameters, so a pipeline can carry them;
feature names and their units may also come from DataFrame labels such as ``v[m/s]``.
Not here: the search itself (``_api``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._api import SearchResult, fit
from ._data import is_dataframe

try:
    from sklearn.base import BaseEstimator, RegressorMixin
except ImportError:  # scikit-learn is optional: the estimator then only offers fit/predict

    class BaseEstimator:  # type: ignore[no-redef]
        pass

    class RegressorMixin:  # type: ignore[no-redef]
        pass


class PhysicalRegressor(RegressorMixin, BaseEstimator):
    """Symbolic regression under dimensional analysis, as a scikit-learn regressor.

    Parameters mirror physr.fit: ``X_units`` (list or dict name -> unit), ``y_units``,
    ``fixed_consts``, ``free_consts``, ``ops``, ``epochs``, ``time_limit``, ``max_evals``,
    ``max_length``, ``batch_size``, ``default_free_consts``, ``seed``, ``threads``,
    ``progress``, ``complexity``, ``define``, and ``options`` (a dict of further search options). Without units every
    column is dimensionless, so plain arrays work as with any regressor. Columns in scaled
    units (``"km"``, ``"min"``) are converted to SI for the search; ``predict`` takes and
    returns values in the units given.

    Attributes after fit: ``result_`` (SearchResult), ``formula_`` (the selected Formula),
    ``pareto_``, ``equation_`` (its infix text), ``n_features_in_`` and, for DataFrames,
    ``feature_names_in_``.
    """

    def __init__(self, X_units: Any = None, y_units: str | None = None,
                 fixed_consts: dict | None = None, free_consts: dict | None = None,
                 ops: Any = None, epochs: int | None = None, time_limit: float | None = None,
                 max_evals: int | None = None, max_length: int | None = None,
                 batch_size: int | None = None, default_free_consts: bool = True,
                 seed: int = 0, threads: int = 0, progress: bool = False,
                 options: dict | None = None, complexity: dict | None = None,
                 define: Any = None) -> None:
        self.X_units = X_units
        self.y_units = y_units
        self.fixed_consts = fixed_consts
        self.free_consts = free_consts
        self.ops = ops
        self.epochs = epochs
        self.time_limit = time_limit
        self.max_evals = max_evals
        self.max_length = max_length
        self.batch_size = batch_size
        self.default_free_consts = default_free_consts
        self.seed = seed
        self.threads = threads
        self.progress = progress
        self.options = options
        self.complexity = complexity
        self.define = define

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "PhysicalRegressor":
        result = fit(X, y, X_units=self.X_units, y_units=self.y_units,
                     fixed_consts=self.fixed_consts, free_consts=self.free_consts, ops=self.ops,
                     time_limit=self.time_limit, epochs=self.epochs, max_evals=self.max_evals,
                     seed=self.seed, threads=self.threads, max_length=self.max_length,
                     batch_size=self.batch_size, default_free_consts=self.default_free_consts,
                     progress=self.progress, sample_weight=sample_weight,
                     complexity=self.complexity, define=self.define,
                     **(self.options or {}))
        if result.best is None:
            raise ValueError("no formula with finite predictions was found; allow a longer "
                             "search (epochs, time_limit) or other operators")
        self.result_: SearchResult = result
        self.formula_ = result.best
        self.pareto_ = result.pareto
        self.equation_ = result.best.infix_values
        self.n_features_in_ = len(result.variables)
        if is_dataframe(X):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self

    def predict(self, X: Any) -> np.ndarray:
        if not hasattr(self, "formula_"):
            from ._errors import not_fitted

            raise not_fitted(self)
        if is_dataframe(X) and hasattr(self, "feature_names_in_"):
            labels = [str(c) for c in X.columns]
            fitted = list(self.feature_names_in_)
            if sorted(labels) != sorted(fitted):
                raise ValueError(f"X has columns {labels}; the estimator was fitted on {fitted}")
            X = X[fitted]
        elif is_dataframe(X):
            X = X.to_numpy(dtype=np.float64)  # fitted on an array: columns by position
        return self.formula_.predict(X)

    def sympy(self) -> Any:
        """The selected formula as a SymPy expression."""
        return self.formula_.sympy()

    def latex(self) -> str:
        """LaTeX of the selected formula."""
        return self.formula_.latex()

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags

    def _more_tags(self) -> dict:
        return {"allow_nan": False, "poor_score": True}
