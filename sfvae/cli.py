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
import warnings

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


def command_group(subparsers, name: str, help: str, description: str):
    """A command with actions of its own (``sfvae corpus build``): its parser's subparsers."""
    group = subparsers.add_parser(name, help=help, description=description)
    return group.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)


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


def _one_line_warnings(original):
    """A showwarning that prints sfvae's own warnings (truncated input, clamped targets) as
    one line on stderr and leaves other libraries' warnings to ``original``."""
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if category.__module__.split(".")[0] == "sfvae":
            print(f"sfvae: warning: {message}", file=sys.stderr if file is None else file)
        else:
            original(message, category, filename, lineno, file, line)
    return show


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warnings(warnings.showwarning)
            result = args.func(args)
    except SfvaeError as exc:
        print(f"sfvae: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sfvae: interrupted", file=sys.stderr)
        result = None
    else:
        return int(result or 0)
    if argv is None:  # the process's own command line (not a call from Python)
        exit_now(130)
    return 130


def exit_now(status: int) -> None:
    """End the process at once after Ctrl-C. The command's workers are gone and its outputs
    cleaned up (atomic_path) by then; what is skipped is the interpreter's teardown, which
    takes 2-6 s with torch and onnxruntime loaded on a busy machine. The garbage collection
    first runs the finalizers of the interrupted command's objects (process pools release
    their semaphores)."""
    import gc

    gc.collect()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
