# Type stubs of the private extension module physr._core (python/src/*.cpp).
from typing import Callable, Optional

import numpy as np

def parse_unit(text: str) -> str: ...
def unit_scale(text: str) -> float: ...
def unit_symbols() -> list[str]: ...
def default_operators() -> list[str]: ...
def _view_address(X: np.ndarray) -> int: ...

class Dataset:
    rows: int
    names: list[str]
    target_name: str
    units: list[str]
    target_unit: str
    scales: list[float]
    target_scale: float

def make_dataset(X: np.ndarray, y: np.ndarray, names: list[str], units: list[str],
                 target_name: str, target_unit: str,
                 weights: Optional[np.ndarray] = None) -> Dataset: ...

class SearchConfig:
    operators: list[str]
    default_free_constants: bool
    min_length: int
    max_length: int
    soft_length_loc: float
    soft_length_variance: float
    completion_length_weight: float
    units_prior: bool
    batch_size: int
    risk_epsilon: float
    hidden_size: int
    learning_rate: float
    entropy_weight: float
    entropy_gamma: float
    evolution_offspring: int
    evolution_generations: int
    fit_iterations: int
    fit_restarts: int
    cache_capacity: int
    max_epochs: int
    time_limit_seconds: float
    max_evaluations: int
    perfect_nrmse: float
    perfect_patience: int
    max_search_rows: int
    seed: int
    threads: int
    groups: str
    fixed_constants: list[tuple[str, float, str]]
    free_constants: list[tuple[str, str, float]]
    def validate(self) -> None: ...
    def apply_default_limit(self) -> None: ...
    def add_fixed_constant(self, name: str, value: float, unit: str = "1") -> None: ...
    def add_free_constant(self, name: str, unit: str = "1",
                          initial_value: float = 1.0) -> None: ...

class EpochReport:
    epoch: int
    evaluations: int
    seconds: float
    candidates_per_second: float
    valid_share: float
    best_reward: float
    best_nrmse: float
    best_infix: str

class Formula:
    complexity: float
    rmse: float
    nrmse: float
    r2: float
    unit: str
    tokens: list[str]
    free_constants: list[tuple[str, float, float, str]]
    fixed_constants: list[tuple[str, float, str]]
    def infix(self, values: bool = False, precision: int = 17) -> str: ...
    def sympy_text(self, values: bool = True, precision: int = 17) -> str: ...
    def latex(self, values: bool = True, precision: int = 6) -> str: ...
    def predict(self, X: np.ndarray) -> np.ndarray: ...

class SearchResult:
    epochs: int
    evaluations: int
    seconds: float
    stop_reason: str
    seed: int
    sampled: int
    dead_ends: int
    invalid: int
    bred: int
    exact_nrmse: float
    history: list[EpochReport]
    profile: dict[str, float]
    pareto: list[Formula]
    best: Optional[Formula]
    terminals: list[tuple[str, str, str]]

def run_search(data: Dataset, config: SearchConfig,
               on_epoch: Optional[Callable[[EpochReport], object]] = None) -> SearchResult: ...
