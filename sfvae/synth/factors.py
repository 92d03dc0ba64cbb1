"""Labeled "one factor varies" datasets D_0..D_3 (f0, f1, f2, f3), METHOD section 2.

Each dataset sweeps one factor over a grid in several fixed contexts: a context fixes the
speaker-like voice (f0, the formants not being swept, source settings) and, for D_f0, the
vowel. Within a context only the swept factor changes, so every file differs from its
neighbours in one factor. Two grid sets (sfvae.factors.GRID_SETS):

``human`` (default): the human ranges (f0 60-450, F1 200-1100, F2 600-3000, F3 1700-3800
Hz) with four voices, so that the regressions hold for any speaker. Voice (f0; neutral
formants F1..F5, a uniform tube scaled from the 17.5 cm male one):

==========  =====  =====  =========================================
voice       f0     scale  neutral F1..F5 (Hz)
==========  =====  =====  =========================================
low-male     85    0.92   460, 1380, 2300, 3220, 4140 (19 cm)
male        115    1.0    500, 1500, 2500, 3500, 4500 (17.5 cm)
female      210    1.1    550, 1650, 2750, 3850, 4950 (16 cm)
child       280    1.3    650, 1950, 3250, 4550, 5850 (13.5 cm)
==========  =====  =====  =========================================

- D_f0: every voice sweeps the whole f0 range (60-450 Hz) in two vowels, the paper's
  (F1, F2) = (400, 2000) and (600, 1500) Hz scaled by the voice (the child's: (520, 2600)
  and (780, 1950)). f0 is a property of the source: any tract can be driven at any f0, and
  an edit keeps the input's tract, so each voice's f0 regression must span every target.
- D_f1..D_f3: a tract cannot reach every formant value (a child's F2 does not go down to
  600 Hz; F2 = 600 Hz needs a low F1; F1 = 1100 Hz needs F2 well above it). Each voice
  sweeps its own part of the range, holding the other formants at values of a vowel that
  has the swept formant at both ends of its part (Peterson & Barney 1952, Hillenbrand et
  al. 1995; Hz):

  =========  =====================  =====================  =====================
  voice      F1 sweep (F2, F3)      F2 sweep (F1, F3)      F3 sweep (F1, F2)
  =========  =====================  =====================  =====================
  low-male   200-750 (1380, 2300)   600-2300 (300, 2650)   1700-2700 (460, 1300)
  male       220-850 (1500, 2500)   650-2500 (320, 2850)   1800-3000 (500, 1400)
  female     250-1000 (1650, 2750)  750-2800 (360, 3200)   1950-3400 (550, 1550)
  child      300-1100 (1950, 3250)  900-3000 (420, 3450)   2150-3800 (650, 1700)
  =========  =====================  =====================  =====================

  F4 and F5 are the voice's neutral ones. Neighbouring formants stay at least
  ``HUMAN_SPACING`` (12 %) apart over every sweep, so F1 < F2 < F3 < F4 everywhere with a
  margin. The parts together cover each human range; an edit whose target lies outside
  its own voice's part uses the regressions of the voices that cover it
  (sfvae.control.regression.SpeakerBlend).
- Files at the default grids: 1568 (8 contexts x 196 f0 values) + 685 + 774 + 534 = 3561.
  Praat reads the labels back with its advice for the voice (formant ceiling 8000 Hz for
  the child, whose F4 and F5 leave Burg only four formants below 5500 Hz; pitch floor
  below 60 Hz): tests/test_factors.py.

``paper``: the released grids (f0 100-300, f1 200-1000, f2 1000-2800, f3 2000-3200 Hz) with
a male- and a female-like voice and the released contexts (METHOD section 2), formants next
to the swept one moved ``FORMANT_SPACING`` away from every grid value; this reproduces
the paper's datasets, file for file.

A grid given explicitly replaces the set's grid: under ``human`` each voice takes the values
inside its part, and a value outside every voice's part is an error naming the range.

Array API: :func:`factor_dataset` returns audio + labels in memory (the "learn" stage
calls this). Folder API: :func:`write_factor_datasets` writes ``<factor>/*.wav`` and one
``manifest.csv`` (written last, atomically); :func:`load_factor_dataset` reads them back.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
import wave
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..conventions import SAMPLE_RATE
from ..errors import ArgumentError, InputError
from ..factors import (
    DEFAULT_GRID_SET,
    FACTORS,
    HUMAN_RANGES,
    check_factor,
    check_grid_set,
    factor_grid,
    grid_values,
)
from ..fileio import write_text
from .soundgen import N_FORMANTS, SourceSettings, check_duration, check_sample_rate, synthesize

__all__ = [
    "DEFAULT_DURATION", "Speaker", "Context", "LOW_MALE", "MALE", "FEMALE", "CHILD",
    "PAPER_SPEAKERS", "HUMAN_SPEAKERS", "FactorDataset", "grid_values", "parse_grid",
    "default_contexts", "factor_dataset", "write_factor_datasets", "load_factor_dataset",
    "MANIFEST", "MANIFEST_COLUMNS", "read_manifest", "write_wav",
]

# Long enough for the method's stable segment (samples 3000-6000) and Praat's analysis.
DEFAULT_DURATION = 0.5
MANIFEST = "manifest.csv"
# Paper set: neighbouring formants stay at least this ratio away from every grid value.
FORMANT_SPACING = 1.08
# Human set: the smallest ratio between neighbouring formants anywhere in a sweep.
HUMAN_SPACING = 1.12
_VALUE_FIELDS = ("f0", "f1", "f2", "f3", "f4", "f5")
_VOICE_FIELDS = tuple(SourceSettings.__dataclass_fields__)
MANIFEST_COLUMNS = (
    ("file", "factor", "value", "context", "speaker") + _VALUE_FIELDS
    + ("duration", "sample_rate") + _VOICE_FIELDS + ("seed", "file_seed", "grid_set")
)


@dataclass(frozen=True)
class Speaker:
    """A speaker-like voice: f0 and neutral formants f1..f5, and source settings.

    ``formant_scale`` scales the (male-referenced) vowel contexts of D_f0, as a shorter
    vocal tract raises all formants together. ``sweeps`` (human set): for each formant
    factor, the part of its range this voice sweeps and the formants held meanwhile,
    ``{factor: ((low, high), {formant: Hz})}``.
    """

    name: str
    f0: float
    formants: tuple[float, float, float, float, float]
    formant_scale: float = 1.0
    voice: SourceSettings = field(default_factory=SourceSettings)
    sweeps: Mapping[str, tuple[tuple[float, float], Mapping[str, float]]] = field(
        default_factory=dict)


# Neutral vowels of uniform tubes: 17.5 cm (male) and 16 cm (female, formants x 1.1; a
# larger scale puts the female f5 so close to Praat's 5500 Hz ceiling that Burg invents a
# formant between F1 and F2). Rolloff -12 dB/octave rather than Soundgen's -9: with the +6
# dB/octave lip radiation it gives the -6 dB/octave speech spectrum that Praat's
# pre-emphasis assumes; at -9 Praat over-estimates F1 by 5-20 % (benchmarks/README.md).
# The table of the module docstring: per voice, f0, neutral F1-F5 and the formant scale,
# then each formant factor's sweep (low, high) with the two other formants held meanwhile.
_SPEAKER_TABLE = """
voice     f0 | neutral F1-F5            | scale | F1 sweep; F2 F3    | F2 sweep; F1 F3   | F3 sweep; F1 F2
low-male  85 | 460 1380 2300 3220 4140  | 0.92  | 200 750 1380 2300  | 600 2300 300 2650 | 1700 2700 460 1300
male     115 | 500 1500 2500 3500 4500  | 1.0   | 220 850 1500 2500  | 650 2500 320 2850 | 1800 3000 500 1400
female   210 | 550 1650 2750 3850 4950  | 1.1   | 250 1000 1650 2750 | 750 2800 360 3200 | 1950 3400 550 1550
child    280 | 650 1950 3250 4550 5850  | 1.3   | 300 1100 1950 3250 | 900 3000 420 3450 | 2150 3800 650 1700
"""
_HELD = {"f1": ("f2", "f3"), "f2": ("f1", "f3"), "f3": ("f1", "f2")}


def _speaker(name: str) -> Speaker:
    rows = {line.split()[0]: line for line in _SPEAKER_TABLE.strip().splitlines()[1:]}
    f0, formants, scale, *sweeps = (
        [float(v) for v in cell.split()] for cell in rows[name].split(maxsplit=1)[1].split("|"))
    return Speaker(name, f0[0], tuple(formants), scale[0], SourceSettings(rolloff=-12.0), {
        factor: ((low, high), dict(zip(_HELD[factor], held, strict=True)))
        for factor, (low, high, *held) in zip(("f1", "f2", "f3"), sweeps, strict=True)})


LOW_MALE, MALE, FEMALE, CHILD = (_speaker(n) for n in ("low-male", "male", "female", "child"))
PAPER_SPEAKERS = (MALE, FEMALE)
HUMAN_SPEAKERS = (LOW_MALE, MALE, FEMALE, CHILD)
_SPEAKERS = {"paper": PAPER_SPEAKERS, "human": HUMAN_SPEAKERS}


@dataclass(frozen=True)
class Context:
    """Fixed values of the factors that do not vary: f0 and f1..f5 (Hz), plus the voice.

    ``span``: the part of the swept factor's range this context covers (None: all of it).
    """

    name: str
    speaker: str
    values: Mapping[str, float]
    voice: SourceSettings
    span: tuple[float, float] | None = None

    def with_value(self, factor: str, value: float) -> dict[str, float]:
        out = dict(self.values)
        out[factor] = float(value)
        return out

    def covers(self, values: np.ndarray) -> np.ndarray:
        """Mask of the grid values inside this context's span."""
        values = np.asarray(values, dtype=np.float64)
        if self.span is None:
            return np.ones(values.shape, dtype=bool)
        return (values >= self.span[0] - 1e-9) & (values <= self.span[1] + 1e-9)


