"""Result files: physr fit --json read by physr.load, SearchResult.save, to_pandas, pickling
of results and estimators, and damaged files."""

import json
import os
import pickle
import subprocess

import numpy as np
import pytest

import physr
from conftest import QUICK, physr_tool



def physr_binary():
    return physr_tool()


@pytest.fixture
def cli_result(tmp_path, speed_file):
    path, X, _ = speed_file
    out = tmp_path / "result.json"
    subprocess.run([physr_binary(), "fit", str(path), "--epochs", "4", "--batch", "200",
                    "--seed", "1", "--threads", "2", "-q", "--json", str(out)],
                   check=True, capture_output=True)
    return out, path, X


def test_cli_and_python_predict_agree_on_one_file(tmp_path, cli_result):
    result_path, data_path, X = cli_result
    result = physr.load(result_path)
    assert result.target == "v" and result.variables == ["x", "t"]
    assert result.best is not None and len(result.pareto) >= 1
    predicted = tmp_path / "predicted.csv"
    subprocess.run([physr_binary(), "predict", str(result_path), str(data_path), "-o",
                    str(predicted)], check=True, capture_output=True)
    with open(predicted) as f:
        header = f.readline().strip()
        cli = np.array([float(line.rsplit(",", 1)[1]) for line in f])
    assert header == "x[km],t[min],v[m/s],v_predicted[m/s]"
    # Python takes the inputs in the units the data was written in (km, min), as physr.fit's
    # results do; the target was in SI.
    python = result.best.predict(X)
    np.testing.assert_allclose(python, cli, rtol=1e-12)
    for k, formula in enumerate(result.pareto):
        run = subprocess.run([physr_binary(), "predict", str(result_path), str(data_path),
                              "--formula", str(k)], check=True, capture_output=True, text=True)
        lines = run.stdout.strip().split("\n")[1:]
        cli_k = np.array([float(line.rsplit(",", 1)[1] or "nan") for line in lines])
        np.testing.assert_allclose(formula.predict(X), cli_k, rtol=1e-12, equal_nan=True)


def test_loaded_result_prints_like_the_file(cli_result):
    result_path, _, _ = cli_result
    doc = json.loads(result_path.read_text())
    result = physr.load(result_path)
    assert [f.infix for f in result.pareto] == [e["expression"] for e in doc["pareto"]]
    assert result.best.complexity == doc["best"]["complexity"]
    assert result.best.sympy().free_symbols
    assert result.epochs == doc["epochs"] and result.seed == doc["seed"]
    assert len(result.history) == doc["epochs"]
    assert set(result.best.constants) == {n for n, c in doc["best"]["constants"].items()
                                          if not c.get("fixed")}


def test_save_writes_the_format_and_load_reads_it_back(tmp_path, newton):
    X, y = newton
    result = physr.fit(X, y, X_names=["m", "a"], X_units=["g", "m/s^2"], y_name="F",
                       y_units="N", **QUICK)
    path = tmp_path / "saved.json"
    result.save(path)
    doc = json.loads(path.read_text())
    assert doc["format"] == "physr-result" and doc["version"] == 1
    assert doc["inputs"][0] == {"name": "m", "unit": "kg", "unit_as_written": "g"}
    assert len(doc["data_fingerprint"]) == 16
    assert [e["epoch"] for e in doc["history"]] == list(range(1, result.epochs + 1))
    loaded = physr.load(path)
    np.testing.assert_allclose(loaded.best.predict(X), result.best.predict(X), rtol=1e-12)
    assert [f.infix for f in loaded.pareto] == [f.infix for f in result.pareto]
    loaded.save(tmp_path / "again.json")
    assert json.loads((tmp_path / "again.json").read_text()) == doc
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_saved_file_is_read_by_the_cli(tmp_path, newton):
    X, y = newton
    result = physr.fit(X, y, X_names=["m", "a"], X_units=["kg", "m/s^2"], y_name="F",
                       y_units="N", **QUICK)
    result.save(tmp_path / "py.json")
    data = tmp_path / "rows.csv"
    rows = "\n".join(f"{float(m)!r},{float(a)!r}" for m, a in X[:5])
    data.write_text("m[kg],a[m/s^2]\n" + rows + "\n")
    run = subprocess.run([physr_binary(), "predict", str(tmp_path / "py.json"), str(data)],
                         check=True, capture_output=True, text=True)
    cli = [float(line.rsplit(",", 1)[1]) for line in run.stdout.strip().split("\n")[1:]]
    np.testing.assert_allclose(cli, result.best.predict(X[:5]), rtol=1e-12)


