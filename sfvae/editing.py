"""Speech editing behind one interface: ``edit(audio, EditRequest(...), method=...)``.

A method is a module named in :data:`METHODS` (imported on first use) with an options
dataclass ``Options`` (validated once, in its ``__post_init__``) and a function
``edit_audio(audio, request, options=None, **fields) -> audio``. Every method receives
16 kHz mono float32 audio and returns audio of the same length. An option the method does
not have, an invalid option value, or a part of the request the method cannot honour (PSOLA
and a formant target) raises :class:`ArgumentError` (exit status 2 from the CLI).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import audio as audio_io
from .errors import ArgumentError
from .factors import FACTORS, FORMANTS

# A target: a constant in Hz, a (start, end) linear ramp over the file, or one value per frame.
Target = float | tuple[float, float] | np.ndarray | None


METHODS: dict[str, str] = {
    "sfvae": "sfvae.control.editor",
    "psola": "sfvae.baselines.psola",
    "world": "sfvae.baselines.world",
    "vae-baseline": "sfvae.baselines.latent_translation",
}


@dataclass
class EditRequest:
    """What to change. Unset factors are left as they are."""

    f0: Target = None
    f1: Target = None
    f2: Target = None
    f3: Target = None
    f0_scale: float | None = None  # multiply the input's own (measured) f0 contour
    whisper: bool = False

    def __post_init__(self) -> None:
        if self.f0 is not None and self.f0_scale is not None:
            raise ArgumentError("--f0 and --f0-scale cannot be combined")
        if self.whisper and (self.f0 is not None or self.f0_scale is not None):
            raise ArgumentError("--whisper removes f0: it cannot be combined with --f0/--f0-scale")
        if self.f0_scale is not None and not (np.isfinite(self.f0_scale) and self.f0_scale > 0):
            raise ArgumentError(f"--f0-scale must be a positive number, got {self.f0_scale}")
        for name in FACTORS:
            value = getattr(self, name)
            if value is None:
                continue
            arr = np.atleast_1d(np.asarray(value, dtype=float))
            if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
                raise ArgumentError(f"--{name} must be positive finite frequencies in Hz, got {value}")

    def targets(self) -> dict[str, Target]:
        """The factors that are set, by name."""
        return {n: getattr(self, n) for n in FACTORS if getattr(self, n) is not None}

    def is_empty(self) -> bool:
        return not self.targets() and self.f0_scale is None and not self.whisper


def target_per_frame(target: Target, n_frames: int) -> np.ndarray:
    """Expand a target to one value per frame: constant, (start, end) ramp, or resampled array."""
    if isinstance(target, tuple):
        start, end = target
        return np.linspace(float(start), float(end), n_frames)
    arr = np.atleast_1d(np.asarray(target, dtype=float))
    if arr.size == 1:
        return np.full(n_frames, float(arr[0]))
    if arr.size == n_frames:
        return arr
    # A trajectory of another length is stretched over the file.
    return np.interp(np.linspace(0, 1, n_frames), np.linspace(0, 1, arr.size), arr)


def parse_target(text: str, name: str) -> Target:
    """Parse a CLI value: ``120`` (constant) or ``120:180`` (ramp from start to end)."""
    try:
        if ":" in text:
            start, end = text.split(":")
            return (float(start), float(end))
        return float(text)
    except ValueError:
        raise ArgumentError(f"--{name}: expected HZ or START:END in Hz, got {text!r}") from None


def method_module(name: str):
    """The module of a method, imported on first use."""
    if name not in METHODS:
        raise ArgumentError(f"unknown method {name!r}; choose one of {', '.join(METHODS)}")
    try:
        return importlib.import_module(METHODS[name])
    except ModuleNotFoundError as exc:
        raise ArgumentError(f"method {name!r} is not available in this build ({exc})") from None


def get_method(name: str):
    """The ``edit_audio`` function of a method, imported on first use."""
    return method_module(name).edit_audio


def build_options(cls, method: str, options=None, fields: dict | None = None):
    """An instance of the options dataclass ``cls`` of ``method``: ``options`` itself, or one
    built from ``fields``; an option ``cls`` does not have is an ArgumentError."""
    fields = fields or {}
    if options is not None:
        if not isinstance(options, cls):
            raise ArgumentError(f"method {method}: options must be a {cls.__name__}, "
                                f"not {type(options).__name__}")
        if fields:
            raise ArgumentError(f"method {method}: give options as a {cls.__name__} or as "
                                f"keywords, not both")
        return options
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = [key for key in fields if key not in names]
    if unknown:
        raise ArgumentError(f"method {method} has no option {', '.join(map(repr, unknown))}; "
                            f"its options: {', '.join(names) or 'none'}")
    return cls(**fields)


def option_names(method: str) -> tuple[str, ...]:
    """The names of ``method``'s options (the fields of its options dataclass)."""
    return tuple(f.name for f in dataclasses.fields(method_module(method).Options))


