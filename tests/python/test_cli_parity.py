"""Python on par with the command line: every flag of `physr fit --help` has its Python
argument (or search option), and physr.evaluate reports what `physr eval` reports. The tool
is found through PHYSR_CLI (scripts/test sets it), else in build/src/cli/physr."""

import inspect
import json
import os
import pathlib
import re
import subprocess

import numpy as np
import pytest

import physr
from conftest import physr_tool

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Flags that make no sense in Python, each with its reason.
CLI_ONLY = {
    "--help": "CLI11's help",
    "--json": "physr.fit returns the result as objects",
    "--ignore": "CSV reading: select the columns of the DataFrame instead",
    "--delimiter": "CSV reading",
    "--drop-nonfinite": "CSV reading: drop the rows in pandas or numpy",
    "--class-const": "a search over several datasets: physr.fit_class",
    "--spe-const": "a search over several datasets: physr.fit_class",
    "--group": "a search over several datasets: physr.fit_class",
    "--mpi-timeout": "MPI ranks: only the tool runs one search across them",
}

# Flags whose Python name is not the flag's own with '-' as '_'.
RENAMED = {
    "--target": "y_name",
    "--ops": "ops",
    "--const": "fixed_consts",
    "--free-const": "free_consts",
    "--no-default-consts": "default_free_consts",
    "--units": "X_units",
    "--weights": "sample_weight",
    "--batch": "batch_size",
    "--max-evals": "max_evals",
    "--search-rows": "max_search_rows",
    "--no-units-prior": "units_prior",
    "--no-canonical": "canonical",
    "--soft-length": "soft_length_loc",
    "--occam": "completion_length_weight",
    "--evolve": "evolution_offspring",
    "--generations": "evolution_generations",
    "--exact-nrmse": "perfect_nrmse",
    "--patience": "perfect_patience",
}


# Flags that are not search options, so not in the result file's "options": the data and how
# it is read, the library (the file's "library"), where results and checkpoints go, and how
# the run is spread (threads and ranks give the same result).
NOT_OPTIONS = {"--help", "--target", "--ops", "--complexity", "--define", "--const",
               "--free-const", "--class-const", "--spe-const", "--group", "--no-default-consts",
               "--units", "--ignore", "--delimiter", "--drop-nonfinite", "--json", "--threads",
               "--mpi-timeout", "--checkpoint", "--checkpoint-every", "--checkpoint-seconds",
               "--resume", "--quiet"}

# Option names in the result file that are not the flag's own with '-' as '_'.
OPTION_KEYS = {"--no-units-prior": "units_prior", "--no-canonical": "canonical"}


def cli():
    return physr_tool()


def fit_flags():
    text = subprocess.run([cli(), "fit", "--help"], capture_output=True, text=True,
                          check=True).stdout
    return {match for match in re.findall(r"^\s+(?:-\w,\s*)?(--[a-z][a-z0-9-]*)", text, re.M)}


def test_every_fit_flag_reaches_python():
    flags = fit_flags()
    assert "--epochs" in flags and "--risk-epsilon" in flags and "--checkpoint" in flags
    python_names = set(inspect.signature(physr.fit).parameters) | set(physr.search_options())
    missing = {flag: RENAMED.get(flag, flag[2:].replace("-", "_"))
               for flag in flags - set(CLI_ONLY)}
    missing = {flag: name for flag, name in missing.items() if name not in python_names}
    assert missing == {}, f"physr fit flags without a Python argument: {missing}"
    # The lists themselves stay true: each names a real flag.
    assert set(CLI_ONLY) - {"--help"} <= flags and set(RENAMED) <= flags


def test_the_result_file_records_every_search_option(tmp_path):
    flags = fit_flags()
    assert NOT_OPTIONS - {"--help"} <= flags
    data = ROOT / "datasets" / "mechanical_energy.csv"
    out = tmp_path / "run.json"
    subprocess.run([cli(), "fit", str(data), "--free-const", "m[kg]", "--free-const", "g[m/s^2]",
                    "--epochs", "1", "--batch", "50", "--json", str(out), "--quiet"],
                   capture_output=True, check=True)
    options = json.loads(out.read_text())["options"]
    keys = {flag: OPTION_KEYS.get(flag, flag[2:].replace("-", "_")) for flag in flags - NOT_OPTIONS}
    missing = {flag: key for flag, key in keys.items() if key not in options}
    assert missing == {}, f"physr fit flags the result file does not record: {missing}"
    assert options["race_rows"] == 256 and options["groups"] == "auto"


def test_evaluate_reports_what_eval_reports():
    data = ROOT / "datasets" / "mechanical_energy.csv"
    out = subprocess.run([cli(), "eval", str(data), "--formula", "m*g*z + m*v^2",
                          "--free-const", "m[kg]", "--free-const", "g[m/s^2]", "--fit",
                          "--json", "-"], capture_output=True, text=True, check=True).stdout
    expected = json.loads(out)
    table = np.loadtxt(data, delimiter=",", skiprows=1)
    result = physr.evaluate("m*g*z + m*v^2", table[:, :2], table[:, 2], X_names=["z", "v"], X_units=["m", "m/s"], y_name="E",
                            y_units="kg*m^2/s^2", free_consts={"m": "kg", "g": "m/s^2"},
                            fit=True)
    assert result.formula.infix_values == expected["infix"]
    assert result.complexity == expected["complexity"] and result.unit == expected["units"]
    for name in ("m", "g"):
        assert result.constants[name].value == expected["constants"][name]["value"]
        assert result.constants[name].stderr == pytest.approx(
            expected["constants"][name]["stderr"], rel=1e-9)
    assert result.r2 == pytest.approx(expected["r2"])
    assert result.rmse == pytest.approx(expected["rmse"], rel=1e-9, abs=1e-12)
