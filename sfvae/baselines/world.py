"""WORLD vocoder baseline (pyworld): analyse, change f0 / the envelope / aperiodicity, resynthesise.

Analysis: harvest (f0, 5 ms frames, 71-800 Hz), CheapTrick (spectral envelope), D4C
(aperiodicity), then ``pyworld.synthesize``.

- f0 (constant, ramp or per-frame target): the target replaces the contour on the frames
  harvest finds voiced; unvoiced frames stay 0, so voicing is unchanged. ``f0_scale``
  multiplies harvest's own contour.
- whisper: aperiodicity set to 1 everywhere (all excitation is noise), f0 left as analysed.
  WORLD places its noise excitation pitch-synchronously, so Praat still finds a weak
  periodicity (about 300 Hz) in the result.
- formants: the envelope's frequency axis is warped piecewise-linearly, frame by frame.

Warping rule (per WORLD frame). Praat measures F1..F4 on the input (Burg, sfvae.measure);
unvoiced frames and frames without a value are gaps, filled by linear interpolation in
time, then each track is median-smoothed over 5 frames (sfvae.baselines.tracks). The map
w from source to output frequency is piecewise-linear through the anchors

    (0, 0), (F1, T1), (F2, T2), (F3, T3), (F4, F4), (Nyquist, Nyquist)

where Tk is the target of fk if it is edited and Tk = Fk otherwise. So moving one formant
moves only the region between its two neighbours (0 Hz below F1, F4 above F3); the rest
of the envelope is untouched. If an edited target comes within MIN_GAP_HZ of (or beyond)
an unedited neighbour, that neighbour's anchor is dropped and the next one outward is
used, so the neighbour is carried along in proportion rather than crossed; targets are
finally clipped to keep the map strictly increasing. The output envelope is
sp'(f) = sp(w^-1(f)), interpolated on log power, so the peak that sat at Fk now sits at Tk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..conventions import SAMPLE_RATE, frame_times, n_frames
from ..editing import EditRequest, build_options, target_per_frame
from ..errors import ArgumentError

FRAME_PERIOD_MS = 5.0
F0_FLOOR = 71.0
F0_CEIL = 800.0
MIN_GAP_HZ = 100.0
N_MEASURED = 4  # F1..F4: F4 is the upper neighbour of F3


def load_pyworld():
    """The pyworld module (imported quietly: it imports the deprecated pkg_resources)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import pyworld
    return pyworld


def world_analysis(x: np.ndarray, sample_rate: int = SAMPLE_RATE):
    """WORLD analysis: (f0, times, envelope, aperiodicity), all per 5 ms frame."""
    pyworld = load_pyworld()
    x = np.ascontiguousarray(x, dtype=np.float64)
    f0, times = pyworld.harvest(x, sample_rate, f0_floor=F0_FLOOR, f0_ceil=F0_CEIL,
                                frame_period=FRAME_PERIOD_MS)
    envelope, aperiodicity = envelope_and_aperiodicity(x, f0, times, sample_rate)
    return f0, times, envelope, aperiodicity


def envelope_and_aperiodicity(x: np.ndarray, f0: np.ndarray, times: np.ndarray,
                              sample_rate: int = SAMPLE_RATE) -> tuple[np.ndarray, np.ndarray]:
    """CheapTrick envelope and D4C aperiodicity [T, 513 at 16 kHz] of ``x`` given its f0
    (Hz, 0 where unvoiced) at ``times`` (s): any f0 track on any frame grid."""
    pyworld = load_pyworld()
    x = np.ascontiguousarray(x, dtype=np.float64)
    f0 = np.ascontiguousarray(f0, dtype=np.float64)
    times = np.ascontiguousarray(times, dtype=np.float64)
    return pyworld.cheaptrick(x, f0, times, sample_rate), pyworld.d4c(x, f0, times, sample_rate)


