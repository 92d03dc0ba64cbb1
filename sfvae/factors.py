"""The four factors, their grids and ranges: the one home of these numbers.

- :data:`FACTORS`: f0 and the first three formants, in this order everywhere.
- :data:`PAPER_GRIDS`: the grids of the released factor datasets (METHOD section 2), kept
  so that the paper's path stays reproducible (``--grids paper``).
- :data:`HUMAN_RANGES`: the range of each factor over adult and child voices, which the
  product's datasets, control and editing cover (issue 11): f0 60-450 Hz (a low male voice
  x0.75 to a child's or a soprano's raised voice), F1 200-1100, F2 600-3000 (back vowels of
  men up to front vowels of children) and F3 1700-3800 Hz (a man's /r/-coloured vowel up to
  a child's /i/; Peterson & Barney 1952, Hillenbrand et al. 1995).
- :data:`HUMAN_GRIDS`: grids spanning :data:`HUMAN_RANGES`, the default (``--grids human``).
- :data:`EVALUATION_GRIDS`: the paper's evaluation targets (METHOD section 6).
"""

from __future__ import annotations

import numpy as np

from .errors import ArgumentError

__all__ = [
    "FACTORS", "FORMANTS", "PAPER_GRIDS", "HUMAN_RANGES", "HUMAN_GRIDS", "GRID_SETS", "DEFAULT_GRID_SET",
    "EVALUATION_GRIDS", "check_factor", "check_grid_set", "grid_values", "factor_grid",
]

FACTORS = ("f0", "f1", "f2", "f3")
FORMANTS = FACTORS[1:]   # the filter's factors; f0 is the source's

# (start, stop, step) in Hz, stop included: 201, 401, 181 and 241 values.
PAPER_GRIDS: dict[str, tuple[float, float, float]] = {
    "f0": (100.0, 300.0, 1.0),
    "f1": (200.0, 1000.0, 2.0),
    "f2": (1000.0, 2800.0, 10.0),
    "f3": (2000.0, 3200.0, 5.0),
}

HUMAN_RANGES: dict[str, tuple[float, float]] = {
    "f0": (60.0, 450.0),
    "f1": (200.0, 1100.0),
    "f2": (600.0, 3000.0),
    "f3": (1700.0, 3800.0),
}

# Steps about 1 % of the lowest value (f0: 3 % at 60 Hz, still 1/3 of a semitone): 196,
# 226, 241 and 211 values. Each voice of the human datasets sweeps its own part of these.
HUMAN_GRIDS: dict[str, tuple[float, float, float]] = {
    "f0": (*HUMAN_RANGES["f0"], 2.0),
    "f1": (*HUMAN_RANGES["f1"], 4.0),
    "f2": (*HUMAN_RANGES["f2"], 10.0),
    "f3": (*HUMAN_RANGES["f3"], 10.0),
}

GRID_SETS: dict[str, dict[str, tuple[float, float, float]]] = {
    "human": HUMAN_GRIDS,
    "paper": PAPER_GRIDS,
}
DEFAULT_GRID_SET = "human"

# The paper's evaluation grids (METHOD section 6): targets of the evaluation harness and of
# the acceptance check on synthesized vowels.
EVALUATION_GRIDS: dict[str, tuple[float, float, float]] = {
    "f0": (100.0, 300.0, 1.0),
    "f1": (300.0, 900.0, 10.0),
    "f2": (1100.0, 2700.0, 20.0),
    "f3": (2200.0, 3200.0, 20.0),
}


def check_factor(factor: str) -> str:
    """``factor`` if it is one of :data:`FACTORS`; ArgumentError naming them otherwise."""
    if factor not in FACTORS:
        raise ArgumentError(f"unknown factor {factor!r}; expected one of {', '.join(FACTORS)}")
    return factor


def check_grid_set(name: str) -> str:
    """``name`` if it names a grid set of :data:`GRID_SETS`; ArgumentError otherwise."""
    if name not in GRID_SETS:
        raise ArgumentError(f"unknown grid set {name!r}; expected one of {', '.join(GRID_SETS)}")
    return name


def grid_values(start: float, stop: float, step: float) -> np.ndarray:
    """start, start + step, ... up to stop included (within rounding)."""
    if not all(np.isfinite([start, stop, step])):
        raise ArgumentError(f"grid {start}:{stop}:{step} has non-finite values")
    if step <= 0:
        raise ArgumentError(f"grid step must be positive; got {step:g}")
    if stop < start:
        raise ArgumentError(f"grid end {stop:g} is below its start {start:g}")
    n = int(np.floor((stop - start) / step + 1e-9)) + 1
    return np.round(start + step * np.arange(n), 9)


def factor_grid(factor: str, grid_set: str = DEFAULT_GRID_SET, stride: int = 1) -> np.ndarray:
    """The grid of ``factor`` in ``grid_set``; every ``stride``-th value, both ends kept."""
    check_factor(factor)
    full = grid_values(*GRID_SETS[check_grid_set(grid_set)][factor])
    if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ArgumentError(f"grid stride must be a positive integer; got {stride!r}")
    return np.unique(np.r_[full[::stride], full[-1]])
