"""PhySO on one physr CSV: `physo.SR` with the units of the CSV, run for a time limit, one
JSON result line (bench/physr_bench/peers.py emit). Runs in the peers' virtual environment,
started by bench/peers.py:

    python physo_driver.py DATA.csv --time-limit 60 --seed 1 --threads 1 \
        [--free-const m[kg] ...] [--const c[m/s]=299792458 ...] [--preset bundled|feynman]

Configuration, as PhySO's documentation recommends: the hyperparameter preset named by
$PHYSO_CONFIG, default `config0`, physo.SR's default and the README demo's (batches of 1,000
programs; `config1`, "tuned on a few physical cases" and the README's starting point for
science, samples 10,000 per epoch, too many for a budget of a minute on one thread), the
units of every column and constant, the fixed constant 1, the README's operator list, data scaled near 1 (the README:
free constants start near 1, so normalising the data is strongly recommended), the scale
undone in the formula printed. Feynman problems get PhySO's own Feynman-benchmark constants:
two dimensionless free constants and the fixed 1. Serial mode (parallel_mode=False) and
torch.set_num_threads(--threads). PhySO has no time limit: a timer interrupts the search when
it is up (and every half second after, as PhySO's bare `except:` blocks may swallow one), and
the best program of the epochs that finished is the result (none when not one epoch
finished). The run logger records when the final best program was first seen.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from physr_bench import peers  # noqa: E402

OPS = ["mul", "add", "sub", "div", "inv", "n2", "sqrt", "neg", "exp", "log", "sin", "cos"]


class TimeUp(BaseException):
    """Raised by a timer when the time limit is up, wherever PhySO is (a BaseException, so
    that PhySO's own `except Exception` blocks do not take it)."""


class QuietVisualiser:
    """physo.SR's visualiser hooks, doing nothing (no plots, no files)."""

    def visualise(self, run_logger, batch):  # noqa: ARG002
        pass

    def save_visualisation(self):
        pass

    save_data = save_pareto_data = save_pareto_fig = save_visualisation


def program_sympy(program, names):
    """SymPy expression of a PhySO program with its fitted constants as numbers. PhySO
    evaluates log and sqrt of |x|: where the argument is a negative number, so is it here (as
    SRBench does), instead of the I*pi that SymPy would make of log(-0.5)."""
    import sympy
    from sympy.parsing.sympy_parser import parse_expr

    def plog(x):
        return sympy.log(sympy.Abs(x) if x.is_number and x.is_extended_negative else x)

    def psqrt(x):
        return sympy.sqrt(sympy.Abs(x) if x.is_number and x.is_extended_negative else x)

    local = {n: sympy.Symbol(n) for n in names}
    local.update({k: sympy.Float(v, 17) for k, v in program.get_sympy_local_dicts()[0].items()})
    local.update(log=plog, sqrt=psqrt)
    return parse_expr(program.get_infix_str(), local_dict=local)


def main():
    config = os.environ.get("PHYSO_CONFIG", "config0")
    args = peers.driver_arguments(description="PhySO on one physr CSV")
    import numpy as np
    import torch
    import physo
    from physo.learn.monitoring import RunLogger

    torch.set_num_threads(max(1, args.threads))
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    data = peers.read_dataset(args.data)
    names, target = data["names"], data["target"]
    scales = {n: peers.power_of_ten_scale(data["columns"][n]) for n in names}
    y_scale = peers.power_of_ten_scale(data["columns"][target])
    X = np.array([np.array(data["columns"][n]) / scales[n] for n in names])
    y = np.array(data["columns"][target]) / y_scale

    fixed, fixed_units = [1.0], [[0.0] * len(peers.BASE_UNITS)]
    for name, unit, value in args.const:
        vec = peers.unit_vector(unit)
        # A given constant shares the scale of a column of its unit, so v/c keeps its value.
        same = [n for n in names if peers.unit_vector(data["units"][n]) == vec]
        fixed.append(value / (scales[same[0]] if same else 1.0))
        fixed_units.append(vec)
    if args.preset == "feynman":
        free_names, free_units = ["c1", "c2"], [[0.0] * len(peers.BASE_UNITS)] * 2
    else:
        free_names = [n for n, _ in args.free_const]
        free_units = [peers.unit_vector(u) for _, u in args.free_const]

    start = time.monotonic()
    seen = {"count": 0, "at": None}

    class TimedLogger(RunLogger):
        def log(self, *a, **k):
            super().log(*a, **k)
            if len(self.hall_of_fame) != seen["count"]:
                seen["count"], seen["at"] = len(self.hall_of_fame), time.monotonic() - start

    holder = {}

    def get_logger():
        holder["logger"] = TimedLogger(save_path=None, do_save=False)
        return holder["logger"]

    def time_up(signum, frame):  # noqa: ARG001
        raise TimeUp()

    signal.signal(signal.SIGALRM, time_up)
    # PhySO has bare `except:` blocks that can swallow one TimeUp: raise it again every half
    # second until it reaches this function.
    signal.setitimer(signal.ITIMER_REAL, args.time_limit, 0.5)
    stop = "finished"
    try:
        physo.SR(X, y, X_names=names, X_units=[peers.unit_vector(data["units"][n]) for n in names],
                 y_name=target, y_units=peers.unit_vector(data["units"][target]),
                 fixed_consts=fixed, fixed_consts_units=fixed_units,
                 free_consts_names=free_names or None, free_consts_units=free_units or None,
                 op_names=OPS, run_config=getattr(physo.config, config).__dict__[config],
                 get_run_logger=get_logger, get_run_visualiser=QuietVisualiser,
                 parallel_mode=False, n_cpus=max(1, args.threads), epochs=int(1e9))
    except TimeUp:
        signal.setitimer(signal.ITIMER_REAL, 0)
        stop = "time limit"
    signal.setitimer(signal.ITIMER_REAL, 0)
    seconds = time.monotonic() - start
    logger = holder.get("logger")
    if logger is None or not logger.hall_of_fame:
        peers.emit({"formula": "", "seconds": seconds, "final_seen_seconds": None,
                    "stop": stop, "error": "no program evaluated"})
        return 1
    best = logger.best_prog
    formula = peers.unscale(str(program_sympy(best, names)), names, scales, y_scale)
    peers.emit({"formula": formula, "raw": best.get_infix_str(), "seconds": seconds,
                "final_seen_seconds": seen["at"], "stop": stop, "epochs": logger.epoch,
                "reward": float(np.max(logger.overall_max_R_history)),
                "version": getattr(physo, "__version__", ""), "config": config})
    return 0


if __name__ == "__main__":
    sys.exit(main())
