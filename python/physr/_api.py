"""physr.fit and the result types: SearchResult, Formula, Constant.

``fit`` turns Python inputs into a Dataset and a SearchConfig, runs the C++ search with the
GIL released, and wraps what it returns. Formulas keep the C++ result alive and evaluate in
C++ (``Formula.predict``). Not here: input conversion (``_data``), scikit-learn glue
(``_estimator``).
"""

from __future__ import annotations

import json
import math
import numbers
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Callable, NamedTuple

import numpy as np

from . import _core, _saved
from ._data import as_columns, check_name, is_dataframe, prepare_inputs, split_label
from ._progress import Progress, combine

# Names the SymPy text of a formula uses itself: its functions (see ToSympy in
# include/physr/expr/printer.hpp), pi, oo, nan and Symbol. Never bound to a column's symbol.
_SYMPY_TEXT_NAMES = {"sqrt", "exp", "log", "sin", "cos", "tan", "tanh", "asin", "acos",
                     "atan", "Abs", "pi", "oo", "nan", "Symbol"}

# Options fit() sets from its own arguments; the other SearchConfig fields are accepted by
# name as keyword arguments (**options).
_MANAGED = {"operators", "max_epochs", "time_limit_seconds", "max_evaluations", "seed",
            "threads", "max_length", "batch_size", "default_free_constants", "checkpoint_dir",
            "resume_dir", "definitions", "complexity"}


def search_options() -> list[str]:
    """Names of the search options fit() accepts as extra keyword arguments."""
    return sorted(name for name, value in vars(_core.SearchConfig).items()
                  if isinstance(value, property) and not name.startswith("_")
                  and name not in _MANAGED and name not in {"fixed_constants", "free_constants"})


def parse_unit(text: str) -> str:
    """Canonical SI text of a unit string: ``parse_unit("J") == "kg*m^2/s^2"``.

    Raises ValueError for text that is not a unit (the message gives the position)."""
    return _core.parse_unit(text)


class Constant(NamedTuple):
    """A constant of a formula: value, standard error (NaN for fixed ones) and SI unit."""

    value: float
    stderr: float
    unit: str


def _whole(x: float) -> int | float:
    """x as an int when it is a whole number (complexities usually are), else unchanged."""
    return int(x) if math.isfinite(x) and x.is_integer() else x


