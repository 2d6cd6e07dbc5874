"""Exceptions the package raises besides ValueError/TypeError."""

from __future__ import annotations

from typing import Any


def not_fitted(estimator: Any) -> Exception:
    """sklearn's NotFittedError when scikit-learn is installed, else a plain AttributeError
    subclass with the same message (NotFittedError is itself a ValueError/AttributeError)."""
    message = (f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
               "appropriate arguments before using this estimator.")
    try:
        from sklearn.exceptions import NotFittedError
    except ImportError:
        return AttributeError(message)
    return NotFittedError(message)
