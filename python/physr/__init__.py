"""physr: discover closed-form physical laws from data with units.

Symbolic regression under exact dimensional analysis, with a C++ engine::

    import physr
    result = physr.fit(df[["m[kg]", "v[m/s]"]], df["E[J]"],
                       fixed_consts={"c": (299792458.0, "m/s")}, epochs=60)
    result.best.infix      # 'm*c^2/sqrt(1 - v^2/c^2)'

``physr.fit`` returns a SearchResult (``.pareto``, ``.best``); ``physr.PhysicalRegressor``
is the same search as a scikit-learn estimator; ``physr.evaluate`` checks a formula you
already have (units, fitted constants, metrics), as ``physr eval`` does. ``result.save(path)``
writes the result file that ``physr fit --json`` writes; ``physr.load(path)`` reads one back.
``result.plot()`` draws the Pareto front, the training curve and, given the data, predicted
against observed and the residuals (matplotlib); ``physr.report(result, path=...)`` writes
them into a self-contained HTML file.
"""

from ._api import Constant, Formula, SearchResult, fit, parse_unit, search_options
from ._class import ClassResult, fit_class
from ._estimator import PhysicalRegressor
from ._evaluate import Evaluation, evaluate
from ._report import report
from ._saved import ResultFileError, load

try:
    from importlib.metadata import version as _version

    __version__ = _version("physr")
except Exception:  # running from a source tree
    __version__ = "0.0.0"

__all__ = ["ClassResult", "Constant", "Evaluation", "Formula", "PhysicalRegressor",
           "ResultFileError", "SearchResult", "evaluate", "fit", "fit_class", "load", "parse_unit",
           "report", "search_options", "__version__"]
