"""Stopping a search from Python: KeyboardInterrupt (raised by the callback or delivered as
SIGINT) returns the best so far; a callback returning False stops; other errors propagate."""

import os
import signal

import numpy as np
import pytest

import physr
from conftest import QUICK

MANY = {**QUICK, "epochs": 100000}  # would run for hours if the stop did not work


def fit(newton, callback):
    X, F = newton
    noisy = F + np.random.default_rng(0).normal(0.0, 0.1, len(F))  # never a perfect fit
    return physr.fit(X, noisy, X_units=["kg", "m/s^2"], y_units="N", callback=callback,
                     **{**MANY, "perfect_nrmse": 0.0})


def test_keyboard_interrupt_in_callback_returns_best_so_far(newton):
    def callback(report):
        if report.epoch == 2:
            raise KeyboardInterrupt

    result = fit(newton, callback)
    assert result.stop_reason == "interrupted"
    assert result.epochs == 2
    assert result.best is not None and result.pareto


def test_sigint_stops_the_search(newton):
    if os.name != "posix":
        pytest.skip("needs POSIX signals")
    calls = []

    def callback(report):
        calls.append(report.epoch)
        if report.epoch == 1:
            os.kill(os.getpid(), signal.SIGINT)

    result = fit(newton, callback)
    assert result.stop_reason == "interrupted"
    assert result.epochs < MANY["epochs"]
    assert calls == list(range(1, result.epochs + 1))
    assert result.best is not None


def test_callback_returning_false_stops(newton):
    result = fit(newton, lambda report: report.epoch < 3)
    assert result.stop_reason == "interrupted"
    assert result.epochs == 3


def test_callback_error_propagates(newton):
    def callback(report):
        raise RuntimeError(f"stop at {report.epoch}")

    with pytest.raises(RuntimeError, match="stop at 1"):
        fit(newton, callback)


def test_callback_answer_without_truth_value_raises(newton):
    with pytest.raises(ValueError, match="truth value"):
        fit(newton, lambda report: np.ones(2))