class Formula:
    """One formula of a search result, fitted on the full dataset.

    ``infix`` uses constant names, ``infix_values`` substitutes the fitted values;
    ``constants`` maps each free constant the formula uses to its Constant. ``predict``
    evaluates with the C++ evaluator.
    """

    def __init__(self, core: Any, result: "SearchResult") -> None:
        self._core = core
        self._result = result

    complexity = property(lambda self: _whole(self._core.complexity),
                          doc="Sum of token complexities: an int, or a float when an operator's "
                              "complexity is fractional.")
    rmse = property(lambda self: self._core.rmse,
                    doc="Root-mean-square error, in the target's coherent SI unit.")
    nrmse = property(lambda self: self._core.nrmse, doc="RMSE over the target's std. dev.")
    r2 = property(lambda self: self._core.r2, doc="Coefficient of determination.")
    unit = property(lambda self: self._core.unit, doc="The formula's SI unit (the target's).")
    from_groups = property(lambda self: self._core.from_groups,
                           doc="Whether the search over dimensionless groups found it "
                               "(groups='on', or the groups' half of groups='auto'); False in a "
                               "result loaded from a file.")

    @property
    def constants(self) -> dict[str, Constant]:
        """Free constants used, name -> Constant(value, stderr, unit)."""
        return {name: Constant(value, stderr, unit)
                for name, value, stderr, unit in self._core.free_constants}

    @property
    def fixed_constants(self) -> dict[str, Constant]:
        """Named fixed constants used (numerals such as 1 left out), name -> Constant."""
        return {name: Constant(value, math.nan, unit)
                for name, value, unit in self._core.fixed_constants if name.isidentifier()}

    # Text -----------------------------------------------------------------------------
    @property
    def infix(self) -> str:
        """The formula with constant names: ``m*c^2/sqrt(1 - v^2/c^2)``."""
        return self._core.infix(values=False)

    @property
    def infix_values(self) -> str:
        """The formula with the fitted values of its free constants substituted."""
        return self._core.infix(values=True)

    def latex(self, values: bool = True, precision: int = 17) -> str:
        """LaTeX of the right-hand side (``values``: substitute fitted constants).

        Numbers print as every printer writes them: the shortest text that reads back as the
        same double; ``precision`` (significant digits, below 17) rounds them for display."""
        return self._core.latex(values=values, precision=precision)

    def sympy(self, values: bool = True) -> Any:
        """The formula as a SymPy expression (variables and constants are real Symbols).

        Columns and constants may be named like SymPy's own objects (``exp``, ``E``, ``N``,
        ``pi``): the text writes those as ``Symbol('exp')``, and every symbol is then
        replaced by the real Symbol of its name. SymPy is imported on first use."""
        import sympy

        real = {}
        for name, kind, _ in self._result._core.terminals:
            if name == "pi" and kind == "fixed":
                continue  # the text writes the constant pi = π as pi, SymPy's pi
            real[name] = sympy.Symbol(name, real=True)
        # Bind plain names to real symbols, except the names the text itself uses for
        # functions and for Symbol(...) (a column named exp is written Symbol('exp') there).
        local = {name: symbol for name, symbol in real.items()
                 if name.isidentifier() and name not in _SYMPY_TEXT_NAMES}
        # A defined operator becomes its body, so the expression is SymPy's own.
        for name, parameters, _, body in self._result._core.definitions:
            arguments = [sympy.Symbol(p, real=True) for p in parameters]
            local[name] = sympy.Lambda(tuple(arguments), sympy.parse_expr(
                body, local_dict=dict(zip(parameters, arguments))))
        expression = sympy.parse_expr(self._core.sympy_text(values=values), local_dict=local)
        return expression.xreplace({s: real[s.name] for s in expression.free_symbols
                                    if s.name in real and s != real[s.name]})

    # Evaluation -----------------------------------------------------------------------
    def predict(self, X: Any) -> np.ndarray:
        """Values of the formula for each row of X.

        X: (n_samples, n_features) array with the columns of the search, in the same order,
        or a DataFrame holding them (matched by name; ``v[m/s]`` labels match ``v``).
        Columns are in the units the search's data was given in (``km`` stays ``km``), and
        the values come back in the target's unit as given (the formula itself works in
        coherent SI). Fortran-ordered float64 input in SI units is read in place; other input
        is copied once. Non-finite values are returned as they are."""
        columns = self._result._columns_for(X)
        scales = self._result._scales
        if any(scale != 1.0 for scale in scales):
            columns = np.asfortranarray(columns * np.asarray(scales, dtype=np.float64))
        values = self._core.predict(columns)
        if self._result._target_scale != 1.0:
            values = values / self._result._target_scale
        return values

    def __repr__(self) -> str:
        return (f"Formula({self._result.target} = {self.infix_values}, "
                f"complexity={self.complexity:g}, r2={self.r2:.6g})")

    def _repr_latex_(self) -> str:
        return f"${_latex_name(self._result.target)} = {self.latex()}$"

    def __reduce__(self) -> Any:
        # With its result, as the result's front entry it is (or its selected formula).
        result = self._result
        if result.best is self:
            return (_result_best, (result,))
        return (_result_formula, (result, result.pareto.index(self)))


def _result_best(result: "SearchResult") -> Formula | None:
    return result.best


def _result_formula(result: "SearchResult", index: int) -> Formula:
    return result.pareto[index]


def _latex_name(name: str) -> str:
    return name if len(name) == 1 else r"\mathrm{" + name.replace("_", r"\_") + "}"