def synthesize(f0: np.ndarray, envelope: np.ndarray, aperiodicity: np.ndarray, n_samples: int,
               frame_period_ms: float = FRAME_PERIOD_MS, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """pyworld's synthesis, cut or zero-padded to ``n_samples``; float32."""
    y = load_pyworld().synthesize(np.ascontiguousarray(f0, dtype=np.float64),
                                  np.ascontiguousarray(envelope, dtype=np.float64),
                                  np.ascontiguousarray(aperiodicity, dtype=np.float64),
                                  sample_rate, frame_period_ms)
    y = y[:n_samples] if len(y) >= n_samples else np.pad(y, (0, n_samples - len(y)))
    return y.astype(np.float32)


def _on_world_frames(target, n_samples: int, times: np.ndarray) -> np.ndarray:
    """A target expanded on the STFT frame grid, then read off at WORLD's frame times."""
    count = n_frames(n_samples)
    return np.interp(times, frame_times(count), target_per_frame(target, count))


def measured_formants(x: np.ndarray, times: np.ndarray) -> np.ndarray:
    """F1..F4 of ``x`` at ``times`` (Praat Burg, voiced frames, gap-filled): [T, 4]."""
    from .tracks import formants_at

    out = formants_at(x, times, n_tracks=N_MEASURED)
    # A formant Praat never finds: placed as in a uniform 17.5 cm tube.
    for k, default in enumerate((500.0, 1500.0, 2500.0, 3500.0)):
        if not np.isfinite(out[:, k]).any():
            out[:, k] = default
    return out


def warp_anchors(source: np.ndarray, target: np.ndarray, edited: np.ndarray,
                 nyquist: float) -> tuple[np.ndarray, np.ndarray]:
    """Anchor points (src, dst) of one frame's map, following the module's rule.

    source: measured F1..F4; target: their targets (= source where not edited);
    edited: bool per formant. Returns strictly increasing src and dst including 0 and Nyquist.
    """
    keep = np.ones(len(source), dtype=bool)
    # Drop unedited neighbours that an edited target would reach or cross.
    for k in np.flatnonzero(edited):
        for j in range(len(source)):
            if edited[j] or j == k:
                continue
            if j > k and target[k] > source[j] - MIN_GAP_HZ:
                keep[j] = False
            if j < k and target[k] < source[j] + MIN_GAP_HZ:
                keep[j] = False
    src = np.concatenate([[0.0], source[keep], [nyquist]])
    dst = np.concatenate([[0.0], target[keep], [nyquist]])
    # Also the sources must increase (measurement noise can put two formants together).
    order_ok = np.concatenate([[True], np.diff(src) > 1.0])
    src, dst = src[order_ok], dst[order_ok]
    if src[-1] != nyquist:
        src[-1], dst[-1] = nyquist, nyquist
    for i in range(1, len(dst) - 1):  # clip targets so the map stays increasing
        low = dst[i - 1] + MIN_GAP_HZ / 2
        dst[i] = min(max(dst[i], low), nyquist - MIN_GAP_HZ / 2 * (len(dst) - 1 - i))
    return src, dst


def warp_envelope(envelope: np.ndarray, src: np.ndarray, dst: np.ndarray,
                  sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """sp'(f) = sp(w^-1(f)) for one frame, w the piecewise-linear map src -> dst."""
    freqs = np.linspace(0.0, sample_rate / 2, len(envelope))
    back = np.interp(freqs, dst, src)
    return np.exp(np.interp(back, freqs, np.log(np.maximum(envelope, 1e-300))))


@dataclass(frozen=True)
class WorldOptions:
    """Method "world" has no options (its analysis settings are the module's constants)."""


Options = WorldOptions


def edit_audio(audio: np.ndarray, request: EditRequest, options: WorldOptions | None = None,
               **kwargs) -> np.ndarray:
    """Edit f0, formants or voicing with WORLD; returns audio of the same length."""
    build_options(WorldOptions, "world", options, kwargs)
    x = np.asarray(audio, dtype=np.float64)
    f0, times, envelope, aperiodicity = world_analysis(x)
    voiced = f0 > 0
    if (request.f0 is not None or request.f0_scale is not None) and not voiced.any():
        raise ArgumentError("method world: no voiced frames found in the input, f0 cannot be set")
    if request.f0 is not None:
        f0 = np.where(voiced, _on_world_frames(request.f0, len(x), times), 0.0)
    elif request.f0_scale is not None:
        f0 = f0 * float(request.f0_scale)
    if request.whisper:
        aperiodicity = np.ones_like(aperiodicity)

    formant_targets = {k: getattr(request, f"f{k}") for k in (1, 2, 3)
                       if getattr(request, f"f{k}") is not None}
    if formant_targets:
        source = measured_formants(x, times)
        target = source.copy()
        edited = np.zeros(N_MEASURED, dtype=bool)
        for k, value in formant_targets.items():
            target[:, k - 1] = _on_world_frames(value, len(x), times)
            edited[k - 1] = True
        nyquist = SAMPLE_RATE / 2
        envelope = np.array([
            warp_envelope(envelope[t], *warp_anchors(source[t], target[t], edited, nyquist))
            for t in range(len(times))])

    return synthesize(f0, envelope, aperiodicity, len(x))