@dataclass
class FactorDataset:
    """One dataset D_i: ``audio`` [N, samples] float32, ``values`` [N] (the swept factor),
    ``labels``: one dict per file (factor, value, context, f0..f5, voice settings, seeds)."""

    factor: str
    audio: np.ndarray
    values: np.ndarray
    labels: list[dict]
    sample_rate: int = SAMPLE_RATE

    def __len__(self) -> int:
        return len(self.values)

    def column(self, name: str) -> np.ndarray:
        """One label column as an array (e.g. 'context', 'f1')."""
        return np.asarray([row[name] for row in self.labels])


def parse_grid(text: str) -> np.ndarray:
    """'START:STOP:STEP' (stop included), 'START:STOP' (step 1) or 'a,b,c' (explicit)."""
    text = text.strip()
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) == 2:
                parts.append(1.0)
            if len(parts) != 3:
                raise ValueError
            return grid_values(*parts)
        values = np.array([float(p) for p in text.split(",") if p.strip()], dtype=np.float64)
    except ValueError:
        raise ArgumentError(
            f"cannot parse grid {text!r}: expected START:STOP:STEP or a,b,c") from None
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ArgumentError(f"grid {text!r} has no finite values")
    return values


def _released_contexts(factor: str) -> list[tuple[str, dict[str, float]]]:
    """Male-referenced fixed formants of each released dataset (METHOD section 2)."""
    check_factor(factor)
    if factor == "f0":
        return [("a", {"f1": 400.0, "f2": 2000.0}), ("b", {"f1": 600.0, "f2": 1500.0})]
    if factor == "f1":
        return [("", {"f2": 1600.0})]
    if factor == "f2":
        return [("", {"f1": 800.0})]
    return [("", {})]