class SearchResult:
    """What physr.fit found: the Pareto front and the selected formula.

    ``pareto`` lists formulas by increasing complexity; ``best`` is the selected model
    (the simplest exact formula, else the lowest N·ln(NRMSE²) + 4·complexity + ln(N)·(fitted
    constants) over the N rows; None when no formula had finite predictions). A formula is
    exact at NRMSE ≤ ``exact_nrmse``, which follows the digits the target carries (1e-9 for
    full double precision, up to 1e-6; the option ``perfect_nrmse`` sets it). ``stop_reason``
    is one of "perfect fit", "epochs", "time limit", "evaluations", "interrupted".
    """

    def __init__(self, core: Any, names: list[str], target: str, target_unit: str,
                 scales: Sequence[float] | None = None, target_scale: float = 1.0) -> None:
        self._core = core
        self.variables = list(names)
        self.target = target
        self.target_unit = target_unit
        # Factors from the units the data was given in to coherent SI (predict applies them).
        self._scales = list(scales) if scales is not None else [1.0] * len(self.variables)
        self._target_scale = float(target_scale)
        self.pareto = [Formula(f, self) for f in core.pareto]
        best = core.best
        self.best = None if best is None else Formula(best, self)
        # The document of the file it was loaded from, or what fit() knows of its data and
        # options (_saved.document_of).
        self._document: dict | None = None
        self._origin: dict | None = None

    epochs = property(lambda self: self._core.epochs)
    evaluations = property(lambda self: self._core.evaluations)
    seconds = property(lambda self: self._core.seconds)
    stop_reason = property(lambda self: self._core.stop_reason)
    seed = property(lambda self: self._core.seed)
    sampled = property(lambda self: self._core.sampled)
    dead_ends = property(lambda self: self._core.dead_ends)
    invalid = property(lambda self: self._core.invalid)
    exact_nrmse = property(lambda self: self._core.exact_nrmse)
    profile = property(lambda self: self._core.profile,
                       doc="Where the run's wall time went: seconds per phase (sample_priors, "
                           "sample_policy, fit, train, breed, enumerate, simplify, finalise, other), "
                           "their sum ``seconds`` and ``fitted``, the constant fits run.")

    @property
    def groups_portfolio(self) -> bool:
        """Whether groups='auto' searched both over the dimensionless groups and over the data
        as given and chose on the merged front (each formula's ``from_groups`` says which
        search found it)."""
        if self._document is not None:
            return bool((self._document.get("groups") or {}).get("portfolio", False))
        return self._core.groups_portfolio

    @property
    def features(self) -> list[str]:
        """The features the search over the data as given had as extra inputs (``features="auto"``,
        the default, or ``"on"``: sums and differences of squares of inputs sharing a unit), as
        formulas in the data's variables; empty when none were used."""
        if self._document is not None:
            return list(self._document.get("features") or [])
        return list(self._core.features)

    @property
    def screening(self) -> dict[str, Any] | None:
        """The columns screening kept, best first: ``{"columns": N, "kept": [{"name": ...,
        "score": ...}, ...]}`` (a score is the share of the target's rank variance the column
        explains alone); None when every column was searched."""
        if self._document is not None:
            screening = self._document.get("screening")
            return None if screening is None else json.loads(json.dumps(screening))
        return self._core.screening

    @property
    def history(self) -> list[dict[str, Any]]:
        """One dict per epoch: epoch, best_nrmse, best_reward, evaluations (so far), seconds
        (so far), valid_share (share of sampled formulas complete and valid), best (infix)."""
        if self._document is not None:
            return [dict(e) for e in self._document.get("history", [])]
        return [{"epoch": e.epoch, "best_nrmse": _saved._number(e.best_nrmse),
                 "best_reward": e.best_reward, "evaluations": e.evaluations,
                 "seconds": e.seconds, "valid_share": e.valid_share, "best": e.best_infix}
                for e in self._core.history]

    def _selected_index(self) -> int | None:
        if self.best is None:
            return None
        tokens = self.best._core.tokens
        return next((i for i, f in enumerate(self.pareto) if f._core.tokens == tokens), None)

    def save(self, path: Any) -> None:
        """Writes the result file (docs/result-format.md; what ``physr fit --json`` writes),
        atomically; ``physr.load`` and ``physr predict`` read it back."""
        _saved.write_atomically(path, json.dumps(_saved.document_of(self), indent=2) + "\n")

    def to_pandas(self) -> Any:
        """The Pareto front as a pandas DataFrame, one row per formula by increasing
        complexity: complexity, rmse, nrmse, r2, unit, infix (constant names), infix_values,
        selected (True for ``best``). Needs pandas."""
        import pandas as pd

        selected = self._selected_index()
        return pd.DataFrame([{"complexity": f.complexity, "rmse": f.rmse, "nrmse": f.nrmse,
                              "r2": f.r2, "unit": f.unit, "infix": f.infix,
                              "infix_values": f.infix_values, "selected": i == selected}
                             for i, f in enumerate(self.pareto)])

    def plot(self, data: Any = None) -> dict[str, Any]:
        """The result's matplotlib Figures, by name: ``pareto`` (complexity against NRMSE,
        the selected formula starred) and ``training`` (best NRMSE over epochs); with `data`
        (a CSV path, a DataFrame with the run's columns, or ``(X, y)`` in the units the run
        was given) also ``predicted`` (against observed) and ``residuals`` (against each
        input). Needs matplotlib; ``physr.report`` writes them into an HTML file."""
        from . import _report

        return _report.figures(self, data)

    def __reduce__(self) -> Any:
        # Pickled as its result-file document, rebuilt by the same code as physr.load.
        return (_saved.result_from_document, (_saved.document_of(self), "<pickle>"))

    def _columns_for(self, X: Any) -> np.ndarray:
        if is_dataframe(X):
            by_name = {split_label(label)[0]: label for label in X.columns}
            missing = [name for name in self.variables if name not in by_name]
            if missing:
                raise ValueError(f"X lacks the columns {missing} (needs {self.variables})")
            X = X[[by_name[name] for name in self.variables]]
        columns = as_columns(X)
        if columns.shape[1] != len(self.variables):
            raise ValueError(f"X has {columns.shape[1]} columns; the search used "
                             f"{len(self.variables)}: {self.variables}")
        return columns

    def __repr__(self) -> str:
        lines = [f"SearchResult({self.epochs} epochs, {self.evaluations} formulas, "
                 f"stopped: {self.stop_reason})"]
        for f in self.pareto:
            mark = "*" if self.best is not None and f.infix == self.best.infix else " "
            lines.append(f" {mark} {f.complexity:4g}  NRMSE {f.nrmse:<10.3g} "
                         f"{self.target} = {f.infix_values}")
        return "\n".join(lines)


