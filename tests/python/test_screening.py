"""physr.fit(screen=...) and PhysicalRegressor(screen=...): wide data searched over the columns
that explain most of the target, the result over every column."""

import numpy as np
import pytest

import physr


def wide(columns=60, rows=200, seed=4):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.uniform(1.0, 5.0, (rows, columns)))
    y = X[:, 2] * X[:, 3] / X[:, 1]
    names = [f"x{j + 1}" for j in range(columns)]
    return X, y, names


def test_screen_keeps_the_law_columns_and_predicts_from_every_column(tmp_path):
    X, y, names = wide()
    result = physr.fit(X, y, X_names=names, screen=6, batch_size=500, epochs=40, threads=2,
                       seed=2)
    screening = result.screening
    assert screening["columns"] == 60
    kept = [c["name"] for c in screening["kept"]]
    assert len(kept) == 6 and {"x2", "x3", "x4"} <= set(kept[:3])
    assert all(0.0 <= c["score"] <= 1.0 for c in screening["kept"])
    assert result.variables == names
    best = result.best
    assert best is not None and best.nrmse < 1e-9
    np.testing.assert_allclose(best.predict(X), y, rtol=1e-9)
    # Saved and loaded, the result keeps its screening and predicts alike.
    path = tmp_path / "wide.json"
    result.save(path)
    loaded = physr.load(path)
    assert loaded.screening == screening
    np.testing.assert_allclose(loaded.best.predict(X), y, rtol=1e-9)


def test_screen_off_and_larger_than_the_width_search_every_column():
    X, y, names = wide(columns=25)
    for screen in ("off", 100):
        result = physr.fit(X, y, X_names=names, screen=screen, batch_size=200, epochs=1,
                           threads=1, seed=1)
        assert result.screening is None


def test_screen_takes_a_positive_count_auto_or_off():
    assert "screen" in physr.search_options()
    for bad in (0, -2, "all", True):
        with pytest.raises(ValueError, match="screen"):
            physr.fit(np.ones((5, 1)), np.ones(5), screen=bad, epochs=1)


def test_regressor_takes_screen():
    X, y, _ = wide(columns=30)
    model = physr.PhysicalRegressor(screen=5, epochs=30, batch_size=500, random_state=2,
                                    n_jobs=2)
    assert model.get_params()["screen"] == 5
    model.fit(X, y)
    assert len(model.result_.screening["kept"]) == 5
    np.testing.assert_allclose(model.predict(X), y, rtol=1e-9)
