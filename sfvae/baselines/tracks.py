"""Per-frame Praat measurements on an arbitrary time grid, gap-filled, for the baselines."""

from __future__ import annotations

import numpy as np

SMOOTH_FRAMES = 5


def fill_track(track: np.ndarray, smooth: int = SMOOTH_FRAMES) -> np.ndarray:
    """Fill NaN gaps by linear interpolation in time, then median-smooth; all-NaN stays NaN."""
    from scipy.ndimage import median_filter

    track = np.asarray(track, dtype=np.float64)
    good = np.isfinite(track)
    if not good.any():
        return track.copy()
    filled = np.interp(np.arange(len(track)), np.flatnonzero(good), track[good])
    return median_filter(filled, size=smooth, mode="nearest") if smooth > 1 else filled


def formants_at(audio: np.ndarray, times: np.ndarray, n_tracks: int = 3,
                voiced_only: bool = True) -> np.ndarray:
    """Praat F1..F<n_tracks> at ``times`` [T, n], gap-filled and smoothed per track.

    With ``voiced_only``, frames Praat finds unvoiced are treated as gaps (formants of
    silence and noise are unreliable) unless nothing is voiced. A formant Praat never
    finds stays NaN.
    """
    from .. import measure

    ftrack = measure.formant_tracks(audio, n_tracks=n_tracks)
    values = measure.values_at(ftrack, times)
    if voiced_only:
        f0 = f0_at(audio, times)
        if np.isfinite(f0).any():
            values[~np.isfinite(f0)] = np.nan
    return np.stack([fill_track(values[:, k]) for k in range(n_tracks)], axis=1)


def f0_at(audio: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Praat f0 at ``times`` (nearest frame), NaN where unvoiced."""
    from .. import measure

    ptrack = measure.pitch_track(audio)
    return measure.values_at(ptrack, times)
