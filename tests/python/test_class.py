"""physr.fit_class: one law across several datasets, class constants shared and specific
constants per dataset; from a list of (X, y) pairs, a list of DataFrames, or one DataFrame split
by a group column; bad datasets named."""

import numpy as np
import pytest

import physr

LENGTHS = [0.2, 1.0, 3.0]
QUICK = dict(seed=1, epochs=40, batch_size=300, evolution_offspring=300, max_length=16,
             threads=2, default_free_consts=False)


def decay(L, seed):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.1, 4.0, 25)
    return t, L * np.exp(-t / 1.5)


def check_law(found):
    assert found.worst_nrmse <= 1e-6
    assert found.specific == ["L"]
    assert len(found.best) == 3
    for d, L in zip(found.best, LENGTHS):
        assert d["constants"]["L"][0] == pytest.approx(L, rel=1e-6)
        assert d["constants"]["tau"][0] == pytest.approx(1.5, rel=1e-6)
        assert d["nrmse"] <= 1e-6
    assert found.class_constants()["tau"][0] == pytest.approx(1.5, rel=1e-6)
    assert [s["L"][0] for s in found.specific_constants()] == pytest.approx(LENGTHS, rel=1e-6)
    assert len(found.pareto) == len(found.result.pareto)
    # In canonical form, refitted over the class (the search writes 1/exp(t/tau)*L).
    assert found.formula.infix == "L/exp(t/tau)"


def test_fit_class_from_pairs():
    pairs = [(t.reshape(-1, 1), y) for t, y in (decay(L, k) for k, L in enumerate(LENGTHS))]
    found = physr.fit_class(pairs, X_names=["t"], X_units=["s"], y_name="y", y_units="m",
                            class_consts={"tau": "s"}, spe_consts={"L": "m"}, **QUICK)
    check_law(found)
    assert found.datasets == ["dataset 0", "dataset 1", "dataset 2"]
    assert found.formula is found.result.best or found.formula.infix == found.result.best.infix


def test_fit_class_canonical_form_keeps_each_datasets_constants():
    pairs = [(t.reshape(-1, 1), y) for t, y in (decay(L, k) for k, L in enumerate(LENGTHS))]
    kwargs = dict(X_names=["t"], X_units=["s"], y_name="y", y_units="m",
                  class_consts={"tau": "s"}, spe_consts={"L": "m"}, **QUICK)
    canonical = physr.fit_class(pairs, **kwargs)
    raw = physr.fit_class(pairs, canonical=False, **kwargs)
    assert raw.formula.infix != canonical.formula.infix
    assert canonical.formula.complexity <= raw.formula.complexity
    for a, b in zip(canonical.best, raw.best):
        assert a["constants"]["L"][0] == pytest.approx(b["constants"]["L"][0], rel=1e-9)
        assert a["constants"]["tau"][0] == pytest.approx(b["constants"]["tau"][0], rel=1e-9)


def test_fit_class_from_frames_and_a_group_column():
    pd = pytest.importorskip("pandas")
    frames = [pd.DataFrame({"t[s]": t, "y[m]": y})
              for t, y in (decay(L, k) for k, L in enumerate(LENGTHS))]
    found = physr.fit_class(frames, names=["a", "b", "c"], class_consts={"tau": "s"},
                            spe_consts={"L": "m"}, **QUICK)
    check_law(found)
    assert found.datasets == ["a", "b", "c"]
    table = pd.concat([f.assign(run=k) for k, f in enumerate(frames)])[["run", "t[s]", "y[m]"]]
    grouped = physr.fit_class(table, group="run", class_consts={"tau": "s"},
                              spe_consts={"L": "m"}, **QUICK)
    check_law(grouped)
    assert grouped.datasets == ["run=0", "run=1", "run=2"]


def test_fit_class_names_the_dataset_that_differs():
    pd = pytest.importorskip("pandas")
    t, y = decay(1.0, 0)
    seconds = pd.DataFrame({"t[s]": t, "y[m]": y})
    kilograms = pd.DataFrame({"t[kg]": t, "y[m]": y})
    with pytest.raises(ValueError, match=r"dataset 1: columns t\[kg\] -> y\[m\] differ"):
        physr.fit_class([seconds, kilograms], spe_consts={"L": "m"}, epochs=1)
    empty = pd.DataFrame({"t[s]": np.empty(0), "y[m]": np.empty(0)})
    with pytest.raises(ValueError, match="dataset 1: the dataset has no rows"):
        physr.fit_class([seconds, empty], spe_consts={"L": "m"}, epochs=1)
    with pytest.raises(TypeError, match="non-empty list"):
        physr.fit_class([], spe_consts={"L": "m"})
    with pytest.raises(ValueError, match="checkpoints are not available"):
        physr.fit_class([seconds, seconds], spe_consts={"L": "m"}, epochs=1, checkpoint="ck")


def test_fit_class_max_search_rows_reaches_the_search():
    pairs = [(t.reshape(-1, 1), y) for t, y in (decay(L, k) for k, L in enumerate(LENGTHS))]
    common = dict(X_names=["t"], X_units=["s"], y_name="y", y_units="m",
                  class_consts={"tau": "s"}, spe_consts={"L": "m"}, **QUICK)
    few = physr.fit_class(pairs, max_search_rows=24, **common)  # 8 of each dataset's 25 rows
    every = physr.fit_class(pairs, max_search_rows=0, **common)
    assert few.worst_nrmse <= 1e-6  # refitted on every row
    # The first epoch's best is scored on the rows searched: 8 a dataset against 25.
    assert few.result.history[0]["best_nrmse"] != every.result.history[0]["best_nrmse"]