def _constant_entries(spec: Any, what: str, form: str):
    """Yields (name, entry) of a constants dict, checking the dict and the names."""
    if spec is None:
        return
    if not isinstance(spec, Mapping):
        raise TypeError(f"{what}_consts must be a dict {form}")
    for name, entry in spec.items():
        yield check_name(name, "constant"), entry


def _finite(value: Any, what: str) -> float:
    if not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def _operator_options(config: Any, define: str | Sequence[str] | None,
                      complexity: Mapping[str, float] | None) -> None:
    """Sets the defined operators and the operators' complexities of ``config``."""
    if define is not None:
        _set_option(config, "definitions", [define] if isinstance(define, str) else list(define))
    if complexity is not None:
        _set_option(config, "complexity", dict(complexity))


def _fixed_constants(config: Any, spec: Mapping[str, Any] | None) -> None:
    for name, entry in _constant_entries(spec, "fixed", "name -> (value, unit) or name -> value"):
        if isinstance(entry, numbers.Real):
            value, unit = entry, "1"
        elif isinstance(entry, Sequence) and not isinstance(entry, str) and len(entry) == 2:
            value, unit = entry
        else:
            raise TypeError(f"fixed constant '{name}': expected (value, unit) or a number, "
                            f"got {entry!r}")
        if not isinstance(unit, str):
            raise TypeError(f"fixed constant '{name}': unit must be a string, got {unit!r}")
        config.add_fixed_constant(name, _finite(value, f"fixed constant '{name}': value"), unit)


def _free_constants(config: Any, spec: Mapping[str, Any] | None) -> None:
    for name, entry in _constant_entries(spec, "free", "name -> unit or name -> (unit, start)"):
        if entry is None or isinstance(entry, str):
            unit, start = entry or "1", 1.0
        elif isinstance(entry, Sequence) and len(entry) == 2 and isinstance(entry[0], str):
            unit, start = entry
        else:
            raise TypeError(f"free constant '{name}': expected a unit string or (unit, start), "
                            f"got {entry!r}")
        config.add_free_constant(name, unit, _finite(start, f"free constant '{name}': start"))


def _set_option(config: Any, name: str, value: Any) -> None:
    if name == "enumerate" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a length, as `physr fit --enumerate N`
    try:
        setattr(config, name, value)
    except TypeError:
        current = getattr(config, name)
        raise TypeError(f"option {name}={value!r}: expected a value like "
                        f"{current!r} ({type(current).__name__})") from None


