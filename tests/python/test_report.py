"""Pictures of a result: SearchResult.plot, physr.report and `physr report` (the HTML is
self-contained: every image an inline PNG that decodes)."""

import base64
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import physr
from conftest import QUICK, physr_tool

pytest.importorskip("matplotlib")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def speed(speed_file):
    """A short run on v = x/t (x in km, t in min, a little noise) and its data file."""
    path, X, v = speed_file
    result = physr.fit(X, v, X_names=["x", "t"], X_units=["km", "min"], y_name="v",
                       y_units="m/s", **QUICK)
    return result, path, X, v


def images(html):
    """The decoded bytes of every inline image of an HTML page; fails on any other source."""
    sources = re.findall(r'<img [^>]*src="([^"]*)"', html)
    assert sources
    decoded = []
    for src in sources:
        assert src.startswith("data:image/png;base64,"), src[:60]
        decoded.append(base64.b64decode(src.split(",", 1)[1], validate=True))
    return decoded


def figure_images(html):
    return {key: base64.b64decode(src) for key, src in
            re.findall(r'<img id="(\w+)"[^>]*src="data:image/png;base64,([^"]*)"', html)}


def test_plot_returns_the_figures_with_their_axes(speed):
    result, path, X, v = speed
    figs = result.plot()
    assert set(figs) == {"pareto", "training"}
    front = figs["pareto"].axes[0]
    assert front.get_xlabel() == "complexity" and front.get_ylabel() == "NRMSE"
    assert front.get_yscale() == "log"
    # One point per formula of the front, and the selected one marked.
    points = [line for line in front.get_lines() if line.get_marker() == "o"]
    assert len(points[0].get_xdata()) == len(result.pareto)
    star = [line for line in front.get_lines() if line.get_marker() == "*"]
    assert len(star) == 1 and star[0].get_xdata()[0] == result.best.complexity
    assert figs["training"].axes[0].get_xlabel() == "epoch"
    assert len(figs["training"].axes[0].get_lines()[0].get_xdata()) == len(result.history)

    with_data = result.plot(data=(X, v))
    assert set(with_data) == {"pareto", "training", "predicted", "residuals"}
    observed, predicted = with_data["predicted"].axes[0].get_lines()[0].get_data()
    np.testing.assert_allclose(observed, v)
    np.testing.assert_allclose(predicted, result.best.predict(X), rtol=1e-12)
    residual_axes = with_data["residuals"].axes
    assert [ax.get_xlabel() for ax in residual_axes] == ["x [m]", "t [s]"]
    # The CSV gives the same points as (X, y), converted from km and min to SI.
    from_csv = result.plot(data=str(path))["residuals"].axes[0].get_lines()[0].get_data()
    np.testing.assert_allclose(from_csv[0], X[:, 0] * 1000.0)
    np.testing.assert_allclose(from_csv[1], residual_axes[0].get_lines()[0].get_ydata(),
                               rtol=1e-9, atol=1e-12)


def test_report_is_self_contained_with_its_images(tmp_path, speed):
    result, path, _, _ = speed
    out = physr.report(result, data=path, path=tmp_path / "report.html")
    html = pathlib.Path(out).read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    for png in images(html):
        assert png.startswith(PNG_MAGIC) and len(png) > 200
    figs = figure_images(html)
    assert set(figs) == {"pareto", "training", "predicted", "residuals"}
    assert all(len(png) > 5000 for png in figs.values())
    # One formula image per entry of the front, and one for the selected formula.
    assert html.count("<tr") == len(result.pareto) + 1
    assert "Without data" not in html


def test_report_without_data_draws_the_front_and_says_so(tmp_path, speed):
    result, _, _, _ = speed
    saved = tmp_path / "result.json"
    result.save(saved)
    html = pathlib.Path(physr.report(str(saved), path=tmp_path / "r.html")).read_text("utf-8")
    assert set(figure_images(html)) == {"pareto", "training"}
    assert "Without data (no data was given)" in html


def test_report_of_a_cli_result_finds_its_data_and_the_cli_writes_it(tmp_path, speed):
    tool = physr_tool()
    _, path, _, _ = speed
    result = tmp_path / "result.json"
    subprocess.run([tool, "fit", str(path), "--epochs", "3", "--batch", "200", "--seed", "1",
                    "--threads", "2", "-q", "--json", str(result)], check=True,
                   capture_output=True)
    env = dict(os.environ, PHYSR_PYTHON=sys.executable)
    out = tmp_path / "cli.html"
    run = subprocess.run([tool, "report", str(result), "-o", str(out)], env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    html = out.read_text(encoding="utf-8")
    # The result names its data file, which still exists: all four figures.
    assert set(figure_images(html)) == {"pareto", "training", "predicted", "residuals"}
    for png in images(html):
        assert png.startswith(PNG_MAGIC)

    bad = tmp_path / "bad.csv"
    bad.write_text("x[km],t[min],v[m/s]\n1,2,3\n1,oops,3\n")
    run = subprocess.run([tool, "report", str(result), str(bad), "-o", str(out)], env=env,
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.strip() == f"physr: error: {bad}:3:2: not a number: 'oops'"

    missing = dict(os.environ, PHYSR_PYTHON=str(tmp_path / "no-such-python"))
    run = subprocess.run([tool, "report", str(result)], env=missing, capture_output=True,
                         text=True)
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert "PHYSR_PYTHON" in run.stderr and "physr[report]" in run.stderr


def test_the_report_reads_physr_csv_files(tmp_path):
    from physr._report import read_csv

    path = tmp_path / "d.csv"
    path.write_text('\ufeff# comment\n"x [km]";label;t[]\n1.5;first;2\n\n# more\n3;"second";4\n')
    header, values = read_csv(str(path), {"x", "t"})
    assert header == [("x", "km"), ("label", None), ("t", "1")]
    np.testing.assert_array_equal(values[:, [0, 2]], [[1.5, 2.0], [3.0, 4.0]])
    path.write_text("x[m] t[s]\n1  2\n3\tfour\n")
    with pytest.raises(ValueError, match=r"d.csv:3:2: not a number: 'four'"):
        read_csv(str(path))
