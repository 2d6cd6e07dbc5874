"""physr.fit(enumerate=...): every short formula tried first, as `physr fit --enumerate`."""

import numpy as np
import pytest

import physr


def test_enumeration_finds_a_short_law_the_policy_misses_in_two_epochs():
    x = np.linspace(0.1, 3.0, 300)
    y = x / (np.exp(x) - 1.0)
    # Two epochs: the enumeration runs after the first, which finds no exact formula.
    common = dict(batch_size=50, epochs=2, evolution_offspring=20, seed=3, threads=1)
    found = physr.fit(x[:, None], y, X_names=["x"], enumerate=7, **common)
    assert found.best.nrmse < 1e-9
    np.testing.assert_allclose(found.best.predict(x[:, None]), y, rtol=1e-9)
    plain = physr.fit(x[:, None], y, X_names=["x"], enumerate="off", **common)
    assert plain.best.nrmse > 1e-9


def test_enumerate_takes_off_auto_on_or_a_length():
    assert "enumerate" in physr.search_options()
    for bad in ("yes", "0", "31"):
        with pytest.raises(ValueError, match="enumerate"):
            physr.fit(np.ones((5, 1)), np.ones(5), enumerate=bad, epochs=1)
