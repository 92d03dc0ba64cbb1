"""`sfvae corpus ...`: build the embedded training corpus, list its voices."""

from __future__ import annotations

import argparse

from .build import build_corpus, manifest_hash
from .voices import available_voices


def register(subparsers) -> None:
    corpus = subparsers.add_parser(
        "corpus", help="build the embedded multi-voice speech corpus (espeak-ng + MBROLA)",
        description="Build or inspect the embedded multi-voice training corpus.",
    )
    sub = corpus.add_subparsers(dest="corpus_command", metavar="ACTION", required=True)

    build = sub.add_parser(
        "build", help="render a multi-speaker corpus of 16 kHz wav files",
        description="Render OUT_DIR/train and OUT_DIR/val (voice-disjoint) with "
                    "espeak-ng and MBROLA voices, plus OUT_DIR/manifest.csv. An interrupted "
                    "build resumes when run again with the same settings.",
    )
    build.add_argument("out_dir", metavar="OUT_DIR", help="output folder")
    build.add_argument("--hours", type=float, default=10.0,
                       help="total hours of audio, train and val together (default 10)")
    build.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    build.add_argument("--jobs", type=int, default=2,
                       help="parallel espeak-ng renderers (default 2)")
    build.add_argument("--val-voices", nargs="+", metavar="VOICE", default=None,
                       help="voices held out for validation, e.g. mb-us1 mb-de4 "
                            "(default: 3 female + 3 male chosen from the seed)")
    build.add_argument("--voice-set", choices=("mbrola", "espeak"), default="mbrola",
                       help="MBROLA diphone voices (default) or espeak-ng's own formant-"
                            "synthesis voices")
    build.add_argument("--quiet", action="store_true", help="no progress output")
    build.set_defaults(func=_build)

    voices = sub.add_parser("voices", help="list the voices this machine renders")
    voices.set_defaults(func=_voices)


def _build(args: argparse.Namespace) -> int:
    manifest = build_corpus(args.out_dir, hours=args.hours, seed=args.seed, jobs=args.jobs,
                            val_voices=args.val_voices, progress=not args.quiet,
                            voice_set=args.voice_set)
    print(f"{manifest}  sha256 {manifest_hash(manifest)}")
    return 0


def _voices(args: argparse.Namespace) -> int:
    for v in available_voices():
        print(f"{v.name}\t{v.language}\t{v.sex}\t{v.engine}")
    return 0
