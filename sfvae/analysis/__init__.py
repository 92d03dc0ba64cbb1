"""Analysis of learned latent subspaces: disentanglement numbers, figures and a report."""

from .report import (
    FactorPoints,
    analyze,
    dot_matrix,
    encode_factor_datasets,
    from_control,
    from_subspace_dir,
    leakage,
    max_abs_dots,
    principal_cosines,
    regression_quality,
    side_by_side,
    summarize,
    write_report,
)

__all__ = [
    "FactorPoints", "analyze", "dot_matrix", "encode_factor_datasets",
    "from_control", "from_subspace_dir", "leakage", "max_abs_dots", "principal_cosines",
    "regression_quality", "side_by_side", "summarize", "write_report",
]
