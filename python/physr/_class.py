"""Class symbolic regression in Python: ``fit_class``, one law searched across several datasets
(realizations of one phenomenon) with class constants shared by all datasets and specific
constants fitted per dataset; ``ClassResult``, what it returns. The search is the engine's
(``physr fit a.csv b.csv --class-const ... --spe-const ...`` on the command line)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from . import _core
from ._api import SearchResult, _free_constants, make_config
from ._data import is_dataframe, prepare_inputs


class ClassResult:
    """What ``fit_class`` found. ``result`` is the run as a ``SearchResult`` (its formulas'
    ``nrmse`` is the class loss 1/R - 1, R the mean over datasets of 1/(1 + NRMSE_k); their
    constants are the first dataset's); ``datasets`` the datasets' names; ``specific`` the
    specific constants' names; ``best`` the selected formula's fit per dataset and ``pareto``
    each front entry's: lists of dicts ``{name, rmse, nrmse, r2, constants}``, ``constants``
    mapping each constant the formula uses to ``(value, stderr)`` in SI units."""

    def __init__(self, result: SearchResult, info: Mapping[str, Any]) -> None:
        self.result = result
        self.datasets: list[str] = list(info["datasets"])
        self.specific: list[str] = list(info["specific"])
        best = info["best"]
        self.reward: float | None = None if best is None else float(best["reward"])
        self.worst_nrmse: float | None = None if best is None else float(best["worst_nrmse"])
        self.best: list[dict[str, Any]] | None = None if best is None else list(best["datasets"])
        self.pareto: list[list[dict[str, Any]]] = [list(p["datasets"]) for p in info["pareto"]]

    @property
    def formula(self) -> Any:
        """The selected formula (``result.best``)."""
        return self.result.best

    def class_constants(self) -> dict[str, tuple[float, float]]:
        """The selected formula's class constants: name -> (value, stderr)."""
        if not self.best:
            return {}
        return {name: value for name, value in self.best[0]["constants"].items()
                if name not in self.specific}

    def specific_constants(self) -> list[dict[str, tuple[float, float]]]:
        """The selected formula's specific constants, one dict per dataset."""
        if not self.best:
            return []
        return [{name: value for name, value in d["constants"].items() if name in self.specific}
                for d in self.best]

    def __repr__(self) -> str:
        law = self.result.best.infix if self.result.best is not None else None
        return f"ClassResult({law!r}, datasets={len(self.datasets)})"


def _split_frame(frame: Any, y_name: str | None) -> tuple[Any, Any]:
    target = frame.columns[-1] if y_name is None else _column(frame, y_name)
    return frame.drop(columns=[target]), frame[target]


def _column(frame: Any, name: str) -> Any:
    for column in frame.columns:
        if str(column) == name or str(column).split("[")[0].strip() == name:
            return column
    raise ValueError(f"no column '{name}' in the data frame")


def _members(datasets: Any, group: str | None, y_name: str | None) -> list[tuple[str, Any, Any]]:
    if group is not None:
        if not is_dataframe(datasets):
            raise TypeError("group= needs one pandas DataFrame holding every dataset's rows")
        column = _column(datasets, group)
        rest = datasets.drop(columns=[column])
        return [(f"{group}={value}", *_split_frame(rows, y_name))
                for value, rows in rest.groupby(datasets[column], sort=False)]
    if is_dataframe(datasets) or not isinstance(datasets, Sequence) or not datasets:
        raise TypeError("datasets must be a non-empty list of (X, y) pairs or DataFrames, or "
                        "one DataFrame with group=")
    members = []
    for k, item in enumerate(datasets):
        if is_dataframe(item):
            members.append((f"dataset {k}", *_split_frame(item, y_name)))
        elif isinstance(item, Sequence) and len(item) == 2:
            members.append((f"dataset {k}", item[0], item[1]))
        else:
            raise TypeError(f"dataset {k}: expected an (X, y) pair or a DataFrame")
    return members


def fit_class(
    datasets: Any,
    group: str | None = None,
    names: Sequence[str] | None = None,
    X_names: Sequence[str] | None = None,
    X_units: Sequence[str] | Mapping[str, str] | None = None,
    y_name: str | None = None,
    y_units: str | None = None,
    class_consts: Mapping[str, Any] | None = None,
    spe_consts: Mapping[str, Any] | None = None,
    **options: Any,
) -> ClassResult:
    """Searches one law across several datasets of one phenomenon.

    ``datasets``: a list of ``(X, y)`` pairs or of DataFrames (the target is ``y_name`` or the
    last column), all with the same columns and units; or one DataFrame with ``group="COL"``,
    the column naming each row's dataset. ``names`` names the datasets (default "dataset k",
    or "COL=value"). ``class_consts={"g": "m/s^2"}`` are constants with one value for every
    dataset (as ``free_consts``; the default dimensionless C1 and C2 are class constants too),
    ``spe_consts={"L": "m"}`` (or ``{"L": ("m", start)}``) constants with one value per
    dataset. Other keywords are ``physr.fit``'s search options (``epochs``, ``seed``,
    ``threads``, ``ops``, ``max_length``, ...; ``max_search_rows`` counts the rows searched on
    in all, split equally between the datasets, default 2000); checkpoints, groups,
    enumeration, weights and progress callbacks are not available here (``groups="auto"``
    and ``enumerate="auto"``, the defaults, are off). Raises ValueError naming the dataset
    whose columns, units or target differ from the first's, or that has no rows.
    """
    members = _members(datasets, group, y_name)
    if names is not None:
        if len(names) != len(members):
            raise ValueError(f"names has {len(names)} names for {len(members)} datasets")
        members = [(str(n), X, y) for n, (_, X, y) in zip(names, members)]
    cores = []
    first = None
    for _, X, y in members:
        inputs = prepare_inputs(X, y, X_names, X_units, y_name, y_units)
        cores.append(_core.make_dataset(inputs.X, inputs.y, inputs.names, inputs.units,
                                        inputs.target_name, inputs.target_unit, None))
        first = first or (inputs, cores[-1])
    config = make_config(free_consts=class_consts, **options)
    specific = _core.SearchConfig()
    _free_constants(specific, spe_consts)
    core, info = _core.run_class_search(cores, [n for n, _, _ in members], config, specific,
                                        options.get("max_search_rows"))
    inputs, data = first
    result = SearchResult(core, inputs.names, inputs.target_name, data.target_unit, data.scales,
                          data.target_scale)
    return ClassResult(result, info)