def _weights(sample_weight: Any, sigma: Any) -> np.ndarray | None:
    """The rows' weights: sample_weight, or 1/sigma² for standard errors sigma."""
    if sample_weight is not None and sigma is not None:
        raise ValueError("give sample_weight or sigma, not both")
    if sigma is not None:
        return 1.0 / np.square(np.ascontiguousarray(sigma, dtype=np.float64))
    if sample_weight is not None:
        return np.ascontiguousarray(sample_weight, dtype=np.float64)
    return None


def make_config(
    *,
    fixed_consts: Mapping[str, Any] | None = None,
    free_consts: Mapping[str, Any] | None = None,
    ops: str | Sequence[str] | None = None,
    complexity: Mapping[str, float] | None = None,
    define: str | Sequence[str] | None = None,
    default_free_consts: bool = True,
    time_limit: float | None = None,
    epochs: int | None = None,
    max_evals: int | None = None,
    seed: int = 0,
    threads: int = 0,
    max_length: int | None = None,
    batch_size: int | None = None,
    checkpoint: str | os.PathLike | None = None,
    resume: str | os.PathLike | None = None,
    **options: Any,
) -> Any:
    """A validated _core.SearchConfig (see fit for the arguments)."""
    config = _core.SearchConfig()
    known = set(search_options())
    for name in options:
        if name not in known:
            raise TypeError(f"unexpected keyword argument '{name}'; search options are: "
                            + ", ".join(sorted(known)))
    if ops is not None:
        ops = [op.strip() for op in ops.split(",")] if isinstance(ops, str) else list(ops)
        _set_option(config, "operators", ops)
    _operator_options(config, define, complexity)
    _fixed_constants(config, fixed_consts)
    _free_constants(config, free_consts)
    _set_option(config, "default_free_constants", bool(default_free_consts))
    if epochs is not None:
        _set_option(config, "max_epochs", epochs)
    if time_limit is not None:
        _set_option(config, "time_limit_seconds", float(time_limit))
    if max_evals is not None:
        _set_option(config, "max_evaluations", max_evals)
    _set_option(config, "seed", seed)
    _set_option(config, "threads", threads)
    if batch_size is not None:
        _set_option(config, "batch_size", batch_size)
    if checkpoint is not None:
        _set_option(config, "checkpoint_dir", os.fspath(checkpoint))
    if resume is not None:
        _set_option(config, "resume_dir", os.fspath(resume))
    for name, value in options.items():
        _set_option(config, name, value)
    config.apply_default_limit()  # as `physr fit`: some limit is always set
    config.apply_default_checkpoint_schedule()
    if max_length is not None:
        _set_option(config, "max_length", max_length)
        if isinstance(max_length, int) and "min_length" not in options:
            config.min_length = max(1, min(config.min_length, max_length))
    config.validate()
    return config


def _warn_no_input(result: "SearchResult", units_rules: bool) -> None:
    """Warns when the unit rules shut every input out of the best formula (the CLI's report
    says the same)."""
    advice = _core.no_input_advice(result._core, units_rules)
    if advice is not None:
        warnings.warn(advice, RuntimeWarning, stacklevel=3)


