"""Evaluation harness: the paper's protocol for sfvae and the baselines (``sfvae evaluate``).

- :mod:`.data`: inputs (Peterson & Barney vowels, held-out speech, a folder) with labels.
- :mod:`.metrics`: Praat measurements, relative errors, DNSMOS and NISQA-TTS scorers.
- :mod:`.harness`: :func:`evaluate` runs every method on every input and target.
- :mod:`.report`: summary.json, table.md and plots from results.csv.
- :mod:`.acceptance`: the acceptance check (edit accuracy on synthesized vowels against
  Praat's measurement of the target vowel itself; tests/test_edit.py).
"""

from .harness import EvalConfig, evaluate

__all__ = ["EvalConfig", "evaluate"]
