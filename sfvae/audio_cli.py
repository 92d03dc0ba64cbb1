"""`sfvae audio info FILE` and `sfvae audio convert IN -o OUT`: the front end from the shell."""

from __future__ import annotations

import argparse

import numpy as np

from . import audio
from .conventions import HOP_LENGTH, N_FFT, SAMPLE_RATE, n_frames
from .fileio import check_output, writable_audio_extensions


def _info(args: argparse.Namespace) -> int:
    x = audio.load(args.file)
    print(f"{args.file}: {len(x) / SAMPLE_RATE:.3f} s at {SAMPLE_RATE} Hz (after resampling), "
          f"{n_frames(len(x))} frames (n_fft {N_FFT}, hop {HOP_LENGTH}), "
          f"peak {np.max(np.abs(x)):.4f}")
    return 0


def _convert(args: argparse.Namespace) -> int:
    check_output(args.output, "audio", inputs=[args.input], overwrite=args.overwrite)
    x = audio.load(args.input)
    if args.normalize:
        x = audio.normalize_peak(x, 0.99)
    audio.save(args.output, x)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audio", help="inspect or convert audio with sfvae's front end")
    s = p.add_subparsers(dest="audio_command", metavar="ACTION", required=True)
    info = s.add_parser("info", help="duration, frames and peak of a file as sfvae reads it")
    info.add_argument("file")
    info.set_defaults(func=_info)
    conv = s.add_parser("convert", help="any audio file -> 16 kHz mono (wav, flac, ogg, mp3 "
                                        "by the output's extension)")
    conv.add_argument("input")
    conv.add_argument("-o", "--output", required=True,
                      help=f"output file: {', '.join(writable_audio_extensions())}")
    conv.add_argument("--overwrite", action="store_true", help="allow OUT to be IN itself")
    conv.add_argument("--normalize", action="store_true", help="peak-normalise to 0.99")
    conv.set_defaults(func=_convert)
