"""Peak memory and time of `sfvae edit` and `sfvae estimate` on long inputs (1 min to 2 h).

    .venv/bin/python benchmarks/long_inputs.py [--minutes 1 30 120] [--one-piece 1 5]
        [--edit "--f0-scale 1.2"] [--threads 1] [--workdir DIR] [--no-edit] [--no-estimate]

Input: the shipped example sfvae/data/demo_speech.wav repeated to the length (16 kHz,
16-bit wav, written once into --workdir). Each measurement is a fresh process running the
command as a user does (`sfvae edit IN -o OUT.wav ...`, `sfvae estimate IN --csv OUT.csv`);
peak memory is its maximum resident set size (GNU time, /usr/bin/time -f %M), time its
wall clock. ``--one-piece`` also edits those lengths with the method called on the whole
array at once (what `sfvae edit` did before sfvae.blocks), in its own process, for
comparison.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ONE_PIECE = """
import sys, numpy as np
from sfvae import audio
from sfvae.editing import EditRequest, get_method
x = audio.load(sys.argv[1])
y = get_method("sfvae")(x, EditRequest(f0_scale=float(sys.argv[3])))
audio.save(sys.argv[2], y)
"""


def make_input(path: Path, minutes: float) -> None:
    import numpy as np
    import soundfile as sf

    from sfvae import audio
    from sfvae.demo import example_path

    x = audio.load(example_path())
    n = int(minutes * 60 * 16000)
    with sf.SoundFile(str(path), "w", 16000, 1, "PCM_16", format="WAV") as fh:
        for start in range(0, n, x.size):
            fh.write(np.asarray(x[:min(x.size, n - start)], dtype=np.float32))


def measure(cmd: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one child process, from GNU time's %M (a fresh
    process per measurement; RUSAGE_CHILDREN would give the largest child so far)."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], env=env, capture_output=True,
                          text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed: {shlex.join(cmd)}\n{proc.stderr[-2000:]}")
    rss_kb = int(proc.stderr.strip().splitlines()[-1])  # GNU time: max resident set, KB
    return wall, rss_kb / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[1, 30, 120])
    ap.add_argument("--one-piece", type=float, nargs="*", default=[1, 5])
    ap.add_argument("--edit", default="--f0-scale 1.2", help="edit options")
    ap.add_argument("--threads", type=int, default=1, help="torch/OpenMP threads")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--no-estimate", action="store_true", help="skip `sfvae estimate`")
    ap.add_argument("--no-edit", action="store_true", help="skip `sfvae edit`")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS=str(args.threads),
               MKL_NUM_THREADS=str(args.threads))
    work = Path(args.workdir or tempfile.mkdtemp(prefix="sfvae-long-"))
    work.mkdir(parents=True, exist_ok=True)
    rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    print(f"# {platform.node()} {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, git {rev}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"# command: {shlex.join(sys.argv)}")
    print("| input | command | wall s | x real time | peak RSS MB |")
    print("|---|---|---|---|---|")
    scale = args.edit.split()[-1] if args.edit.startswith("--f0-scale") else "1.2"
    for minutes in sorted(set(args.minutes) | set(args.one_piece)):
        src = work / f"in-{minutes:g}min.wav"
        if not src.exists():
            make_input(src, minutes)
        runs = []
        if minutes in args.minutes and not args.no_edit:
            runs.append(("sfvae edit " + args.edit,
                         [sys.executable, "-m", "sfvae", "edit", str(src), "-o",
                          str(work / "out.wav"), *args.edit.split()]))
        if minutes in args.minutes and not args.no_estimate:
            runs.append(("sfvae estimate --csv",
                         [sys.executable, "-m", "sfvae", "estimate", str(src), "--csv",
                          str(work / "out.csv")]))
        if minutes in args.one_piece:
            runs.append((f"one piece (no blocks), --f0-scale {scale}",
                         [sys.executable, "-c", ONE_PIECE, str(src), str(work / "one.wav"),
                          scale]))
        for label, cmd in runs:
            wall, rss = measure(cmd, env)
            print(f"| {minutes:g} min | {label} | {wall:.1f} | {minutes * 60 / wall:.1f} | "
                  f"{rss:.0f} |", flush=True)
    for f in work.glob("out.*"):
        f.unlink()


if __name__ == "__main__":
    main()
