"""Soundgen-style source-filter synthesizer and the labeled factor datasets D_0..D_3.

- :func:`synthesize` (and :class:`SourceSettings`): one vowel, f0 and formants constant or trajectories.
- :func:`factor_dataset`: one dataset D_<factor> in memory; :func:`write_factor_datasets` /
  :func:`load_factor_dataset`: the same on disk with ``manifest.csv``.
"""

from .factors import (
    CHILD,
    FEMALE,
    LOW_MALE,
    MALE,
    Context,
    FactorDataset,
    Speaker,
    default_contexts,
    factor_dataset,
    grid_values,
    load_factor_dataset,
    parse_grid,
    write_factor_datasets,
)
from .soundgen import (
    DEFAULT_FORMANTS,
    N_FORMANTS,
    SourceSettings,
    complete_formants,
    default_bandwidth,
    formant_gain,
    synthesize,
)

__all__ = [
    "DEFAULT_FORMANTS", "N_FORMANTS", "SourceSettings", "complete_formants", "default_bandwidth",
    "formant_gain", "synthesize",
    "CHILD", "FEMALE", "LOW_MALE", "MALE", "Context", "FactorDataset", "Speaker",
    "default_contexts", "factor_dataset", "grid_values", "load_factor_dataset", "parse_grid",
    "write_factor_datasets",
]
