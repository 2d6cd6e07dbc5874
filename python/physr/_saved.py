"""Result files (docs/result-format.md): physr.load, SearchResult.save and pickling.

A result file is the JSON document ``physr fit --json`` writes (format "physr-result",
version 1). ``load`` reads one and rebuilds the formulas in C++ from their text and constant
values (``_core.restore_result``), so they print and predict as a fresh result does;
``document_of`` writes the same document for a result of ``physr.fit``. Files are written
atomically: a temporary file in the same directory, fsync, then renamed over the target.
Not here: the result classes themselves (``_api``).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from typing import Any

from . import _core

FORMAT = "physr-result"
VERSION = 1


class ResultFileError(ValueError):
    """A result file that cannot be used: its message names the file and what is wrong."""


def _number(x: Any) -> Any:
    """A float for JSON: None for NaN and ±inf (JSON has no non-finite numbers)."""
    return None if isinstance(x, float) and not math.isfinite(x) else x


def _float(x: Any) -> float:
    return math.nan if x is None else float(x)


def origin_of(inputs: Any, data: Any, config: Any, option_names: list[str]) -> dict[str, Any]:
    """What a result file records about the data and options of a ``physr.fit`` run."""
    options = {}
    for name in sorted(set(option_names) | {"seed", "max_length", "batch_size", "max_epochs",
                                            "time_limit_seconds", "max_evaluations"}):
        value = getattr(config, name, None)
        if value is None or isinstance(value, (bool, int, float, str)):
            options[name] = _number(value)
    return {
        "rows": data.rows,
        "data_fingerprint": _core.data_fingerprint(data),
        "target_unit_as_written": inputs.target_unit or "",
        "inputs": [{"name": n, "unit": si, "unit_as_written": written or ""}
                   for n, si, written in zip(inputs.names, data.units, inputs.units)],
        "options": options,
    }


def _formula_entry(formula: Any) -> dict[str, Any]:
    constants = {}
    for name, c in formula.fixed_constants.items():
        constants[name] = {"value": c.value, "stderr": None, "unit": c.unit, "fixed": True}
    for name, c in formula.constants.items():
        constants[name] = {"value": c.value, "stderr": _number(c.stderr), "unit": c.unit}
    return {"expression": formula.infix, "infix": formula.infix_values,
            "sympy": formula._core.sympy_text(values=True), "latex": formula.latex(),
            "units": formula.unit, "complexity": formula.complexity,
            "rmse": _number(formula.rmse), "nrmse": _number(formula.nrmse),
            "r2": _number(formula.r2), "constants": constants}


def document_of(result: Any) -> dict[str, Any]:
    """The result file's document for `result` (a copy of the one it was loaded from)."""
    if result._document is not None:
        return json.loads(json.dumps(result._document))
    from . import __version__

    operators, fixed, free, definitions, complexity = _core.library_spec(result._core)
    pareto = [_formula_entry(f) for f in result.pareto]
    selected = result._selected_index()
    origin = result._origin or {}
    core = result._core
    return {
        "format": FORMAT, "version": VERSION, "physr_version": __version__,
        "best": None if selected is None else pareto[selected], "selected": selected,
        "pareto": pareto, "epochs": core.epochs,
        "exact_nrmse": _number(core.exact_nrmse), "evaluations": core.evaluations,
        "seconds": core.seconds, "stop_reason": core.stop_reason, "seed": core.seed,
        "sampled": core.sampled, "dead_ends": core.dead_ends, "invalid": core.invalid,
        "bred": core.bred, "data": "<python>", "rows": origin.get("rows"),
        "data_fingerprint": origin.get("data_fingerprint"), "target": result.target,
        "target_unit": result.target_unit,
        "target_unit_as_written": origin.get("target_unit_as_written", ""),
        "inputs": origin.get("inputs", [{"name": n, "unit": u, "unit_as_written": ""}
                                        for n, _, u in core.terminals if _ == "variable"]),
        "library": {"operators": list(operators), "definitions": list(definitions),
                    "complexity": dict(complexity),
                    "fixed_constants": [{"name": n, "unit": u, "value": v} for n, u, v in fixed],
                    "free_constants": [{"name": n, "unit": u, "start": v} for n, u, v in free]},
        "options": origin.get("options", {"seed": core.seed}),
        "screening": result.screening,
        "features": result.features,
        "history": result.history,
        "profile": {k: _number(v) for k, v in core.profile.items()},
    }