def _neutral(spk: Speaker) -> dict[str, float]:
    values = {"f0": spk.f0}
    values.update({f"f{i + 1}": f for i, f in enumerate(spk.formants)})
    return values


def default_contexts(factor: str, grid: np.ndarray | None = None,
                     speakers: Sequence[Speaker] | None = None,
                     grid_set: str = DEFAULT_GRID_SET) -> list[Context]:
    """Contexts of one dataset of ``grid_set`` (see the module docstring).

    paper: each released context for each speaker; formants next to the swept one are
    moved, once for the whole dataset, so that they stay ``FORMANT_SPACING`` away from every
    grid value (e.g. the male f3 rises from 2500 to 3024 Hz for the f2 sweep up to 2800 Hz).
    human: for D_f0 the two scaled vowels of each voice over the whole range; for a formant,
    one context per voice, its ``sweeps`` entry giving its span and held formants.
    """
    check_factor(factor)
    check_grid_set(grid_set)
    speakers = _SPEAKERS[grid_set] if speakers is None else tuple(speakers)
    if grid_set == "paper" or factor == "f0":
        grid = (factor_grid(factor, grid_set) if grid is None
                else np.asarray(grid, dtype=np.float64))
        out = []
        for spk in speakers:
            for suffix, fixed in _released_contexts(factor):
                values = _neutral(spk)
                values.update({k: v * spk.formant_scale for k, v in fixed.items()})
                if factor != "f0":
                    values = _make_room(values, factor, float(grid.min()), float(grid.max()))
                elif grid_set == "human":  # (the paper set keeps its unrounded labels)
                    values = {k: round(v, 3) for k, v in values.items()}
                name = spk.name + (f"-{suffix}" if suffix else "")
                out.append(Context(name, spk.name, values, spk.voice))
        return out
    out = []
    for spk in speakers:
        if factor not in spk.sweeps:
            raise ArgumentError(f"voice {spk.name!r} has no {factor} sweep for the human set")
        span, fixed = spk.sweeps[factor]
        values = _neutral(spk)
        values.update(fixed)
        out.append(Context(spk.name, spk.name, values, spk.voice,
                           (float(span[0]), float(span[1]))))
    return out