def test_to_pandas_gives_the_front(newton):
    pd = pytest.importorskip("pandas")
    X, y = newton
    result = physr.fit(X, y, X_names=["m", "a"], X_units=["kg", "m/s^2"], y_name="F",
                       y_units="N", **QUICK)
    frame = result.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == len(result.pareto)
    assert list(frame["infix"]) == [f.infix for f in result.pareto]
    assert frame["selected"].sum() == 1
    assert frame.loc[frame["selected"], "infix"].item() == result.best.infix


def test_results_and_formulas_pickle(newton):
    X, y = newton
    result = physr.fit(X, y, X_names=["m", "a"], X_units=["kg", "m/s^2"], y_name="F",
                       y_units="N", **QUICK)
    copy = pickle.loads(pickle.dumps(result))
    assert [f.infix for f in copy.pareto] == [f.infix for f in result.pareto]
    np.testing.assert_allclose(copy.best.predict(X), result.best.predict(X), rtol=1e-12)
    best = pickle.loads(pickle.dumps(result.best))
    assert best.infix == result.best.infix
    np.testing.assert_allclose(best.predict(X), result.best.predict(X), rtol=1e-12)


def test_fitted_estimator_pickles(newton):
    X, y = newton
    model = physr.PhysicalRegressor(X_units=["kg", "m/s^2"], y_units="N", batch_size=200,
                                    epochs=4, n_jobs=2, random_state=1).fit(X, y)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(copy.predict(X), model.predict(X), rtol=1e-12)
    assert copy.equation_ == model.equation_


def test_truncated_and_foreign_files_are_clear_errors(tmp_path, newton):
    X, y = newton
    result = physr.fit(X, y, X_names=["m", "a"], y_name="F", **QUICK)
    path = tmp_path / "r.json"
    result.save(path)
    text = path.read_text()
    (tmp_path / "short.json").write_text(text[: len(text) // 2])
    with pytest.raises(physr.ResultFileError, match=r"short\.json:\d+:\d+: not valid JSON "
                                                     r"\(the file ends early"):
        physr.load(tmp_path / "short.json")
    (tmp_path / "other.json").write_text('{"a": 1}')
    with pytest.raises(physr.ResultFileError, match=r"other\.json: no \"format\""):
        physr.load(tmp_path / "other.json")
    doc = json.loads(text)
    doc["version"] = 99
    (tmp_path / "v99.json").write_text(json.dumps(doc))
    with pytest.raises(physr.ResultFileError, match="version 99 is not supported"):
        physr.load(tmp_path / "v99.json")
    doc = json.loads(text)
    doc["class"] = {"datasets": ["a.csv", "b.csv"], "specific_constants": ["L"]}
    (tmp_path / "class.json").write_text(json.dumps(doc))
    with pytest.raises(physr.ResultFileError, match=r"class\.json: a result over several "):
        physr.load(tmp_path / "class.json")
    doc = json.loads(text)
    del doc["pareto"][0]["expression"]
    (tmp_path / "damaged.json").write_text(json.dumps(doc))
    with pytest.raises(physr.ResultFileError, match=r"damaged\.json: missing field "
                                                     r"pareto\[0\]\.expression"):
        physr.load(tmp_path / "damaged.json")
    with pytest.raises(OSError):
        result.save(tmp_path / "no_such_dir" / "r.json")


def test_defined_operators_survive_save_and_load(tmp_path):
    x = np.linspace(0.5, 12.0, 200)
    result = physr.fit(x.reshape(-1, 1), np.sin(x) / x, X_names=["x"], y_name="y",
                       define="sinc(x)=sin(x)/x", complexity={"sinc": 3}, **QUICK)
    result.save(tmp_path / "sinc.json")
    loaded = physr.load(tmp_path / "sinc.json")
    doc = json.loads((tmp_path / "sinc.json").read_text())
    assert doc["library"]["definitions"] == ["sinc(x)=sin(x)/x"]
    assert doc["library"]["complexity"] == {"sinc": 3}
    for before, after in zip(result.pareto, loaded.pareto):
        assert after.infix == before.infix
        assert after.complexity == before.complexity
        np.testing.assert_allclose(after.predict(x.reshape(-1, 1)),
                                   before.predict(x.reshape(-1, 1)), rtol=1e-12)


def test_saved_file_is_readable_by_others(tmp_path, newton):
    X, y = newton
    result = physr.fit(X, y, X_names=["m", "a"], X_units=["kg", "m/s^2"], y_name="F",
                       y_units="N", **QUICK)
    old = os.umask(0o022)
    try:
        result.save(tmp_path / "r.json")
    finally:
        os.umask(old)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o644