def write_atomically(path: str | os.PathLike, text: str) -> None:
    """Writes `text` to `path`: temporary file in the same directory, fsync, rename. The file
    gets the mode the tool gives its files (0644 less the umask), not mkstemp's 0600."""
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    fd, temp = tempfile.mkstemp(dir=directory, prefix=os.path.basename(path) + ".", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o644 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def _field(doc: dict, key: str, kind: Any, where: str, source: str) -> Any:
    if key not in doc:
        raise ResultFileError(f"{source}: missing field {where}{key} (not a valid physr result "
                              "file)")
    value = doc[key]
    if not isinstance(value, kind):
        raise ResultFileError(f"{source}: field {where}{key} has the wrong type (not a valid "
                              "physr result file)")
    return value


def result_from_document(doc: Any, source: str) -> Any:
    """The SearchResult of a result file's document; ResultFileError when it is not one."""
    from ._api import SearchResult

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ResultFileError(f'{source}: no "format": "{FORMAT}" field (not a physr result '
                              "file)")
    if doc.get("version") != VERSION:
        raise ResultFileError(f"{source}: result format version {doc.get('version')!r} is not "
                              f"supported (this physr reads version {VERSION})")
    if "class" in doc:
        raise ResultFileError(f"{source}: a result over several datasets (physr fit with "
                              "--spe-const, --class-const or --group), whose specific constants "
                              "differ per dataset; only a result over one dataset can be loaded")
    inputs = _field(doc, "inputs", list, "", source)
    library = _field(doc, "library", dict, "", source)
    formulas = []
    for i, entry in enumerate(_field(doc, "pareto", list, "", source)):
        where = f"pareto[{i}]."
        constants = _field(entry, "constants", dict, where, source)
        values = {n: float(c["value"]) for n, c in constants.items() if not c.get("fixed")}
        errors = {n: _float(c.get("stderr")) for n, c in constants.items() if not c.get("fixed")}
        metrics = tuple(_float(entry.get(k)) for k in ("rmse", "nrmse", "r2"))
        formulas.append((_field(entry, "expression", str, where, source), values, errors,
                         metrics))
    selected = doc.get("selected")
    counters = {k: doc.get(k) for k in ("seed", "epochs", "evaluations", "sampled", "dead_ends",
                                        "invalid", "bred", "seconds", "stop_reason")}
    counters["exact_nrmse"] = _float(doc.get("exact_nrmse"))
    try:
        core = _core.restore_result(
            [(_field(x, "name", str, f"inputs[{i}].", source),
              _field(x, "unit", str, f"inputs[{i}].", source)) for i, x in enumerate(inputs)],
            list(library["operators"]),
            [(c["name"], c["unit"], float(c["value"])) for c in library["fixed_constants"]],
            [(c["name"], c["unit"], float(c["start"])) for c in library["free_constants"]],
            formulas, -1 if selected is None else int(selected), counters,
            list(library.get("definitions", [])), dict(library.get("complexity", {})))
    except ResultFileError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise ResultFileError(f"{source}: {e} (not a valid physr result file)") from None
    target = _field(doc, "target", str, "", source)
    target_unit = _field(doc, "target_unit", str, "", source)
    scales = [_core.unit_scale(x.get("unit_as_written") or x["unit"]) for x in inputs]
    target_written = doc.get("target_unit_as_written") or target_unit
    result = SearchResult(core, [x["name"] for x in inputs], target, target_unit, scales,
                          _core.unit_scale(target_written))
    result._document = doc
    return result


def load(path: str | os.PathLike) -> Any:
    """Reads a result file (``physr fit --json``, ``SearchResult.save``) as a SearchResult.

    Its formulas print, convert to SymPy and predict as those of the run did (``predict``
    takes the inputs in the units the run's data was given in). Raises ResultFileError (a
    ValueError) naming the file and what is wrong for a truncated, damaged or foreign file,
    and OSError when it cannot be read."""
    source = os.fspath(path)
    with open(source, encoding="utf-8") as file:
        text = file.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        # The error is on the file's last line (a cut in a number, keyword or string points
        # at its start), or is a string without its closing quote, which runs to the end.
        ends_early = ("\n" not in text[e.pos:].rstrip()
                      or e.msg.startswith("Unterminated string"))
        truncated = " (the file ends early: truncated?)" if ends_early else ""
        raise ResultFileError(f"{source}:{e.lineno}:{e.colno}: not valid JSON{truncated}: "
                              f"{e.msg}") from None
    return result_from_document(doc, source)
