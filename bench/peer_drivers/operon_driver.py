"""Operon (pyoperon's scikit-learn SymbolicRegressor) on one physr CSV, run for a time limit,
one JSON result line (bench/physr_bench/peers.py emit). Runs in the peers' virtual
environment, started by bench/peers.py:

    python operon_driver.py DATA.csv --time-limit 60 --seed 1 --threads 1 [--preset ...]

Configuration, after pyoperon's scikit-learn example (example/operon-sklearn.py): objectives
r2 and length, 10 Levenberg-Marquardt iterations on the constants of every offspring,
maximum length 50, btc initialisation, keep-best reinsertion, epsilon 1e-3, the rest
pyoperon's defaults (population 1000, tournament selection, model chosen by minimum
description length); the operators PhySO and physr are given (add, sub, mul, div, exp, log,
sin, cos, sqrt, square, constants, variables); `max_time` the time limit, with generations and
evaluations set high so that the time limit ends the run. Operon knows no units: --const and
--free-const are ignored (its constants are fitted numbers). The time the final model was
first seen is not observable through the scikit-learn interface.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from physr_bench import peers  # noqa: E402

SYMBOLS = "add,sub,mul,div,exp,log,sin,cos,sqrt,square,constant,variable"


def _version(package):
    from importlib import metadata
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def main():
    args = peers.driver_arguments(description="Operon on one physr CSV")
    import numpy as np
    from pyoperon.sklearn import SymbolicRegressor

    data = peers.read_dataset(args.data)
    names, target = data["names"], data["target"]
    X = np.array([data["columns"][n] for n in names]).T
    y = np.array(data["columns"][target])
    reg = SymbolicRegressor(
        allowed_symbols=SYMBOLS, objectives=["r2", "length"], optimizer="lm",
        optimizer_iterations=10, max_length=50, initialization_method="btc",
        offspring_generator="basic", reinserter="keep-best", epsilon=1e-3,
        symbolic_mode=False, generations=10**9, max_evaluations=10**12,
        max_time=max(1, int(round(args.time_limit))), n_threads=max(1, args.threads),
        random_state=args.seed)
    start = time.monotonic()
    reg.fit(X, y)
    seconds = time.monotonic() - start
    raw = reg.get_model_string(reg.model_, 17, names)
    peers.emit({"formula": peers.operon_to_sympy(raw), "raw": raw, "seconds": seconds,
                "final_seen_seconds": None, "stop": "time limit",
                "version": _version("pyoperon")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
