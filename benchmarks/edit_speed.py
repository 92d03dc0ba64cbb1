"""Editing speed: `sfvae edit` (method sfvae) beside WORLD and Praat PSOLA on the same 10 s.

    .venv/bin/python benchmarks/edit_speed.py [--model M --control C] [--repeats 5] [--threads 2]

Input: the shipped example sfvae/data/demo_speech.wav repeated to exactly 10 s. Edit: f0
set to 150 Hz (every method can do it). Timed in one process, after one warm-up call each,
best and median of ``--repeats``:

- sfvae: ``sfvae.editing.edit(x, EditRequest(f0=150), options=...)`` (the shipped model and
  control unless given), options built once: the defaults (renderer world; no refinement
  for an f0 edit), and the variants (renderer hnm, refine 3, the paper's path).
- sfvae CLI: the ``sfvae edit IN -o OUT --f0 150`` command as a user runs it (fresh
  process: interpreter start, imports, model load, file I/O included), and ``sfvae edit
  IN1 ... IN10 -O DIR --f0 150`` (ten files, one process), per file.
- WORLD: pyworld harvest + cheaptrick + d4c + synthesize, called directly (the "world"
  baseline adds only the contour replacement).
- Praat PSOLA: To Manipulation + replace the PitchTier + Get resynthesis (overlap-add)
  (the "psola" baseline).

Reports seconds, x real time (10 s / seconds) and the ratio of each to sfvae.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sfvae import audio  # noqa: E402
from sfvae.conventions import SAMPLE_RATE  # noqa: E402
from sfvae.editing import EditRequest, edit, method_options  # noqa: E402

SECONDS = 10.0
TARGET_F0 = 150.0


def ten_seconds() -> np.ndarray:
    x = audio.load(REPO / "sfvae" / "data" / "demo_speech.wav")
    n = int(SECONDS * SAMPLE_RATE)
    return np.tile(x, int(np.ceil(n / x.size)))[:n].copy()


def timed(fn, repeats: int) -> tuple[float, float]:
    fn()  # warm-up: imports, model load, caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times))


def world_pipeline(x: np.ndarray) -> np.ndarray:
    import pyworld

    d = x.astype(np.float64)
    f0, t = pyworld.harvest(d, SAMPLE_RATE, f0_floor=71.0, f0_ceil=800.0, frame_period=5.0)
    sp = pyworld.cheaptrick(d, f0, t, SAMPLE_RATE)
    ap = pyworld.d4c(d, f0, t, SAMPLE_RATE)
    f0 = np.where(f0 > 0, TARGET_F0, 0.0)
    return pyworld.synthesize(f0, sp, ap, SAMPLE_RATE, 5.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="model file (default: the shipped one)")
    parser.add_argument("--control", help="control file (default: the shipped one)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--no-cli", action="store_true", help="skip the fresh-process CLI timing")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    x = ten_seconds()
    request = EditRequest(f0=TARGET_F0)
    from sfvae.control.editor import load_model_and_control

    model, control = load_model_and_control(args.model, args.control)  # None, None: the shipped pair
    variants = {
        "sfvae edit (API), defaults: renderer world, refine 0": {},
        "sfvae edit (API), renderer world, refine 3": {"refine": 3},
        "sfvae edit (API), renderer hnm, refine 0": {"renderer": "hnm"},
        "sfvae edit (API), renderer hnm, refine 3": {"renderer": "hnm", "refine": 3},
        "sfvae edit (API), paper: source decoded, refine 0": {"source": "decoded", "refine": 0},
    }
    rows = []
    for name, fields in variants.items():
        options = method_options("sfvae", model=model, control=control, **fields)
        rows.append((name, *timed(lambda o=options: edit(x, request, options=o), args.repeats)))
    if not args.no_cli:
        with tempfile.TemporaryDirectory(prefix="sfvae-bench-") as tmp:
            src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
            audio.save(src, x)
            many = [audio.save(Path(tmp) / f"in{i}.wav", x) for i in range(10)]
            (Path(tmp) / "out").mkdir()
            cli = [sys.executable, "-m", "sfvae", "edit"]
            pair = []
            for key in ("model", "control"):
                if getattr(args, key):
                    pair += [f"--{key}", getattr(args, key)]
            env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), PYTHONPATH=str(REPO))
            one = cli + [str(src), "-o", str(dst), "--f0", str(TARGET_F0)] + pair
            rows.append(("sfvae edit (CLI, fresh process, 1 file)",
                         *timed(lambda: subprocess.run(one, check=True, env=env,
                                                       capture_output=True), args.repeats)))
            batch = cli + [*map(str, many), "-O", str(Path(tmp) / "out"), "--f0",
                           str(TARGET_F0)] + pair
            best, median = timed(lambda: subprocess.run(batch, check=True, env=env,
                                                        capture_output=True), max(1, args.repeats // 2))
            rows.append(("sfvae edit (CLI, one process, 10 files), per file", best / 10, median / 10))
    rows.append(("WORLD (harvest, cheaptrick, d4c, synthesize)",
                 *timed(lambda: world_pipeline(x), args.repeats)))
    rows.append(("Praat PSOLA (Manipulation, overlap-add)",
                 *timed(lambda: edit(x, request, method="psola"), args.repeats)))

    sfvae_best = rows[0][1]   # the defaults
    print(f"{SECONDS:g} s of speech (demo_speech.wav tiled), f0 -> {TARGET_F0:g} Hz; "
          f"best / median of {args.repeats}; torch threads {args.threads}; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible\n")
    print("| method | best s | median s | x real time (best) | time / sfvae defaults |")
    print("|---|---|---|---|---|")
    for name, best, median in rows:
        print(f"| {name} | {best:.3f} | {median:.3f} | {SECONDS / best:.0f} | "
              f"{best / sfvae_best:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
