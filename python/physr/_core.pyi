"""
Private bindings of the physr engine; use the physr package (physr.fit, physr.PhysicalRegressor) instead.
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import typing
__all__: list[str] = ['Dataset', 'EpochReport', 'Formula', 'SearchConfig', 'SearchResult', 'data_fingerprint', 'default_operators', 'evaluate_formula', 'library_spec', 'make_dataset', 'no_input_advice', 'parse_unit', 'restore_result', 'run_class_search', 'run_search', 'unit_scale', 'unit_symbols']
class Dataset:
    """
    Inputs and target with their dimensions (owns a copy of the values).
    """
    @property
    def names(self) -> list[str]:
        ...
    @property
    def rows(self) -> int:
        ...
    @property
    def scales(self) -> list[float]:
        """
        Per column, the factor that converted its values to coherent SI.
        """
    @property
    def target_name(self) -> str:
        ...
    @property
    def target_scale(self) -> float:
        """
        The factor that converted the target's values to coherent SI.
        """
    @property
    def target_unit(self) -> str:
        ...
    @property
    def units(self) -> list[str]:
        ...
class EpochReport:
    """
    Progress after one epoch of a search.
    """
    def __repr__(self) -> str:
        ...
    @property
    def best_infix(self) -> str:
        ...
    @property
    def best_nrmse(self) -> float:
        ...
    @property
    def best_reward(self) -> float:
        ...
    @property
    def candidates_per_second(self) -> float:
        ...
    @property
    def epoch(self) -> int:
        ...
    @property
    def evaluations(self) -> int:
        ...
    @property
    def seconds(self) -> float:
        ...
    @property
    def valid_share(self) -> float:
        ...
class Formula:
    """
    One formula of a search result.
    """
    def infix(self, values: bool = False, precision: typing.SupportsInt | typing.SupportsIndex = 17) -> str:
        ...
    def latex(self, values: bool = True, precision: typing.SupportsInt | typing.SupportsIndex = 17) -> str:
        ...
    def predict(self, X: numpy.typing.NDArray[numpy.float64]) -> numpy.typing.NDArray[numpy.float64]:
        """
        Values of the formula on X (Fortran-ordered float64, one column per input of the search, read in place). Non-finite values are returned as they are.
        """
    def sympy_text(self, values: bool = True, precision: typing.SupportsInt | typing.SupportsIndex = 17) -> str:
        ...
    @property
    def complexity(self) -> float:
        ...
    @property
    def fixed_constants(self) -> list[tuple[str, float, str]]:
        """
        (name, value, unit) of each fixed constant used.
        """
    @property
    def free_constants(self) -> list[tuple[str, float, float, str]]:
        """
        (name, value, standard error, unit) of each free constant used.
        """
    @property
    def from_groups(self) -> bool:
        """
        Whether it was written back from the search over dimensionless groups.
        """
    @property
    def nrmse(self) -> float:
        ...
    @property
    def r2(self) -> float:
        ...
    @property
    def rmse(self) -> float:
        ...
    @property
    def tokens(self) -> list[str]:
        ...
    @property
    def unit(self) -> str:
        ...
class SearchConfig:
    """
    Options of one search (see physr/search/config.hpp).
    """
    canonical: bool
    checkpoint_dir: str
    default_free_constants: bool
    resume_dir: str
    search_stability: bool
    units_prior: bool
    def __init__(self) -> None:
        ...
    def add_fixed_constant(self, name: str, value: typing.SupportsFloat | typing.SupportsIndex, unit: str = '1') -> None:
        ...
    def add_free_constant(self, name: str, unit: str = '1', initial_value: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> None:
        ...
    def apply_default_checkpoint_schedule(self) -> None:
        """
        A resumed run saves where it resumed from unless checkpoint_dir says otherwise; a checkpoint_dir without a schedule is saved on the default schedule (as `physr fit`).
        """
    def apply_default_limit(self) -> None:
        """
        Sets max_epochs to the default limit when no epoch, time or evaluation limit is set.
        """
    def validate(self) -> None:
        """
        Raises ValueError naming the first bad option.
        """
    @property
    def batch_size(self) -> int:
        ...
    @batch_size.setter
    def batch_size(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def cache_capacity(self) -> int:
        ...
    @cache_capacity.setter
    def cache_capacity(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def checkpoint_every(self) -> int:
        ...
    @checkpoint_every.setter
    def checkpoint_every(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def checkpoint_seconds(self) -> float:
        ...
    @checkpoint_seconds.setter
    def checkpoint_seconds(self, arg1: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def completion_length_weight(self) -> float:
        ...
    @completion_length_weight.setter
    def completion_length_weight(self, arg1: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def complexity(self) -> dict[str, float]:
        ...
    @complexity.setter
    def complexity(self, arg1: collections.abc.Mapping[str, typing.SupportsFloat | typing.SupportsIndex]) -> None:
        ...
    @property
    def definitions(self) -> list[str]:
        ...
    @definitions.setter
    def definitions(self, arg1: collections.abc.Sequence[str]) -> None:
        ...
    @property
    def entropy_gamma(self) -> float:
        ...
    @entropy_gamma.setter
    def entropy_gamma(self, arg1: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def entropy_weight(self) -> float:
        ...
    @entropy_weight.setter
    def entropy_weight(self, arg1: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def enumerate(self) -> str:
        """
        Exhaustive enumeration of short formulas first: 'off', 'auto', 'on' or a length (see physr/search/enumerate.hpp).
        """
    @enumerate.setter
    def enumerate(self, arg1: str) -> None:
        ...
    @property
    def evolution_generations(self) -> int:
        ...
    @evolution_generations.setter
    def evolution_generations(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def evolution_offspring(self) -> int:
        ...
    @evolution_offspring.setter
    def evolution_offspring(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def features(self) -> str:
        """
        Features for the search over the data as given: 'off', 'on' or 'auto' (on; off over several datasets); see physr/search/features.hpp.
        """
    @features.setter
    def features(self, arg1: str) -> None:
        ...
    @property
    def fit_iterations(self) -> int:
        ...
    @fit_iterations.setter
    def fit_iterations(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def fit_restarts(self) -> int:
        ...
    @fit_restarts.setter
    def fit_restarts(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def fixed_constants(self) -> list[tuple[str, float, str]]:
        ...
    @property
    def free_constants(self) -> list[tuple[str, str, float]]:
        ...
    @property
    def groups(self) -> str:
        """
        Dimensionless groups: 'off', 'on' (search over the groups only) or 'auto' (when they apply, half the budget over the groups and the rest over the data as given, the best chosen on the merged front; see physr/search/config.hpp).
        """
    @groups.setter
    def groups(self, arg1: str) -> None:
        ...
    @property
    def hidden_size(self) -> int:
        ...
    @hidden_size.setter
    def hidden_size(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def learning_rate(self) -> float:
        ...
    @learning_rate.setter
    def learning_rate(self, arg1: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def max_epochs(self) -> int:
        ...
    @max_epochs.setter
    def max_epochs(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def max_evaluations(self) -> int:
        ...
    @max_evaluations.setter
    def max_evaluations(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def max_length(self) -> int:
        ...
    @max_length.setter
    def max_length(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def max_search_rows(self) -> int:
        ...
    @max_search_rows.setter
    def max_search_rows(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def memory(self) -> int:
        ...
    @memory.setter
    def memory(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def min_length(self) -> int:
        ...
    @min_length.setter
    def min_length(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def operators(self) -> list[str]:
        ...
    @operators.setter
    def operators(self, arg1: collections.abc.Sequence[str]) -> None:
        ...
    @property
    def perfect_nrmse(self) -> float | None:
        ...
    @perfect_nrmse.setter
    def perfect_nrmse(self, arg1: typing.SupportsFloat | typing.SupportsIndex | None) -> None:
        ...
    @property
    def perfect_patience(self) -> int | None:
        ...
    @perfect_patience.setter
    def perfect_patience(self, arg1: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def race_advance(self) -> float:
        ...
    @race_advance.setter
    def race_advance(self, arg1: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def race_iterations(self) -> int:
        ...
    @race_iterations.setter
    def race_iterations(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def race_rows(self) -> int:
        ...
    @race_rows.setter
    def race_rows(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def restart_after(self) -> int:
        ...
    @restart_after.setter
    def restart_after(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def risk_epsilon(self) -> float:
        ...
    @risk_epsilon.setter
    def risk_epsilon(self, arg1: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def screen(self) -> str:
        """
        Screening of the inputs: a number K of columns to keep, 'auto' or 'off' (see physr/search/screening.hpp).
        """
    @screen.setter
    def screen(self, arg1: typing.Any) -> None:
        ...
    @property
    def seed(self) -> int:
        ...
    @seed.setter
    def seed(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def soft_length_loc(self) -> float:
        ...
    @soft_length_loc.setter
    def soft_length_loc(self, arg1: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def soft_length_variance(self) -> float:
        ...
    @soft_length_variance.setter
    def soft_length_variance(self, arg1: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def symmetry(self) -> str:
        """
        Symmetric inputs for the search over the groups: 'off', 'on' or 'auto' (with at most 5 inputs): a pair through whose difference, product or quotient alone the target depends is merged into one input first; see physr/search/symmetry.hpp.
        """
    @symmetry.setter
    def symmetry(self, arg1: str) -> None:
        ...
    @property
    def threads(self) -> int:
        ...
    @threads.setter
    def threads(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def time_limit_seconds(self) -> float:
        ...
    @time_limit_seconds.setter
    def time_limit_seconds(self, arg1: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class SearchResult:
    """
    What a search found.
    """
    @property
    def best(self) -> physr._core.Formula | None:
        ...
    @property
    def bred(self) -> int:
        ...
    @property
    def dead_ends(self) -> int:
        ...
    @property
    def definitions(self) -> list[tuple[str, list[str], str, str]]:
        ...
    @property
    def epochs(self) -> int:
        ...
    @property
    def evaluations(self) -> int:
        ...
    @property
    def exact_nrmse(self) -> float:
        ...
    @property
    def features(self) -> list[str]:
        """
        The features (sums and differences of squares of inputs sharing a unit) the search over the data as given had as inputs, as formulas; empty when none were used (features='off', or no two inputs share a unit).
        """
    @property
    def groups_portfolio(self) -> bool:
        """
        Whether groups='auto' searched both over the groups and over the data as given and merged their fronts (each formula's from_groups says which).
        """
    @property
    def history(self) -> list[EpochReport]:
        """
        One EpochReport per epoch.
        """
    @property
    def invalid(self) -> int:
        ...
    @property
    def pareto(self) -> list[Formula]:
        ...
    @property
    def profile(self) -> dict:
        """
        Wall seconds per phase of this process's part of the run (sample_priors, sample_policy, fit, train, breed, enumerate, simplify, finalise, other), their sum (seconds), the constant fits run (fitted) and, of those, the refits on all search rows of programs that won their race (advanced).
        """
    @property
    def sampled(self) -> int:
        ...
    @property
    def screening(self) -> typing.Any:
        """
        The columns screening kept, best first, with their scores: {'columns': N, 'kept': [{'name', 'score'}, ...]}; None when every column was searched.
        """
    @property
    def seconds(self) -> float:
        ...
    @property
    def seed(self) -> int:
        ...
    @property
    def stop_reason(self) -> str:
        ...
    @property
    def terminals(self) -> list[tuple[str, str, str]]:
        ...
def _view_address(X: numpy.typing.NDArray[numpy.float64]) -> int:
    """
    Address of the first value the evaluator reads for X (tests check it is X's own buffer: no copy).
    """
def data_fingerprint(data: Dataset) -> str:
    """
    The data's fingerprint as 16 hex digits (as the result file has it).
    """
def default_operators() -> list[str]:
    """
    The operators a search uses when none are named.
    """
def evaluate_formula(data: Dataset, formula: str, constants: SearchConfig, fit: bool = False, inverse_variance_weights: bool = False) -> tuple[SearchResult, numpy.typing.NDArray[numpy.float64], list[str]]:
    """
    Checks a formula against data as `physr eval` does: parse over the columns and the constants of `constants` (a SearchConfig), unit check against the target, fit of the free constants with `fit`, evaluation. Returns (result, values, warnings): the formula as the best of a SearchResult, its values in coherent SI, and the fit's warnings. ValueError for a bad or dimensionally wrong formula, free constants without fit, or non-finite values.
    """
def library_spec(result: SearchResult) -> tuple[list[str], list[tuple[str, str, float]], list[tuple[str, str, float]], list[str], dict[str, float]]:
    """
    (operators, fixed constants (name, unit, value), free constants (name, unit, start), definitions, {operator: complexity}) of a result's library.
    """
def make_dataset(X: numpy.typing.NDArray[numpy.float64], y: numpy.typing.NDArray[numpy.float64], names: collections.abc.Sequence[str], units: collections.abc.Sequence[str], target_name: str, target_unit: str, weights: numpy.typing.NDArray[numpy.float64] | None = None) -> Dataset:
    """
    Builds a Dataset. X: Fortran-ordered float64 (rows x columns), copied once into the Dataset; y and weights: contiguous float64 vectors. ValueError for bad units or shapes.
    """
def no_input_advice(result: SearchResult, units_rules: bool) -> str | None:
    """
    When the unit rules held and the best formula uses none of the inputs while one has units: the advice to declare a constant of its units or search without units; else None.
    """
def parse_unit(text: str) -> str:
    """
    Canonical SI text of a unit string ('J' -> 'kg*m^2/s^2', 'km/h' -> 'm/s'); ValueError if it is not a unit.
    """
def restore_result(inputs: collections.abc.Sequence[tuple[str, str]], operators: collections.abc.Sequence[str], fixed: collections.abc.Sequence[tuple[str, str, typing.SupportsFloat | typing.SupportsIndex]], free: collections.abc.Sequence[tuple[str, str, typing.SupportsFloat | typing.SupportsIndex]], formulas: collections.abc.Sequence[tuple[str, collections.abc.Mapping[str, typing.SupportsFloat | typing.SupportsIndex], collections.abc.Mapping[str, typing.SupportsFloat | typing.SupportsIndex], tuple[typing.SupportsFloat | typing.SupportsIndex, typing.SupportsFloat | typing.SupportsIndex, typing.SupportsFloat | typing.SupportsIndex]]], selected: typing.SupportsInt | typing.SupportsIndex, counters: dict, definitions: collections.abc.Sequence[str] = [], complexity: collections.abc.Mapping[str, typing.SupportsFloat | typing.SupportsIndex] = {}) -> SearchResult:
    """
    A SearchResult rebuilt from the parts of a result file: inputs (name, SI unit), operator names, fixed (name, unit, value) and free (name, unit, start) constants, formulas (expression, {name: value}, {name: stderr}, (rmse, nrmse, r2)), the selected index (-1: none), the counters, the defined operators and the operators' complexities.
    """
def run_class_search(datasets: collections.abc.Sequence[Dataset], names: collections.abc.Sequence[str], config: SearchConfig, specific: SearchConfig, max_rows: typing.SupportsInt | typing.SupportsIndex | None = None) -> tuple:
    """
    Runs a search over several datasets with the GIL released. `specific` is a SearchConfig whose free constants are the specific ones (one value per dataset); `max_rows` the rows it searches on in all (None: the class default); returns the SearchResult and a dict of the class fits (datasets, specific, best, pareto).
    """
def run_search(data: Dataset, config: SearchConfig, on_epoch: typing.Any = None) -> SearchResult:
    """
    Runs a search with the GIL released. on_epoch(report) is called after every epoch; returning False stops the search. KeyboardInterrupt (Ctrl-C, or raised by on_epoch) stops it and returns the best so far with stop_reason 'interrupted'.
    """
def unit_scale(text: str) -> float:
    """
    Factor from a unit to coherent SI ('km/h' -> 1/3.6, 'J' -> 1.0); ValueError if it is not a unit.
    """
def unit_symbols() -> list[str]:
    """
    The unit symbols parse_unit knows without prefixes (SI base and named derived units, then common units outside the SI such as g, eV, L, min).
    """