def fit(
    X: Any,
    y: Any,
    X_names: Sequence[str] | None = None,
    X_units: Sequence[str] | Mapping[str, str] | None = None,
    y_name: str | None = None,
    y_units: str | None = None,
    fixed_consts: Mapping[str, Any] | None = None,
    free_consts: Mapping[str, Any] | None = None,
    ops: str | Sequence[str] | None = None,
    complexity: Mapping[str, float] | None = None,
    define: str | Sequence[str] | None = None,
    time_limit: float | None = None,
    epochs: int | None = None,
    max_evals: int | None = None,
    seed: int = 0,
    threads: int = 0,
    max_length: int | None = None,
    batch_size: int | None = None,
    callback: Callable[[Any], Any] | None = None,
    quiet: bool = True,
    progress: bool | None = None,
    default_free_consts: bool = True,
    sample_weight: Any = None,
    sigma: Any = None,
    checkpoint: str | os.PathLike | None = None,
    resume: str | os.PathLike | None = None,
    **options: Any,
) -> SearchResult:
    """Discovers formulas for y from the columns of X, under dimensional analysis.

    Data: X is an (n_samples, n_features) array or a DataFrame; y a 1-D array or Series.
    Names and units come from ``X_names``/``X_units`` and ``y_name``/``y_units``, else from
    labels such as ``"v[m/s]"``. Units are SI strings (``"kg*m^2/s^2"``, ``"J"``), with SI
    prefixes and common units outside the SI (``"km/h"``, ``"keV"``, ``"g"``, ``"min"``):
    values in scaled units are converted to coherent SI, so formulas and fitted constants are
    in SI (``Formula.predict`` takes and returns values in the units given). Without any unit,
    everything is dimensionless. Fortran-ordered float64 X is not copied on the
    Python side (the engine keeps one copy of the data for the search). ``sample_weight``:
    optional per-row weights (finite, >= 0) of the least-squares fits; or ``sigma``, per-row
    standard errors of the target (weights 1/sigma²). Columns that carry their units (astropy
    or pint quantities; a dict of them, a list of them, an astropy QTable, a DataFrame of
    pint-pandas columns) need no ``X_units``: their values are converted to SI.

    Constants: ``fixed_consts={"c": (299792458.0, "m/s")}`` (``(3e5, "km/s")`` is converted
    to SI alike; or ``{"k": 2.0}``,
    dimensionless); ``free_consts={"m": "kg"}`` or ``{"m": ("kg", start)}``, fitted to the
    data. Two dimensionless free constants (C1, C2) are added unless
    ``default_free_consts=False``.

    Search: ``ops`` replaces the default operators (``"add,sub,mul,div,n2,sqrt"`` or a list);
    the search stops at the first of ``epochs``, ``time_limit`` (seconds), ``max_evals``, a
    perfect fit, or an interrupt (200 epochs when no limit is given). The same seed gives the
    same result whatever ``threads`` is (time limits aside). ``define=["sinc(x)=sin(x)/x"]``
    adds operators written over the built-in ones (``ops`` may name them);
    ``complexity={"sin": 2}`` sets operators' complexities (default 1). Other SearchConfig fields
    (``search_options()``) are accepted by name; ``canonical=False`` reports the formulas as
    the search wrote them instead of in canonical form (``m*c^2/sqrt(1 - v^2/c^2)``).

    Progress: ``callback(report)`` runs after every epoch (report: epoch, evaluations,
    seconds, best_nrmse, best_infix, ...); returning False stops the search. ``quiet=False``
    (or ``progress=True``) shows a tqdm bar if tqdm is installed, else prints a line per
    epoch. Ctrl-C (KeyboardInterrupt, also when raised by the callback) stops the search and
    returns the best so far with ``stop_reason == "interrupted"``.

    Checkpoints: ``checkpoint="DIR"`` saves the search state there (every 60 s unless the
    options ``checkpoint_every`` (epochs) or ``checkpoint_seconds`` say otherwise, and when
    the search stops, interrupts included); ``resume="DIR"`` continues the run saved there
    (same data and options; it keeps saving there unless ``checkpoint`` names another
    directory). Epoch and time limits count the epochs and seconds already run.

    Raises ValueError for bad data, units or options (with the engine's message) and
    TypeError for arguments of the wrong type.
    """
    inputs = prepare_inputs(X, y, X_names, X_units, y_name, y_units)
    config = make_config(fixed_consts=fixed_consts, free_consts=free_consts, ops=ops,
                         complexity=complexity, define=define,
                         default_free_consts=default_free_consts, time_limit=time_limit,
                         epochs=epochs, max_evals=max_evals, seed=seed, threads=threads,
                         max_length=max_length, batch_size=batch_size, checkpoint=checkpoint,
                         resume=resume, **options)
    weights = _weights(sample_weight, sigma)
    data = _core.make_dataset(inputs.X, inputs.y, inputs.names, inputs.units,
                              inputs.target_name, inputs.target_unit, weights)
    show = (not quiet) if progress is None else bool(progress)
    bar = Progress(config.max_epochs or None) if show else None
    try:
        core = _core.run_search(data, config, combine(bar, callback))
    finally:
        if bar is not None:
            bar.close()
    result = SearchResult(core, inputs.names, inputs.target_name, data.target_unit,
                          data.scales, data.target_scale)
    result._origin = _saved.origin_of(inputs, data, config, search_options())
    _warn_no_input(result, config.units_prior)
    return result
