"""PhysicalRegressor: physr.fit as a scikit-learn estimator (fit/predict/score, clone,
Pipeline, cross_val_score). Units are constructor parameters, so a pipeline can carry them;
feature names and their units may also come from DataFrame labels such as ``v[m/s]``.
Not here: the search itself (``_api``)."""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._api import SearchResult, fit
from ._data import is_dataframe
from ._quantities import is_quantity

try:
    from sklearn.base import BaseEstimator, RegressorMixin
except ImportError:  # scikit-learn is optional: the estimator then only offers fit/predict

    class BaseEstimator:  # type: ignore[no-redef]
        pass

    class RegressorMixin:  # type: ignore[no-redef]
        pass


def _sklearn_validation() -> Any:
    """scikit-learn's validation module, or None when scikit-learn is not installed."""
    try:
        from sklearn.utils import validation
    except ImportError:
        return None
    return validation


def _plain(X: Any) -> bool:
    """Whether X is a plain array-like (no labels or units to keep): sparse matrices are, so
    that scikit-learn's validation refuses them."""
    if hasattr(X, "nnz"):
        return True
    return not (is_dataframe(X) or isinstance(X, Mapping) or hasattr(X, "colnames")
                or is_quantity(X) or (isinstance(X, (list, tuple)) and any(map(is_quantity, X))))


class PhysicalRegressor(RegressorMixin, BaseEstimator):
    """Symbolic regression under dimensional analysis, as a scikit-learn regressor.

    Parameters mirror physr.fit: ``X_units`` (list or dict name -> unit), ``y_units``,
    ``fixed_consts``, ``free_consts``, ``ops``, ``epochs``, ``time_limit``, ``max_evals``,
    ``max_length``, ``batch_size``, ``default_free_consts``, ``random_state`` (physr.fit's
    ``seed``; an int, or None for a fresh seed from numpy's global generator), ``n_jobs``
    (physr.fit's ``threads``: -1 all cores, the default; None 1; -k all but k-1),
    ``progress``, ``complexity``, ``define``, ``screen`` (the number of input columns to
    search, ranked by how much of the target each explains; ``"auto"`` or ``"off"``), and
    ``options`` (a dict of further search
    options). ``seed`` and ``threads`` are the old names of ``random_state`` and ``n_jobs``,
    still accepted with a DeprecationWarning. Without units every column is dimensionless, so
    plain arrays work as with any regressor. Columns in scaled units (``"km"``, ``"min"``) are
    converted to SI for the search; ``predict`` takes and returns values in the units given.
    Plain arrays are validated as scikit-learn's estimators validate them (when scikit-learn
    is installed).

    Attributes after fit: ``result_`` (SearchResult), ``formula_`` (the selected Formula),
    ``pareto_``, ``equation_`` (its infix text), ``n_features_in_`` and, for DataFrames,
    ``feature_names_in_``.
    """

    def __init__(self, X_units: Any = None, y_units: str | None = None,
                 fixed_consts: dict | None = None, free_consts: dict | None = None,
                 ops: Any = None, epochs: int | None = None, time_limit: float | None = None,
                 max_evals: int | None = None, max_length: int | None = None,
                 batch_size: int | None = None, default_free_consts: bool = True,
                 random_state: Any = 0, n_jobs: int | None = -1, progress: bool = False,
                 options: dict | None = None, complexity: dict | None = None,
                 define: Any = None, seed: int | None = None,
                 threads: int | None = None, screen: Any = "auto") -> None:
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
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.progress = progress
        self.options = options
        self.complexity = complexity
        self.define = define
        self.seed = seed
        self.threads = threads
        self.screen = screen

    def _seed(self) -> int:
        if self.seed is not None:
            warnings.warn("PhysicalRegressor(seed=...) is deprecated: use random_state",
                          DeprecationWarning, stacklevel=3)
            return int(self.seed)
        state = self.random_state
        if isinstance(state, numbers.Integral):
            return int(state)
        if state is None:
            return int(np.random.randint(np.iinfo(np.int32).max))
        if isinstance(state, np.random.RandomState):
            return int(state.randint(np.iinfo(np.int32).max))
        raise ValueError(f"random_state must be an int, a numpy RandomState or None, "
                         f"got {state!r}")

    def _threads(self) -> int:
        if self.threads is not None:
            warnings.warn("PhysicalRegressor(threads=...) is deprecated: use n_jobs",
                          DeprecationWarning, stacklevel=3)
            return int(self.threads)
        jobs = self.n_jobs
        if jobs is None:
            return 1
        if not isinstance(jobs, numbers.Integral) or jobs == 0:
            raise ValueError(f"n_jobs must be a non-zero int or None, got {jobs!r}")
        if jobs > 0:
            return int(jobs)
        return 0 if jobs == -1 else max(1, (os.cpu_count() or 1) + 1 + int(jobs))

    def _validate(self, X: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, Any]:
        """X, y and the weights checked as scikit-learn checks them, for plain arrays."""
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None")
        validation = _sklearn_validation()
        if validation is None:
            return X, y, sample_weight
        if _plain(X):
            X = validation.check_array(X, dtype=np.float64, ensure_min_samples=2)
        elif is_dataframe(X):
            validation.check_array(X, dtype=np.float64, ensure_min_samples=2)
        if not is_quantity(y) and not hasattr(y, "name"):
            y = validation.column_or_1d(y, warn=True)
            y = validation.check_array(y, ensure_2d=False, dtype=np.float64)
            validation.check_consistent_length(X, y)
        if sample_weight is not None:
            sample_weight = validation._check_sample_weight(sample_weight, X)
        return X, y, sample_weight

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> "PhysicalRegressor":
        X, y, sample_weight = self._validate(X, y, sample_weight)
        result = fit(X, y, X_units=self.X_units, y_units=self.y_units,
                     fixed_consts=self.fixed_consts, free_consts=self.free_consts, ops=self.ops,
                     time_limit=self.time_limit, epochs=self.epochs, max_evals=self.max_evals,
                     seed=self._seed(), threads=self._threads(), max_length=self.max_length,
                     batch_size=self.batch_size, default_free_consts=self.default_free_consts,
                     progress=self.progress, sample_weight=sample_weight,
                     complexity=self.complexity, define=self.define,
                     **{"screen": self.screen, **(self.options or {})})
        if result.best is None:
            raise ValueError("no formula with finite predictions was found; allow a longer "
                             "search (epochs, time_limit) or other operators")
        self.result_: SearchResult = result
        self.formula_ = result.best
        self.pareto_ = result.pareto
        self.equation_ = result.best.infix_values
        self.n_features_in_ = len(result.variables)
        if is_dataframe(X) and all(isinstance(c, str) for c in X.columns):
            self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
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
        validation = _sklearn_validation()
        if validation is not None and _plain(X):
            X = validation.check_array(X, dtype=np.float64)
            if X.shape[1] != self.n_features_in_:
                raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is "
                                 f"expecting {self.n_features_in_} features as input")
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
        tags.regressor_tags.poor_score = True  # a short search need not fit every dataset
        return tags

    def _more_tags(self) -> dict:
        return {"allow_nan": False, "poor_score": True}
