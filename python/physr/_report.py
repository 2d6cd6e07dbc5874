"""Pictures of a result: ``SearchResult.plot``, ``physr.report`` and ``physr report``.

Four figures, drawn with matplotlib (imported only here, when a picture is asked for): the
Pareto front (complexity against NRMSE, the selected formula marked), the training curve
(best NRMSE over epochs), and, when the data is at hand, predicted against observed and the
residuals against each input. ``report`` writes them into one self-contained HTML file: PNG
images inline as base64 data URIs, formulas rendered by matplotlib's mathtext from their
LaTeX, nothing fetched from the network. ``main`` is what ``physr report`` runs.
Not here: the result file itself (``_saved``).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import math
import os
import re
import sys
from typing import Any

import numpy as np

from . import _core
from ._data import is_dataframe, split_label

_HEADER = re.compile(r"^\s*([^\[\]]*?)\s*(?:\[([^\]]*)\])?\s*$")


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure  # lazily: matplotlib is an optional dependency

    return Figure(figsize=(width, height), layout="constrained")


def _mathtext(text: str) -> bool:
    """Whether matplotlib's mathtext can render ``$text$``."""
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(f"${text}$")
        return True
    except ValueError:
        return False


def _formula_label(result: Any, formula: Any) -> str:
    """``$E = \\frac{...}{...}$`` when mathtext reads the LaTeX, else the infix text."""
    from ._api import _latex_name

    latex = f"{_latex_name(result.target)} = {formula.latex(precision=4)}"
    return f"${latex}$" if _mathtext(latex) else f"{result.target} = {formula.infix_values}"


def _positive(values: Any) -> np.ndarray:
    """Values for a log axis: zeros (exact fits) drawn at a floor below the rest."""
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v) & (v > 0)]
    floor = (finite.min() if finite.size else 1.0) / 10.0
    return np.where(np.isfinite(v) & (v > 0), v, np.minimum(floor, 1e-16))


def _complexities(result: Any) -> list[float]:
    """The front's complexities; a loaded result's as its file gives them (an exact number
    such as 5/4 counts one token there, and reads back as a division)."""
    entries = (result._document or {}).get("pareto") or []
    if len(entries) == len(result.pareto):
        return [float(e.get("complexity", f.complexity)) for e, f in zip(entries, result.pareto)]
    return [float(f.complexity) for f in result.pareto]


def pareto_figure(result: Any) -> Any:
    fig = _figure(7, 4.5)
    ax = fig.add_subplot()
    front = result.pareto
    x = np.array(_complexities(result))
    y = _positive([f.nrmse for f in front])
    order = np.argsort(x, kind="stable")
    ax.step(x[order], np.minimum.accumulate(y[order]), where="post", color="0.6", lw=1)
    ax.plot(x, y, "o", color="tab:blue", label="Pareto front")
    selected = result._selected_index()
    if selected is not None:
        ax.plot([x[selected]], [y[selected]], "*", ms=16, color="tab:red",
                label=_formula_label(result, front[selected]))
    ax.set_yscale("log")
    ax.set_xlabel("complexity")
    ax.set_ylabel("NRMSE")
    ax.set_title("Pareto front (selected formula starred)")
    ax.legend(loc="upper right", fontsize=9)
    return fig


