"""physr.fit reports formulas in canonical form (G*m1*m2/r^2, constants refitted), and as the
search wrote them with canonical=False; the result file records the choice."""

import json

import numpy as np

import physr


def newton(canonical, **extra):
    rng = np.random.default_rng(1)
    m1, m2, r = rng.uniform(1, 10, 200), rng.uniform(1, 10, 200), rng.uniform(1, 5, 200)
    return physr.fit({"m1": m1, "m2": m2, "r": r}, 6.674e-11 * m1 * m2 / r**2,
                     X_units={"m1": "kg", "m2": "kg", "r": "m"}, y_units="N", y_name="F",
                     free_consts={"G": "m^3/(kg*s^2)"}, epochs=30, seed=1, quiet=True,
                     threads=2, canonical=canonical, **extra)


def test_canonical_form_and_the_raw_one(tmp_path):
    canonical = newton(True)
    assert canonical.best.infix == "G*m1*m2/r^2"
    g = canonical.best.constants["G"]
    assert abs(g.value - 6.674e-11) <= 1e-24
    assert g.stderr >= 0.0
    raw = newton(False)
    # The same law in the shape the search found it, the same seed.
    assert raw.best.infix != canonical.best.infix
    assert raw.best.nrmse < 1e-9
    raw.save(tmp_path / "raw.json")
    assert json.loads((tmp_path / "raw.json").read_text())["options"]["canonical"] is False
    assert physr.load(tmp_path / "raw.json").best.infix == raw.best.infix
