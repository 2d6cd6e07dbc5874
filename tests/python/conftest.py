"""Shared data and settings of the Python tests: small seeded datasets and search options
that keep every search short (a few small epochs)."""

import os
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def physr_tool() -> str:
    """The physr command-line tool: $PHYSR_CLI (scripts/test sets it), else build/src/cli/physr
    of this checkout; the test is skipped when it is not built."""
    path = pathlib.Path(os.environ.get("PHYSR_CLI", ROOT / "build" / "src" / "cli" / "physr"))
    if not path.is_file():
        pytest.skip(f"the physr tool is not built ({path}); set PHYSR_CLI")
    return str(path)

# Small batches and few epochs: each search takes a fraction of a second to a few seconds.
QUICK = dict(batch_size=200, epochs=4, threads=2, seed=1)


@pytest.fixture
def newton():
    """F = m*a with m in kg, a in m/s^2, F in N, as an F-ordered array and a target."""
    rng = np.random.default_rng(7)
    m = rng.uniform(1.0, 10.0, 60)
    a = rng.uniform(1.0, 10.0, 60)
    X = np.asfortranarray(np.column_stack([m, a]))
    return X, m * a


@pytest.fixture
def speed_file(tmp_path):
    """A CSV of v = x/t with x in km and t in min (noisy, so the front has several formulas)."""
    rng = np.random.default_rng(3)
    x = rng.uniform(1.0, 9.0, 50)
    t = rng.uniform(1.0, 9.0, 50)
    v = (x * 1000.0) / (t * 60.0) * (1.0 + 0.01 * np.sin(np.arange(50)))
    path = tmp_path / "speed.csv"
    with open(path, "w") as f:
        f.write("x[km],t[min],v[m/s]\n")
        for row in zip(x, t, v):
            f.write(",".join(repr(float(c)) for c in row) + "\n")
    return path, np.column_stack([x, t]), v
