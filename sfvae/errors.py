"""Errors that name the input and the problem in one line."""

from __future__ import annotations

from pathlib import Path


class SfvaeError(Exception):
    """Base class of the errors sfvae raises on bad input or bad arguments.

    The CLI prints ``sfvae: <message>`` and exits with status 2 on any of these.
    """


class InputError(SfvaeError, ValueError):
    """A bad input file or array: ``InputError(path, problem)`` -> "path: problem"."""

    def __init__(self, source: str | Path | None, problem: str):
        self.source = None if source is None else str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}" if self.source else problem)


class ArgumentError(SfvaeError, ValueError):
    """A bad parameter value (negative f0, formants out of order, unknown option value)."""
