"""Praat measurements (through parselmouth) of f0 and formants: the independent reference.

As in the released evaluation code: autocorrelation pitch (``To Pitch (ac)``) and Burg
formants with a 5500 Hz ceiling and five formants. Praat's own advice is 5000 Hz for male
voices; on our synthetic vowels both ceilings put F1/F2 within a few percent (see
benchmarks/README.md, "Synthesizer"), so 5500 stays the default for comparability with the
paper and ``max_formant`` is there to change it.

Tracks hold NaN where Praat finds nothing (unvoiced frame, undefined formant); summaries
are medians over voiced frames (over all frames when nothing is voiced, e.g. whisper).
"""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

from .audio import read_native
from .conventions import SAMPLE_RATE
from .errors import InputError

__all__ = [
    "Track", "pitch_track", "formant_tracks", "measure_f0", "measure_formants", "measure",
    "measure_file", "measure_f0_file", "measure_formants_file",
    "PITCH_FLOOR", "PITCH_CEILING", "MAX_FORMANT", "N_FORMANTS", "values_at", "bridge_gaps",
]

PITCH_FLOOR = 75.0
PITCH_CEILING = 600.0
MAX_FORMANT = 5500.0
N_FORMANTS = 5


class Track(NamedTuple):
    """Frame times (s) and values (Hz): [T] for pitch, [T, n] for formants; NaN = none."""

    times: np.ndarray
    values: np.ndarray


def _sound(audio: np.ndarray, sr: int):
    import parselmouth

    x = np.asarray(audio, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise InputError(None, f"expected a non-empty mono waveform, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise InputError(None, "contains NaN or infinite samples")
    return parselmouth.Sound(x, sampling_frequency=float(sr))


def pitch_track(audio: np.ndarray, sr: int = SAMPLE_RATE, floor: float = PITCH_FLOOR,
                ceiling: float = PITCH_CEILING) -> Track:
    """Praat autocorrelation pitch per frame (default time step 0.75 / floor)."""
    pitch = _sound(audio, sr).to_pitch_ac(pitch_floor=floor, pitch_ceiling=ceiling)
    f0 = pitch.selected_array["frequency"].astype(np.float64)
    f0[f0 <= 0] = np.nan
    return Track(np.asarray(pitch.xs(), dtype=np.float64), f0)


def formant_tracks(audio: np.ndarray, sr: int = SAMPLE_RATE, max_formant: float = MAX_FORMANT,
                   n_formants: int = N_FORMANTS, n_tracks: int = 3) -> Track:
    """Praat Burg formants per frame, values [T, n_tracks] (F1, F2, F3 by default)."""
    from parselmouth.praat import call

    formant = _sound(audio, sr).to_formant_burg(max_number_of_formants=n_formants,
                                                 maximum_formant=max_formant)
    values = np.stack([call(formant, "To Matrix", i + 1).values[0] for i in range(n_tracks)],
                      axis=1).astype(np.float64)
    values[~(values > 0)] = np.nan
    return Track(np.asarray(formant.xs(), dtype=np.float64), values)


def _median(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else float("nan")


def measure_f0(audio: np.ndarray, sr: int = SAMPLE_RATE, floor: float = PITCH_FLOOR,
               ceiling: float = PITCH_CEILING) -> float:
    """Median f0 (Hz) over voiced frames; NaN when no frame is voiced."""
    return _median(pitch_track(audio, sr, floor, ceiling).values)


def measure_formants(audio: np.ndarray, sr: int = SAMPLE_RATE,
                     max_formant: float = MAX_FORMANT, n_formants: int = N_FORMANTS,
                     n_tracks: int = 3, voiced: Track | None = None) -> np.ndarray:
    """Median F1..F<n_tracks> (Hz); over the voiced frames of ``voiced`` if given."""
    tracks = formant_tracks(audio, sr, max_formant, n_formants, n_tracks)
    values = tracks.values
    if voiced is not None:
        mask = _voiced_at(voiced, tracks.times)
        if mask.any():
            values = values[mask]
    return np.array([_median(values[:, i]) for i in range(values.shape[1])])


# A Praat frame stands for a time within this distance (s) of its centre (one 16 kHz STFT
# hop is 16 ms; Praat's pitch step is 10 ms): farther, the value is NaN.
NEAREST_FRAME_MAX_S = 0.02


def values_at(track: Track, times: np.ndarray, max_distance: float | None = NEAREST_FRAME_MAX_S
              ) -> np.ndarray:
    """The values of ``track`` ([T] or [T, n]) at its nearest frame to each of ``times`` (s);
    NaN where that frame is farther than ``max_distance`` (None: never) or the track is empty."""
    times = np.asarray(times, dtype=np.float64)
    values = np.asarray(track.values, dtype=np.float64)
    if track.times.size == 0:
        return np.full(times.shape + values.shape[1:], np.nan)
    right = np.clip(np.searchsorted(track.times, times), 0, track.times.size - 1)
    left = np.clip(right - 1, 0, track.times.size - 1)
    pick = np.where(np.abs(track.times[left] - times) < np.abs(track.times[right] - times),
                    left, right)
    out = values[pick].copy()
    if max_distance is not None:
        out[np.abs(track.times[pick] - times) > max_distance] = np.nan
    return out


def bridge_gaps(values: np.ndarray) -> np.ndarray:
    """A [T] track with its NaN gaps filled by linear interpolation between the neighbouring
    values (held constant beyond the ends); all-NaN stays all-NaN."""
    values = np.asarray(values, dtype=np.float64)
    good = np.isfinite(values)
    if not good.any():
        return values.copy()
    return np.interp(np.arange(values.size), np.flatnonzero(good), values[good])


def _voiced_at(pitch: Track, times: np.ndarray) -> np.ndarray:
    """Whether the nearest pitch frame to each time is voiced."""
    return np.isfinite(values_at(pitch, times, max_distance=None))


def measure(audio: np.ndarray, sr: int = SAMPLE_RATE, floor: float = PITCH_FLOOR,
            ceiling: float = PITCH_CEILING, max_formant: float = MAX_FORMANT,
            n_formants: int = N_FORMANTS) -> dict[str, float]:
    """{'f0', 'f1', 'f2', 'f3'}: medians over voiced frames (formants over all frames when
    nothing is voiced; f0 is then NaN)."""
    pitch = pitch_track(audio, sr, floor, ceiling)
    f1, f2, f3 = measure_formants(audio, sr, max_formant, n_formants, 3, voiced=pitch)
    return {"f0": _median(pitch.values), "f1": float(f1), "f2": float(f2), "f3": float(f3)}


def measure_file(path: str | os.PathLike, **kwargs) -> dict[str, float]:
    """:func:`measure` on an audio file (any rate: read at its own, Praat needs no resampling)."""
    audio, rate = read_native(path)
    return measure(audio, rate, **kwargs)


def measure_f0_file(path: str | os.PathLike, **kwargs) -> float:
    audio, rate = read_native(path)
    return measure_f0(audio, rate, **kwargs)


def measure_formants_file(path: str | os.PathLike, **kwargs) -> np.ndarray:
    audio, rate = read_native(path)
    return measure_formants(audio, rate, **kwargs)


from_file = measure_file
