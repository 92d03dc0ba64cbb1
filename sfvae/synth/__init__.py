"""Soundgen-style source-filter synthesizer and the labeled factor datasets D_0..D_3."""

from .soundgen import (
    DEFAULT_FORMANTS, N_FORMANTS, Voice, complete_formants, default_bandwidth, formant_gain,
    synthesize,
)

__all__ = [
    "DEFAULT_FORMANTS", "N_FORMANTS", "Voice", "complete_formants", "default_bandwidth",
    "formant_gain", "synthesize",
]