def method_options(method: str, **fields):
    """The validated options object of ``method`` (e.g. ``SfvaeOptions``) from keywords."""
    module = method_module(method)
    return build_options(module.Options, method, None, fields)


def edit(audio: np.ndarray, request: EditRequest, method: str = "sfvae", options=None,
         **fields) -> np.ndarray:
    """Edit a 16 kHz mono waveform.

    ``options``: the method's options object (e.g. ``SfvaeOptions(refine=0)``), or its
    fields as keywords (``model=..., renderer="world"``); unknown names are an ArgumentError.
    Formant targets must keep F1 < F2 < F3 (:func:`check_formant_order`). Inputs longer than
    :data:`sfvae.blocks.LONG_INPUT` samples are edited in overlapping blocks
    (:mod:`sfvae.blocks`), so that memory does not grow with their length.
    """
    from . import blocks

    audio = audio_io.check_audio(audio)
    if request.is_empty():
        raise ArgumentError("nothing to edit: give --f0, --f0-scale, --f1, --f2, --f3 or --whisper")
    module = method_module(method)
    options = build_options(module.Options, method, options, fields)
    if audio.size > blocks.LONG_INPUT:
        return blocks.edit_array(audio, request, method, options=options)
    check_formant_order(request, audio)
    return module.edit_audio(audio, request, options)


def edit_file(in_path: str | os.PathLike, out_path: str | os.PathLike, request: EditRequest,
              method: str = "sfvae", options=None, **fields) -> Path:
    """Read ``in_path``, edit it, write ``out_path`` atomically (nothing written on error);
    long files are read, edited and written block by block (:func:`sfvae.blocks.edit_file`)."""
    from . import blocks

    return blocks.edit_file(in_path, out_path, request, method, options=options, **fields)


def edit_files(in_paths: Sequence[str | os.PathLike], out_dir: str | os.PathLike,
               request: EditRequest, method: str = "sfvae", options=None, **fields) -> list[Path]:
    """Edit several files in one process: the options (model, control) are built once, every
    input is read before anything is written, and each output ``out_dir/<input's name>`` is
    written atomically. Two inputs of the same name are an ArgumentError."""
    module = method_module(method)
    options = build_options(module.Options, method, options, fields)
    names = [Path(p).name for p in in_paths]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ArgumentError(f"{twice[0]}: two inputs of the same name would write the same "
                            f"output in {out_dir}")
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ArgumentError(f"{out_dir}: no such folder")
    inputs = [audio_io.load(p) for p in in_paths]
    outputs = []
    for path, x in zip(in_paths, inputs, strict=True):
        try:
            outputs.append(edit(x, request, method=method, options=options))
        except ArgumentError as exc:
            raise ArgumentError(f"{path}: {exc}") from None
    return [audio_io.save(out_dir / name, y) for name, y in zip(names, outputs, strict=True)]


def own_formants(audio: np.ndarray) -> dict[str, float]:
    """The input's F1-F3 (Praat medians over its voiced frames; NaN where Praat finds none)."""
    from .measure import measure_formants, pitch_track

    values = measure_formants(audio, voiced=pitch_track(audio))
    return {name: float(v) for name, v in zip(FORMANTS, values, strict=True)}


def check_formant_order(request: EditRequest, audio: np.ndarray | None = None,
                        own: dict[str, float] | None = None) -> None:
    """ArgumentError unless F1 < F2 < F3 holds after the edit, on every frame of the targets,
    with the formants not edited at the input's own values (``own``, else measured on
    ``audio`` with Praat; measured only when a formant is edited and a neighbour is not).
    Target values outside the human range (sfvae.factors.HUMAN_RANGES) are left to the
    method's range check, whose message is the clearer one there."""
    from .factors import HUMAN_RANGES

    edited = [n for n in FORMANTS if getattr(request, n) is not None]
    if not edited:
        return
    if own is None and len(edited) < len(FORMANTS) and audio is not None:
        own = own_formants(audio)
    own = own or {}
    n = max([np.size(getattr(request, name)) for name in edited] + [2])
    values = {}  # name -> (values [n], how to name them, frames where they count)
    for name in FORMANTS:
        target = getattr(request, name)
        if target is not None:
            y = target_per_frame(target, n)
            lo, hi = HUMAN_RANGES[name]
            values[name] = (y, f"--{name}", (y >= lo) & (y <= hi))
        elif np.isfinite(own.get(name, np.nan)):
            values[name] = (np.full(n, own[name]), f"the input's own {name.upper()}",
                            np.ones(n, bool))
    for low, high in zip(FORMANTS, FORMANTS[1:], strict=False):
        if low in values and high in values and (low in edited or high in edited):
            (a, a_name, a_ok), (b, b_name, b_ok) = values[low], values[high]
            bad = np.flatnonzero((a >= b) & a_ok & b_ok)
            if bad.size:
                i = bad[0]
                raise ArgumentError(f"formants out of order: {a_name} {a[i]:g} Hz is not below "
                                    f"{b_name} {b[i]:g} Hz (F1 < F2 < F3 must hold after the "
                                    f"edit; set both, or choose another target)")