def _make_room(values: dict[str, float], factor: str, lo: float, hi: float) -> dict[str, float]:
    values = dict(values)
    k = int(factor[1:])
    below = lo / FORMANT_SPACING
    for i in range(k - 1, 0, -1):
        values[f"f{i}"] = min(values[f"f{i}"], below)
        below = values[f"f{i}"] / FORMANT_SPACING
    above = hi * FORMANT_SPACING
    for i in range(k + 1, N_FORMANTS + 1):
        values[f"f{i}"] = max(values[f"f{i}"], above)
        above = values[f"f{i}"] * FORMANT_SPACING
    return {key: round(v, 3) for key, v in values.items()}


def _file_seed(seed: int, factor: str, context_index: int, value_index: int) -> int:
    ss = np.random.SeedSequence([seed, FACTORS.index(factor), context_index, value_index])
    return int(ss.generate_state(1)[0])


def _plan(factor: str, grid: np.ndarray | None, contexts: Sequence[Context] | None, seed: int,
          duration: float, sample_rate: int, grid_set: str = DEFAULT_GRID_SET) -> list[dict]:
    """One label row per file, in a fixed order (context-major, then grid order)."""
    check_factor(factor)
    check_grid_set(grid_set)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"seed must be a non-negative integer; got {seed!r}")
    grid = (factor_grid(factor, grid_set) if grid is None
            else np.asarray(grid, dtype=np.float64).reshape(-1))
    if grid.size == 0:
        raise ArgumentError(f"the {factor} grid is empty")
    if not np.all(np.isfinite(grid)):
        raise ArgumentError(f"the {factor} grid has non-finite values")
    check_duration(duration, check_sample_rate(sample_rate))
    if np.unique(grid).size != grid.size:
        raise ArgumentError(f"the {factor} grid repeats values (file names would collide)")
    if grid_set == "human":
        lo, hi = HUMAN_RANGES[factor]
        outside = grid[(grid < lo - 1e-9) | (grid > hi + 1e-9)]
        if outside.size:
            raise ArgumentError(
                f"{factor} = {outside[0]:g} Hz is outside the human range {lo:g}-{hi:g} Hz "
                f"of the human grid set (--grids paper has no such bound)")
    if contexts is None:
        contexts = default_contexts(factor, grid, grid_set=grid_set)
    names = [c.name for c in contexts]
    if not names or len(set(names)) != len(names) or not all(
            re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", n) for n in names):
        raise ArgumentError(f"contexts need distinct names of letters, digits, '_', '.', '-'; "
                            f"got {names}")
    covered = np.zeros(grid.size, dtype=bool)
    for ctx in contexts:  # each context's extremes bound its files: check before writing any
        mine = grid[ctx.covers(grid)]
        covered |= ctx.covers(grid)
        if mine.size == 0:
            continue
        lo, hi = float(mine.min()), float(mine.max())
        for value in (lo, hi):
            _check_values(ctx.with_value(factor, value), sample_rate,
                          f"context {ctx.name} of the {factor} dataset, grid {lo:g}-{hi:g} Hz")
    if not covered.all():
        spans = ", ".join(f"{c.name} {c.span[0]:g}-{c.span[1]:g}" for c in contexts if c.span)
        raise ArgumentError(f"{factor} = {grid[~covered][0]:g} Hz is swept by no context "
                            f"({spans} Hz)")
    rows = []
    for ci, ctx in enumerate(contexts):
        for vi, value in enumerate(grid):
            if not ctx.covers(value):
                continue
            values = ctx.with_value(factor, float(value))
            rows.append({
                "file": f"{factor}/{ctx.name}_{factor}-{_fmt(value)}.wav",
                "factor": factor, "value": float(value), "context": ctx.name,
                "speaker": ctx.speaker,
                **{k: float(values[k]) for k in _VALUE_FIELDS},
                "duration": float(duration), "sample_rate": int(sample_rate),
                **ctx.voice.as_dict(),
                "seed": int(seed), "file_seed": _file_seed(int(seed), factor, ci, vi),
                "grid_set": grid_set,
            })
    return rows


def _check_values(values: Mapping[str, float], sample_rate: int, where: str) -> None:
    nyquist = sample_rate / 2.0
    missing = [k for k in _VALUE_FIELDS if k not in values]
    if missing:
        raise ArgumentError(f"no value for {', '.join(missing)} ({where})")
    for key in _VALUE_FIELDS:
        v = values[key]
        if not (np.isfinite(v) and 0 < v < nyquist):
            raise ArgumentError(f"{key} = {v:g} Hz must be positive and below the Nyquist limit "
                                f"({nyquist:g} Hz) ({where})")
    formants = [values[f"f{i}"] for i in range(1, N_FORMANTS + 1)]
    if any(b <= a for a, b in zip(formants, formants[1:])):
        raise ArgumentError(f"formants must be strictly increasing; got "
                            f"{', '.join(f'{f:g}' for f in formants)} Hz ({where})")


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _render(row: Mapping) -> np.ndarray:
    """Synthesise the file one label row describes (pure function of the row)."""
    voice = SourceSettings(**{k: float(row[k]) for k in _VOICE_FIELDS})
    formants = [float(row[f"f{i}"]) for i in range(1, N_FORMANTS + 1)]
    return synthesize(float(row["f0"]), formants, float(row["duration"]),
                      sample_rate=int(row["sample_rate"]), voice=voice,
                      seed=int(row["file_seed"]))


def _render_many(rows: list[dict]) -> np.ndarray:
    return np.stack([_render(r) for r in rows])


def write_wav(path: str | os.PathLike, audio: np.ndarray, sample_rate: int) -> None:
    """16-bit mono WAV (x * 32768, rounded; reads back within 0.5 / 32768).

    The stdlib writer, not soundfile: libsndfile syncs every file to disk on close, which
    made writing the 2450 default files several times slower than synthesising them.
    """
    pcm = np.clip(np.round(np.asarray(audio, dtype=np.float64) * 32768.0), -32768, 32767)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(pcm.astype("<i2").tobytes())


def _write_many(args: tuple[str, list[dict]]) -> int:
    root, rows = args
    for row in rows:
        write_wav(os.path.join(root, row["file"]), _render(row), int(row["sample_rate"]))
    return len(rows)


def _chunks(rows: list[dict], n: int) -> list[list[dict]]:
    size = max(1, -(-len(rows) // n))
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def _pool(jobs: int) -> ProcessPoolExecutor:
    import multiprocessing

    # 'fork' needs no importable __main__ (stdin, notebooks); workers only use numpy.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)


def _check_jobs(jobs: int | None) -> int:
    if jobs is None:
        return 1  # one process writes all four default datasets in seconds
    if isinstance(jobs, bool) or not isinstance(jobs, (int, np.integer)) or jobs < 1:
        raise ArgumentError(f"jobs must be a positive integer; got {jobs!r}")
    return int(jobs)


def factor_dataset(factor: str, grid: Sequence[float] | np.ndarray | None = None,
                   contexts: Sequence[Context] | None = None, seed: int = 0,
                   duration: float = DEFAULT_DURATION, sample_rate: int = SAMPLE_RATE,
                   jobs: int = 1, grid_set: str = DEFAULT_GRID_SET) -> FactorDataset:
    """Synthesise dataset D_<factor> in memory: every grid value in every context covering it.

    grid: values of the swept factor (default: the grid of ``grid_set``, "human" or
    "paper"); contexts: fixed values of the other factors (default: :func:`default_contexts`
    of ``grid_set``). Deterministic for a seed.
    """
    rows = _plan(factor, None if grid is None else np.asarray(grid, dtype=np.float64),
                 contexts, seed, duration, sample_rate, grid_set)
    jobs = _check_jobs(jobs)
    if jobs == 1 or len(rows) < 64:
        audio = _render_many(rows)
    else:
        with _pool(jobs) as pool:
            audio = np.concatenate(list(pool.map(_render_many, _chunks(rows, 4 * jobs))))
    return FactorDataset(factor, audio, np.array([r["value"] for r in rows]), rows, sample_rate)


def write_factor_datasets(out_dir: str | os.PathLike, factors: Iterable[str] = FACTORS,
                          grids: Mapping[str, Sequence[float] | np.ndarray] | None = None,
                          seed: int = 0, duration: float = DEFAULT_DURATION,
                          sample_rate: int = SAMPLE_RATE, jobs: int | None = None,
                          grid_set: str = DEFAULT_GRID_SET) -> Path:
    """Write ``out_dir/<factor>/*.wav`` and ``out_dir/manifest.csv``; returns the manifest path.

    ``grid_set``: "human" (default) or "paper" (sfvae.factors.GRID_SETS); ``grids``
    replaces a factor's grid. Datasets of other factors already listed in an earlier
    manifest there are kept in it (they must be of the same grid set).

    Files are rendered into a hidden temporary folder inside ``out_dir``, each dataset
    folder then replaces any previous one by rename, and the manifest comes last (atomic),
    so a crash leaves no half-written dataset under the manifest's name.
    """
    factors = list(dict.fromkeys(factors))
    if not factors:
        raise ArgumentError("no factors to write")
    grids = dict(grids or {})
    for f in list(factors) + list(grids):
        check_factor(f)
    jobs = _check_jobs(jobs)
    rows = []
    for factor in factors:
        grid = grids.get(factor)
        rows += _plan(factor, None if grid is None else np.asarray(grid, dtype=np.float64),
                      None, seed, duration, sample_rate, grid_set)

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(out_dir, "exists and is not a directory")
    others = {r["grid_set"] for r in _previous_rows(out_dir) if r["factor"] not in factors}
    if others - {grid_set}:
        raise InputError(out_dir / MANIFEST, f"holds datasets of the {sorted(others)[0]} grid "
                                             f"set; rewrite all factors or use another folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".synth-", dir=out_dir))
    try:
        for factor in factors:
            (staging / factor).mkdir()
        if jobs == 1:
            _write_many((str(staging), rows))
        else:
            with _pool(jobs) as pool:
                list(pool.map(_write_many, [(str(staging), c) for c in _chunks(rows, 4 * jobs)]))
        for factor in factors:
            target = out_dir / factor
            if target.exists():
                trash = Path(tempfile.mkdtemp(prefix=f".old-{factor}-", dir=out_dir))
                os.replace(target, trash / factor)
                shutil.rmtree(trash)
            os.replace(staging / factor, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    manifest = out_dir / MANIFEST
    kept = [r for r in _previous_rows(out_dir) if r["factor"] not in factors]
    order = {f: i for i, f in enumerate(FACTORS)}
    merged = sorted(kept + rows, key=lambda r: order[r["factor"]])  # stable within a factor
    write_text(manifest, _to_csv(merged))
    return manifest


def _previous_rows(out_dir: Path) -> list[dict]:
    """Rows of an earlier manifest whose files still exist (datasets not rewritten now)."""
    try:
        rows = read_manifest(out_dir / MANIFEST)
    except (InputError, ValueError, KeyError, OSError):
        return []
    return [r for r in rows if (out_dir / r["file"]).is_file()]


def _to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(MANIFEST_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in row.items()})
    return buf.getvalue()


def read_manifest(path: str | os.PathLike) -> list[dict]:
    """Rows of a manifest.csv with numbers parsed back.

    A manifest written before grid sets existed (no ``grid_set`` column) holds the paper set.
    """
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST
    if not path.exists():
        raise InputError(path, "no such manifest (run `sfvae synth factors` first)")
    ints = {"sample_rate", "seed", "file_seed"}
    text = {"file", "factor", "context", "speaker", "grid_set"}
    rows = []
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in MANIFEST_COLUMNS
                   if c not in (reader.fieldnames or []) and c != "grid_set"]
        if missing:
            raise InputError(path, f"not a factor manifest (missing column {missing[0]!r})")
        try:
            for row in reader:
                parsed = {k: (v if k in text else int(v) if k in ints else float(v))
                          for k, v in row.items()}
                parsed.setdefault("grid_set", "paper")
                rows.append(parsed)
        except (TypeError, ValueError):
            raise InputError(path, f"line {reader.line_num}: not a factor manifest row") from None
    return rows


def load_factor_dataset(directory: str | os.PathLike, factor: str) -> FactorDataset:
    """Read dataset D_<factor> written by :func:`write_factor_datasets`."""
    import soundfile as sf

    directory = Path(directory)
    rows = [r for r in read_manifest(directory) if r["factor"] == factor]
    if not rows:
        raise InputError(directory / MANIFEST, f"has no files for factor {factor!r}")
    audio = []
    for row in rows:
        path = directory / row["file"]
        if not path.exists():
            raise InputError(path, "listed in the manifest but missing")
        data, rate = sf.read(str(path), dtype="float32")
        if rate != row["sample_rate"]:
            raise InputError(path, f"sample rate {rate} Hz, manifest says {row['sample_rate']}")
        audio.append(data)
    lengths = {a.size for a in audio}
    stacked = np.stack(audio) if len(lengths) == 1 else np.array(audio, dtype=object)
    return FactorDataset(factor, stacked, np.array([r["value"] for r in rows]), rows,
                         int(rows[0]["sample_rate"]))