def training_figure(result: Any) -> Any:
    fig = _figure(7, 4)
    ax = fig.add_subplot()
    history = [e for e in result.history if e.get("best_nrmse") is not None]
    if history:
        ax.plot([e["epoch"] for e in history], _positive([e["best_nrmse"] for e in history]),
                "o-", ms=3, color="tab:blue")
        ax.set_yscale("log")
    else:
        ax.text(0.5, 0.5, "no epochs recorded", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_xlabel("epoch")
    ax.set_ylabel("best NRMSE so far")
    ax.set_title("Training curve")
    return fig


def predicted_figure(result: Any, observed: np.ndarray, predicted: np.ndarray) -> Any:
    fig = _figure(5.5, 5)
    ax = fig.add_subplot()
    ax.plot(observed, predicted, ".", color="tab:blue", ms=4)
    finite = np.concatenate([observed, predicted])
    finite = finite[np.isfinite(finite)]
    if finite.size:
        ax.plot([finite.min(), finite.max()], [finite.min(), finite.max()], "--", color="0.5",
                lw=1, label="predicted = observed")
        ax.legend(loc="upper left", fontsize=9)
    unit = f" [{result.target_unit}]"
    ax.set_xlabel(f"observed {result.target}{unit}")
    ax.set_ylabel(f"predicted {result.target}{unit}")
    ax.set_title("Predicted against observed")
    return fig


def residual_figure(result: Any, columns: dict[str, np.ndarray], residuals: np.ndarray,
                    units: dict[str, str]) -> Any:
    names = list(result.variables)
    ncols = min(3, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig = _figure(4 * ncols, 3.2 * nrows)
    for i, name in enumerate(names):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.plot(columns[name], residuals, ".", color="tab:blue", ms=4)
        ax.axhline(0.0, color="0.5", lw=1, ls="--")
        ax.set_xlabel(f"{name} [{units[name]}]")
        ax.set_ylabel(f"residual [{result.target_unit}]")
    fig.suptitle("Residuals (observed − predicted) against each input")
    return fig


# ---- data ------------------------------------------------------------------------------

def _delimiter(header: str) -> str | None:
    """The delimiter of a header line, as physr's CSV reader detects it (None: blanks)."""
    depth, quoted = 0, False
    for c in header:
        if c == '"':
            quoted = not quoted
        elif not quoted and c == "[":
            depth += 1
        elif not quoted and c == "]":
            depth -= 1
        elif not quoted and depth == 0 and c in ",;":
            return c
    return "\t" if "\t" in header else None


def read_csv(path: str, wanted: Any = None) -> tuple[list[tuple[str, str | None]], np.ndarray]:
    """A physr CSV file's header cells (name, unit or None) and its values (rows × columns;
    only the columns named in `wanted` when given, the others NaN, so they may hold text);
    ValueError naming the file, line and column of a cell that is not a number."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        lines = [(n, line) for n, line in enumerate(file.read().splitlines(), 1)
                 if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ValueError(f"{path}: no header line")
    delimiter = _delimiter(lines[0][1])

    def cells(line: str) -> list[str]:
        if delimiter is None:
            return line.split()
        return next(csv.reader([line], delimiter=delimiter))

    header = []
    for cell in cells(lines[0][1]):
        match = _HEADER.match(cell)
        name, unit = (match.group(1), match.group(2)) if match else (cell.strip(), None)
        header.append((name, None if unit is None else (unit.strip() or "1")))
    read = [i for i, (name, _) in enumerate(header) if wanted is None or name in wanted]
    values = np.full((len(lines) - 1, len(header)), np.nan)
    for r, (n, line) in enumerate(lines[1:]):
        row = cells(line)
        if len(row) != len(header):
            raise ValueError(f"{path}:{n}: {len(row)} cells, the header has {len(header)}")
        for i in read:
            if not _is_number(row[i]):
                raise ValueError(f"{path}:{n}:{i + 1}: not a number: '{row[i].strip()}'")
            values[r, i] = float(row[i])
    return header, values


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _recorded_units(result: Any) -> dict[str, str]:
    """The units the run's data was given in, by column name (SI where none was written)."""
    doc = result._document or {}
    units = {x["name"]: x.get("unit_as_written") or x["unit"]
             for x in (doc.get("inputs") or (result._origin or {}).get("inputs") or [])}
    units.setdefault(result.target, doc.get("target_unit_as_written") or result.target_unit)
    for name, scale in zip(result.variables, result._scales):
        units.setdefault(name, "" if scale == 1.0 else None)
    return units


def _labelled_columns(result: Any, labels: list[tuple[str, str | None]], values: np.ndarray,
                      source: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Input columns and target in coherent SI from labelled columns (units from the label,
    else those the run's data was given in)."""
    recorded = _recorded_units(result)
    by_name = {name: (unit, values[:, i]) for i, (name, unit) in enumerate(labels)}
    missing = [n for n in [*result.variables, result.target] if n not in by_name]
    if missing:
        raise ValueError(f"{source}: no column {', '.join(map(repr, missing))} (the result "
                         f"needs {', '.join([*result.variables, result.target])})")
    si = {}
    for name in [*result.variables, result.target]:
        unit, column = by_name[name]
        unit = unit if unit is not None else recorded.get(name)
        scale = _core.unit_scale(unit) if unit and unit != "1" else 1.0
        si[name] = np.asarray(column, dtype=float) * scale
    target = si.pop(result.target)
    return si, target


def _si_data(result: Any, data: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    if isinstance(data, (str, os.PathLike)):
        header, values = read_csv(os.fspath(data), {*result.variables, result.target})
        return _labelled_columns(result, header, values, os.fspath(data))
    if is_dataframe(data):
        labels = [split_label(label) for label in data.columns]
        return _labelled_columns(result, labels, data.to_numpy(dtype=float), "data")
    if isinstance(data, tuple) and len(data) == 2:  # (X, y) in the units the run was given
        columns = result._columns_for(data[0]) * np.asarray(result._scales, dtype=float)
        target = np.asarray(data[1], dtype=float).ravel() * result._target_scale
        return {n: columns[:, i] for i, n in enumerate(result.variables)}, target
    raise TypeError("data must be a CSV path, a DataFrame with the run's columns, or (X, y)")


def _recorded_data(result: Any, result_path: str | None) -> str | None:
    """The data file a result file names, when it still exists (as named, or beside it)."""
    name = (result._document or {}).get("data")
    if not name or name.startswith("<"):
        return None
    candidates = [name]
    if result_path is not None and not os.path.isabs(name):
        candidates.append(os.path.join(os.path.dirname(os.path.abspath(result_path)), name))
    return next((c for c in candidates if os.path.isfile(c)), None)


# ---- figures and the HTML report ---------------------------------------------------------

def figures(result: Any, data: Any = None) -> dict[str, Any]:
    """The report's figures: ``pareto`` and ``training`` always; ``predicted`` and
    ``residuals`` when `data` is given and the result has a selected formula."""
    figs = {"pareto": pareto_figure(result), "training": training_figure(result)}
    if data is not None and result.best is not None:
        columns, observed = _si_data(result, data)
        X = np.asfortranarray(np.column_stack([columns[n] for n in result.variables]))
        predicted = result.best._core.predict(X)
        figs["predicted"] = predicted_figure(result, observed, predicted)
        units = {n: u for n, u in zip(result.variables, _si_units(result))}
        figs["residuals"] = residual_figure(result, columns, observed - predicted, units)
    return figs


def _si_units(result: Any) -> list[str]:
    return [u for _, kind, u in result._core.terminals if kind == "variable"]


def _png(fig: Any, dpi: int = 110) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _formula_png(result: Any, formula: Any) -> str:
    fig = _figure(0.1, 0.1)
    fig.set_layout_engine(None)
    fig.text(0, 0, _formula_label(result, formula), fontsize=13)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", pad_inches=0.04)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


_STYLE = """body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse}td,th{padding:.25em .7em;border-bottom:1px solid #ddd;
text-align:left}tr.selected{background:#fdecea}img{max-width:100%}.note{color:#a33}"""


def _front_table(result: Any) -> str:
    selected = result._selected_index()
    rows = []
    for i, (f, complexity) in enumerate(zip(result.pareto, _complexities(result))):
        mark = ' class="selected"' if i == selected else ""
        rows.append(f"<tr{mark}><td>{complexity:g}</td><td>{f.nrmse:.3g}</td>"
                    f"<td>{f.r2:.6g}</td><td><img alt=\"{html.escape(f.infix_values)}\" "
                    f"src=\"{_formula_png(result, f)}\"></td></tr>")
    return ("<table><tr><th>complexity</th><th>NRMSE</th><th>R²</th><th>formula</th></tr>"
            + "".join(rows) + "</table>")


def report_html(result: Any, data: Any = None, title: str = "physr report",
                data_note: str | None = None) -> str:
    """The self-contained HTML report of `result` (see ``report``)."""
    figs = figures(result, data)
    best = result.best
    parts = [f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
             f"</title><style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"]
    if best is not None:
        parts.append(f"<h2>Selected formula</h2><p><img alt=\"{html.escape(best.infix_values)}\""
                     f" src=\"{_formula_png(result, best)}\"></p><p><code>"
                     f"{html.escape(result.target)} = {html.escape(best.infix_values)}</code>"
                     f" &nbsp; [{html.escape(result.target_unit)}], NRMSE {best.nrmse:.3g}, "
                     f"R² {best.r2:.6g}</p>")
    parts.append(f"<p>{result.epochs} epochs, {result.evaluations} formulas scored in "
                 f"{result.seconds:.3g} s; stopped: {html.escape(str(result.stop_reason))}</p>")
    if data_note:
        parts.append(f"<p class=\"note\">{html.escape(data_note)}</p>")
    captions = {"pareto": "Pareto front", "training": "Training curve",
                "predicted": "Predicted against observed", "residuals": "Residuals"}
    for key, fig in figs.items():
        parts.append(f"<h2>{captions[key]}</h2><img id=\"{key}\" alt=\"{captions[key]}\" "
                     f"src=\"{_png(fig)}\">")
        if key == "pareto":
            parts.append(_front_table(result))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def report(result: Any, data: Any = None, path: str | os.PathLike = "report.html") -> str:
    """Writes a self-contained HTML report of a result and returns its path.

    `result`: a SearchResult or the path of a result file (``physr fit --json``,
    ``SearchResult.save``). `data`: a CSV path, a DataFrame with the run's columns (labels
    with units, as ``v[m/s]``, are converted), or ``(X, y)`` in the units the run was given;
    without it, the data file a result file names is used when it still exists, and
    otherwise the report shows the front and the training curve only and says so. Images
    are inline PNG; formulas are rendered with matplotlib's mathtext. Needs matplotlib."""
    from . import _saved

    result_path = None
    if isinstance(result, (str, os.PathLike)):
        result_path = os.fspath(result)
        result = _saved.load(result_path)
    note = None
    if data is None:
        data = _recorded_data(result, result_path)
        if data is not None:
            try:
                _si_data(result, data)
            except ValueError as e:
                data, note = None, (f"Without data ({e}): predicted against observed and the "
                                    "residuals are not drawn; give the data to draw them.")
        elif data is None:
            recorded = (result._document or {}).get("data")
            why = (f"the data file {recorded!r} the result names is not found"
                   if recorded and not recorded.startswith("<") else "no data was given")
            note = (f"Without data ({why}): predicted against observed and the residuals are "
                    "not drawn; give the data (a CSV file) to draw them.")
    title = f"physr report: {result.target}"
    if result_path is not None:
        title += f" ({os.path.basename(result_path)})"
    text = report_html(result, data, title, note)
    _saved.write_atomically(path, text)
    return os.fspath(path)


def main(argv: list[str]) -> int:
    """``physr report RESULT.json [DATA.csv] -o OUT.html``: 0, or 2 with one line on stderr."""
    import argparse

    parser = argparse.ArgumentParser(prog="physr report")
    parser.add_argument("result")
    parser.add_argument("data", nargs="?")
    parser.add_argument("-o", "--output", default="report.html")
    args = parser.parse_args(argv)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("physr: error: physr report needs matplotlib: pip install 'physr[report]' "
              "(or pip install matplotlib)", file=sys.stderr)
        return 2
    if args.data is not None and not os.path.isfile(args.data):
        print(f"physr: error: cannot open data file '{args.data}'", file=sys.stderr)
        return 2
    try:
        path = report(args.result, args.data, args.output)
    except (OSError, ValueError) as e:
        message = " ".join(str(e).split())
        print(f"physr: error: {message}", file=sys.stderr)
        return 2
    print(f"report      {path}")
    return 0
