"""Analysis stage of the editor: what every later stage reads off the input, computed once.

``analyse_input(audio, model)`` -> :class:`Analysis`: the peak, the STFT of the peak-normalised
waveform (sfvae.conventions' frames), the latent posterior means per frame and, when asked,
Praat's f0 at each frame centre. The latent edit, the refinement and the renderers all take
an ``Analysis``; baselines that share the VAE (vae-baseline) use it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import audio as audio_io


@dataclass
class Analysis:
    """The input as the editor sees it.

    audio : float32 [N] the (checked) input waveform.
    peak : float, the input's peak |x| (the STFT is of x / peak).
    spec : complex [T, F] STFT of x / peak (F = N_FFT // 2 + 1).
    z : float32 [T, K] latent posterior means of the power frames.
    f0 : float [T] Praat f0 (Hz) at each frame centre, NaN where unvoiced; None when the
        analysis was made without a pitch track.
    pitch : Praat's own track (sfvae.measure.Track: 10 ms frames), or None likewise.
    """

    audio: np.ndarray
    peak: float
    spec: np.ndarray
    z: np.ndarray
    f0: np.ndarray | None = None
    pitch: Any = None

    @property
    def n_frames(self) -> int:
        return int(self.z.shape[0])

    @property
    def power(self) -> np.ndarray:
        """[T, F] power of the peak-normalised STFT (no floor)."""
        return (self.spec.real ** 2 + self.spec.imag ** 2).astype(np.float64)

    @property
    def voiced(self) -> np.ndarray:
        """[T] bool: Praat finds the frame voiced (all False without a pitch track)."""
        if self.f0 is None:
            return np.zeros(self.n_frames, dtype=bool)
        return np.isfinite(self.f0)

    def f0_at(self, times: np.ndarray, bridged: bool = False) -> np.ndarray:
        """Praat's f0 (Hz) at ``times`` (s), linear between its voiced frames: finer than
        ``f0`` (the nearest frame's value). 0 where the nearest frame is unvoiced, unless
        ``bridged`` (then the gaps are bridged linearly, the ends held)."""
        from ..measure import values_at

        if self.pitch is None or not np.isfinite(self.pitch.values).any():
            return np.zeros(len(times))
        t, v = np.asarray(self.pitch.times), np.asarray(self.pitch.values)
        voiced = np.isfinite(v)
        value = np.interp(times, t[voiced], v[voiced])
        if bridged:
            return value
        return np.where(np.isfinite(values_at(self.pitch, times)), value, 0.0)

    @property
    def voice_f0(self) -> float | None:
        """The voice's own f0: median over voiced frames (Hz), None when nothing is voiced."""
        return float(np.nanmedian(self.f0)) if self.voiced.any() else None


def analyse_input(audio: np.ndarray, model, track_f0: bool = True) -> Analysis:
    """Analyse a checked 16 kHz waveform with ``model`` (a VAE); ``track_f0``: run Praat too."""
    peak = float(np.max(np.abs(audio)))
    spec = audio_io.stft(audio / peak)
    power = (spec.real**2 + spec.imag**2 + audio_io.POWER_FLOOR).astype(np.float32)
    mu, _ = model.encode_numpy(power)
    if not track_f0:
        return Analysis(audio=audio, peak=peak, spec=spec, z=mu)
    from ..conventions import frame_times
    from ..measure import pitch_track, values_at

    track = pitch_track(audio)
    f0 = values_at(track, frame_times(mu.shape[0]))
    return Analysis(audio=audio, peak=peak, spec=spec, z=mu, f0=f0, pitch=track)


def frame_f0(audio: np.ndarray, n_frames: int) -> np.ndarray:
    """Praat f0 at each STFT frame centre (nearest Praat frame), NaN where unvoiced."""
    from ..conventions import frame_times
    from ..measure import pitch_track, values_at

    return values_at(pitch_track(audio), frame_times(n_frames))
