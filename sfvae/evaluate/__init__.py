"""Evaluation harness: the paper's protocol for sfvae and the baselines (``sfvae evaluate``).

- :mod:`.data`: inputs (Peterson & Barney vowels, held-out speech, a folder) with labels.
- :mod:`.metrics`: Praat measurements, relative errors, DNSMOS and NISQA-TTS scorers.
- :mod:`.harness`: :func:`evaluate` runs every method on every input and target.
- :mod:`.report`: summary.json, table.md and plots from results.csv.
"""

from .harness import EvalConfig, evaluate

__all__ = ["EvalConfig", "evaluate"]
