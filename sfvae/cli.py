"""Command-line interface: a thin layer over the Python API.

Each stage owns its subcommands in ``sfvae/<stage>/cli.py`` (or ``sfvae/<module>_cli.py``)
through a ``register(subparsers)`` function; this module only assembles them and maps
:class:`~sfvae.errors.SfvaeError` to a one-line message and exit status 2.
"""

from __future__ import annotations

import argparse
import os

# Before torch is imported: with OpenMP's default busy-waiting, 2 threads on a shared 2-core
# machine trained 20x slower (1.2 k vs 25 k frames/s, benchmarks/README.md).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import importlib
import importlib.util
import sys

from . import __version__
from .errors import SfvaeError

# Modules that contribute subcommands, in the order they appear in --help.
COMMAND_MODULES = [
    "sfvae.demo",
    "sfvae.audio_cli",
    "sfvae.synth.cli",
    "sfvae.corpus.cli",
    "sfvae.model.cli",
    "sfvae.control.cli",
    "sfvae.analysis.cli",
    "sfvae.evaluate.cli",
    "sfvae.serve.cli",
]


def _present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is absent
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sfvae",
        description="Learn and control the source-filter structure of speech in a VAE.",
    )
    parser.add_argument("--version", action="version", version=f"sfvae {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        # A stage not present in this build is left out; errors inside a present one raise.
        if _present(name):
            importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except SfvaeError as exc:
        print(f"sfvae: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sfvae: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
