"""Cost of sfvae's editing options on the 10 s of benchmarks/edit_speed.py.

    .venv/bin/python benchmarks/edit_speed_options.py

An f0 edit (150 Hz) and an F2 edit (1800 Hz) of sfvae/data/demo_speech.wav tiled to 10 s,
shipped model and control, torch on 2 threads; one warm-up call, then the best of 5.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from sfvae import audio as audio_io
from sfvae.control.editor import load_model_and_control
from sfvae.demo import example_path
from sfvae.editing import EditRequest, edit

CASES = [
    ("f0 150 Hz", EditRequest(f0=150.0), dict(refine=0, source="decoded")),
    ("f0 150 Hz", EditRequest(f0=150.0), dict(refine=0, renderer="world")),
    ("f0 150 Hz", EditRequest(f0=150.0), dict(refine=0, renderer="hnm")),
    ("f0 150 Hz", EditRequest(f0=150.0), dict(renderer="hnm")),
    ("f0 150 Hz", EditRequest(f0=150.0), dict()),
    ("F2 1800 Hz", EditRequest(f2=1800.0), dict(refine=0)),
    ("F2 1800 Hz", EditRequest(f2=1800.0), dict()),
]


def main() -> None:
    torch.set_num_threads(2)
    x = audio_io.load(example_path())
    x = np.tile(x, int(np.ceil(160_000 / x.size)))[:160_000]
    model, control = load_model_and_control(None, None)
    print("| edit | options | best s | x real time |\n|---|---|---|---|")
    for name, request, options in CASES:
        edit(x, request, model=model, control=control, **options)
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            edit(x, request, model=model, control=control, **options)
            best = min(best, time.perf_counter() - start)
        print(f"| {name} | `{options or 'defaults'}` | {best:.3f} | {10.0 / best:.0f} |")


if __name__ == "__main__":
    main()
