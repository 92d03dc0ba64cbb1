"""Issue 4's acceptance check on synthesized vowels, for any model, control and refinement.

    .venv/bin/python benchmarks/edit_accuracy.py [--model M --control C] [--variants paper defaults ...]

Runs :func:`sfvae.evaluate.acceptance.edit_accuracy` exactly as tests/test_edit.py does (two
base vowels, f0 at 4 and f1-f3 at 5 targets spread over the paper's evaluation grids, 0.6 s
vowels, Praat on the output) once per editing variant and prints its summary: mean |error|
of the edited factor, and for every other factor its mean |change| against Praat on the input
and on the target vowel synthesized directly. Variants (options of
sfvae.control.editor.edit_audio): see VARIANTS.
"""

from __future__ import annotations

import argparse
import time
import warnings

from sfvae.control.editor import load_model_and_control
from sfvae.evaluate.acceptance import edit_accuracy, format_summary

VARIANTS = {
    "paper": dict(refine=0, source="decoded"),
    "refine-decoded": dict(refine=3, source="decoded"),
    "refine-hnm": dict(refine=3, source="auto", renderer="hnm"),
    "defaults": dict(refine=3, source="auto"),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", help="model file (default: the shipped model)")
    p.add_argument("--control", help="control file (default: the shipped control)")
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS),
                   help="editing variants to compare (default: all)")
    args = p.parse_args()
    model, control = load_model_and_control(args.model, args.control)
    for name in args.variants:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = edit_accuracy(model, control, n_targets={"f0": 4, "f1": 5, "f2": 5, "f3": 5},
                                   duration=0.6, **VARIANTS[name])
        print(f"\n{name}: {VARIANTS[name]} ({time.perf_counter() - start:.0f} s)")
        print(format_summary(result["summary"]))


if __name__ == "__main__":
    main()
