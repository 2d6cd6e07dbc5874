"""Checkpoint and resume from Python, as `physr fit --checkpoint/--resume`: a run stopped
after some epochs and resumed ends where an uninterrupted run with the same seed ends."""

import numpy as np
import pytest

import physr

OPTIONS = dict(batch_size=100, threads=2, seed=5, max_length=12)


@pytest.fixture
def noisy():
    """y = x0*x1 + noise: no formula fits it exactly, so no run stops early on a perfect fit."""
    rng = np.random.default_rng(11)
    X = rng.uniform(1.0, 3.0, (50, 2))
    return X, X[:, 0] * X[:, 1] + rng.normal(0.0, 0.05, 50)


def summary(result):
    return (result.epochs, result.evaluations, [f.infix_values for f in result.pareto])


def test_resumed_run_matches_an_uninterrupted_one(noisy, tmp_path):
    X, y = noisy
    whole = physr.fit(X, y, epochs=6, **OPTIONS)
    first = physr.fit(X, y, epochs=3, checkpoint=tmp_path, **OPTIONS)
    assert first.epochs == 3 and (tmp_path / "search.ckpt").is_file()
    resumed = physr.fit(X, y, epochs=6, resume=tmp_path, **OPTIONS)
    assert summary(resumed) == summary(whole)
    # It kept saving where it resumed from: resuming again continues after epoch 6.
    again = physr.fit(X, y, epochs=7, resume=str(tmp_path), **OPTIONS)
    assert again.epochs == 7


def test_checkpoint_schedule_options(noisy, tmp_path):
    X, y = noisy
    physr.fit(X, y, epochs=2, checkpoint=tmp_path / "every", checkpoint_every=1, **OPTIONS)
    assert (tmp_path / "every" / "search.ckpt").is_file()
    config = physr._api.make_config(checkpoint=tmp_path, epochs=1)
    assert config.checkpoint_dir == str(tmp_path) and config.checkpoint_seconds == 60.0
    config = physr._api.make_config(resume=tmp_path, epochs=1, checkpoint_every=2)
    assert config.checkpoint_dir == str(tmp_path) and config.checkpoint_seconds == 0.0


def test_resume_refuses_another_run(noisy, tmp_path):
    X, y = noisy
    physr.fit(X, y, epochs=2, checkpoint=tmp_path, **OPTIONS)
    with pytest.raises(ValueError):
        physr.fit(X, y, epochs=4, resume=tmp_path, **{**OPTIONS, "seed": 6})
    with pytest.raises(ValueError):
        physr.fit(X, y, epochs=4, resume=tmp_path / "missing", **OPTIONS)
