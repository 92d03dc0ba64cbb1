"""`sfvae synth factors` and `sfvae synth vowel`: thin wrappers over sfvae.synth."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import command_group
from ..errors import ArgumentError
from ..factors import DEFAULT_GRID_SET, FACTORS, GRID_SETS, HUMAN_GRIDS, PAPER_GRIDS

__all__ = ["register", "parse_trajectory", "parse_formants"]


def register(subparsers) -> None:
    sub = command_group(
        subparsers, "synth", help="synthesize vowels and the labeled factor datasets "
                                  "(Soundgen-style)",
        description="Soundgen-style source-filter synthesis of vowels and of the labeled "
                    "datasets D_f0..D_f3 in which one factor varies.")

    factors = sub.add_parser(
        "factors", help="write the factor datasets D_f0..D_f3 and manifest.csv",
        description="Write OUT_DIR/<factor>/*.wav for each factor and OUT_DIR/manifest.csv "
                    "(file, factor, value, context, f0..f5, voice settings, seeds, grid set). "
                    "--grids human (default): the human ranges "
                    f"({_describe(HUMAN_GRIDS)}) with a low male, male, female and child "
                    "voice, each formant swept over the part its voice can reach; --grids "
                    f"paper: the released grids ({_describe(PAPER_GRIDS)}) with a male and a "
                    "female voice. --<factor>-grid replaces a grid: START:STOP:STEP (stop "
                    "included) or a,b,c.")
    factors.add_argument("out_dir", metavar="OUT_DIR", type=Path)
    factors.add_argument("--factors", default=",".join(FACTORS),
                         help=f"comma-separated subset of {','.join(FACTORS)} (default: all)")
    factors.add_argument("--grids", choices=tuple(GRID_SETS), default=DEFAULT_GRID_SET,
                         help=f"grid set and voices (default {DEFAULT_GRID_SET})")
    for name in FACTORS:
        factors.add_argument(f"--{name}-grid", metavar="START:STOP:STEP", default=None,
                             help=f"grid of {name} in Hz")
    factors.add_argument("--duration", type=float, default=None,
                         help="seconds per file (default 0.5)")
    factors.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    factors.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    factors.set_defaults(func=_run_factors)

    vowel = sub.add_parser(
        "vowel", help="synthesize one vowel to a wav file",
        description="Synthesize one vowel. Any value may be a trajectory: START:END is a "
                    "linear ramp over the duration, A:B:C... piecewise linear.")
    vowel.add_argument("-o", "--output", type=Path, required=True, help="output wav file")
    vowel.add_argument("--f0", default="120",
                       help="f0 in Hz, or START:END for a ramp (default 120)")
    vowel.add_argument("--formants", default="860,1430,2900",
                       help="f1,f2,... in Hz, each a value or START:END (default 860,1430,2900)")
    vowel.add_argument("--bandwidths", default=None,
                       help="bandwidths in Hz per formant; empty entries keep Soundgen's rule")
    vowel.add_argument("--duration", type=float, default=1.0, help="seconds (default 1.0)")
    vowel.add_argument("--sample-rate", type=int, default=16000, help="Hz (default 16000)")
    vowel.add_argument("--whisper", action="store_true", help="unvoiced (noise) source only")
    vowel.add_argument("--rolloff", type=float, default=None, help="dB/octave (default -9)")
    vowel.add_argument("--jitter", type=float, default=None, help="semitones per cycle (default 0)")
    vowel.add_argument("--shimmer", type=float, default=None, help="percent per cycle (default 0)")
    vowel.add_argument("--breathing", type=float, default=None,
                       help="aspiration noise RMS relative to the voiced part (default 0)")
    vowel.add_argument("--temperature", type=float, default=None,
                       help="random drift (default 0.025)")
    vowel.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    vowel.set_defaults(func=_run_vowel)


def _describe(grids) -> str:
    return ", ".join(f"{n} {a:g}:{b:g}:{c:g}" for n, (a, b, c) in grids.items())


def parse_trajectory(text: str, name: str) -> float | list[float]:
    """'120' -> 120.0; '120:180' -> [120.0, 180.0] (a ramp); 'a:b:c' -> anchors."""
    parts = text.strip().split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ArgumentError(
            f"cannot parse {name} {text!r}: expected a number or START:END") from None
    return values[0] if len(values) == 1 else values


def parse_formants(text: str) -> list[float | list[float]]:
    items = [t for t in text.split(",")]
    if not items or any(not t.strip() for t in items):
        raise ArgumentError(f"cannot parse formants {text!r}: expected f1,f2,... in Hz")
    return [parse_trajectory(t, f"f{i + 1}") for i, t in enumerate(items)]


def _parse_bandwidths(text: str | None) -> list | None:
    if text is None:
        return None
    return [None if not t.strip() else parse_trajectory(t, f"bandwidth {i + 1}")
            for i, t in enumerate(text.split(","))]


def _run_vowel(args: argparse.Namespace) -> int:
    from ..fileio import atomic_path
    from .factors import write_wav
    from .soundgen import synthesize

    f0 = None if args.whisper else parse_trajectory(args.f0, "f0")
    audio = synthesize(
        f0, parse_formants(args.formants), args.duration, sample_rate=args.sample_rate,
        bandwidths=_parse_bandwidths(args.bandwidths), rolloff=args.rolloff,
        jitter=args.jitter, shimmer=args.shimmer, breathing=args.breathing,
        temperature=args.temperature, voiced=not args.whisper, seed=args.seed)
    if args.output.is_dir():
        raise ArgumentError(f"{args.output}: is a directory; give a .wav file name")
    with atomic_path(args.output, suffix=".wav") as tmp:
        write_wav(tmp, audio, args.sample_rate)
    print(f"wrote {args.output} ({audio.size / args.sample_rate:.3f} s, {args.sample_rate} Hz)")
    return 0


def _run_factors(args: argparse.Namespace) -> int:
    from .factors import DEFAULT_DURATION, parse_grid, read_manifest, write_factor_datasets

    factors = [f.strip() for f in args.factors.split(",") if f.strip()]
    for f in factors:
        if f not in FACTORS:
            raise ArgumentError(
                f"unknown factor {f!r} in --factors; expected some of {','.join(FACTORS)}")
    grids = {}
    for name in FACTORS:
        text = getattr(args, f"{name}_grid")
        if text is not None:
            if name not in factors:
                raise ArgumentError(f"--{name}-grid given but {name} is not in --factors")
            grids[name] = parse_grid(text)
    manifest = write_factor_datasets(
        args.out_dir, factors, grids, seed=args.seed,
        duration=DEFAULT_DURATION if args.duration is None else args.duration, jobs=args.jobs,
        grid_set=args.grids)
    rows = read_manifest(manifest)
    counts = ", ".join(f"{f}: {sum(r['factor'] == f for r in rows)}" for f in factors)
    print(f"wrote {len(rows)} files ({counts}) and {manifest}")
    return 0
