"""`sfvae corpus ...`: build the embedded training corpus, list its voices."""

from __future__ import annotations

import argparse

from ..cli import command_group
from .build import build_corpus, manifest_hash
from .packages import CACHE_ENV
from .recorded import source_names
from .voices import available_voices


def register(subparsers) -> None:
    sub = command_group(
        subparsers, "corpus", help="build the multi-voice speech corpus (espeak-ng + MBROLA, "
                                   "recorded speech from Debian packages)",
        description="Build or inspect the embedded multi-voice training corpus.")

    build = sub.add_parser(
        "build", help="render a multi-speaker corpus of 16 kHz wav files",
        description="Render OUT_DIR/train and OUT_DIR/val (voice-disjoint) with "
                    "espeak-ng and MBROLA voices, add recorded wide-band speech from Debian "
                    "packages (split by voice into train/, val/ and test/, the recorded "
                    "evaluation voices), and write OUT_DIR/manifest.csv. An interrupted "
                    "build resumes when run again with the same settings.",
    )
    build.add_argument("out_dir", metavar="OUT_DIR", help="output folder")
    build.add_argument("--hours", type=float, default=10.0,
                       help="hours of rendered MBROLA speech, train and val together "
                            "(default 10; 0: recorded speech only)")
    build.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    build.add_argument("--jobs", type=int, default=2,
                       help="parallel espeak-ng renderers (default 2)")
    build.add_argument("--val-voices", nargs="+", metavar="VOICE", default=None,
                       help="voices held out for validation, e.g. mb-us1 mb-de4 "
                            "(default: 3 female + 3 male chosen from the seed)")
    build.add_argument("--voice-set", choices=("mbrola", "espeak"), default="mbrola",
                       help="MBROLA diphone voices (default) or espeak-ng's own formant-"
                            "synthesis voices")
    build.add_argument("--recorded", default="all", metavar="SOURCES",
                       help="recorded speech to add, from Debian packages fetched into the "
                            "cache when missing: all (default), none, or a comma-separated "
                            f"list of {', '.join(source_names())}")
    build.add_argument("--cache-dir", metavar="DIR", default=None,
                       help=f"where packages are downloaded and unpacked (default: "
                            f"${CACHE_ENV}, else ~/.cache/sfvae)")
    build.add_argument("--quiet", action="store_true", help="no progress output")
    build.set_defaults(func=_build)

    voices = sub.add_parser("voices", help="list the voices this machine renders")
    voices.set_defaults(func=_voices)


def _build(args: argparse.Namespace) -> int:
    manifest = build_corpus(args.out_dir, hours=args.hours, seed=args.seed, jobs=args.jobs,
                            val_voices=args.val_voices, progress=not args.quiet,
                            voice_set=args.voice_set, recorded=_recorded(args.recorded),
                            cache_dir=args.cache_dir)
    print(f"{manifest}  sha256 {manifest_hash(manifest)}")
    return 0


def _recorded(text: str) -> list[str]:
    if text == "all":
        return source_names()
    if text == "none":
        return []
    return [name.strip() for name in text.split(",") if name.strip()]


def _voices(args: argparse.Namespace) -> int:
    for v in available_voices():
        print(f"{v.name}\t{v.language}\t{v.sex}\t{v.engine}")
    return 0
