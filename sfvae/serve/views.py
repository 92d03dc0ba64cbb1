"""What the editor page shows of a clip and of an edit, computed on the server.

- :func:`view_clip`: Praat's f0 and F1-F3 tracks and medians (:mod:`sfvae.measure`), the
  spectrogram as a bare image (the page draws the tracks and axes over it in a canvas, so
  a track can be toggled without a round trip), and the clip's latent frames projected on
  each factor's subspace, U_i^T (z - m_i).
- :func:`trajectories`: where the factor datasets lie in each subspace: the control keeps
  no dataset points, only the regression g_i, so the curve g_i(y) over the factor's range.
- :func:`edit_targets` and :func:`edit_table`: an edit's targets in Hz and the table of
  target against measured values, as ``sfvae demo`` prints it.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np

from .. import audio as audio_io
from .. import measure
from ..conventions import SAMPLE_RATE, frame_times
from ..demo import DemoItem, ramp_expectation, table
from ..editing import EditRequest
from ..factors import FACTORS

# The spectrogram is shown up to Praat's formant ceiling: the tracks drawn over it live there.
DISPLAY_MAX_HZ = measure.MAX_FORMANT
DYNAMIC_RANGE_DB = 80.0
SPECTROGRAM_CMAP = "magma"
# The first two axes of each subspace (the largest variance) are what the page plots.
LATENT_AXES = 2
TRAJECTORY_POINTS = 41


@dataclass
class ClipView:
    duration: float
    measured: dict[str, float]       # Praat medians, as ``sfvae.measure.measure``
    pitch: measure.Track
    formants: measure.Track
    latent: dict[str, np.ndarray]    # factor -> [frames, LATENT_AXES] coordinates
    voiced: np.ndarray               # [frames] Praat finds the frame voiced
    spectrogram_png: bytes

    def to_json(self) -> dict:
        return {
            "duration": round(self.duration, 4),
            "measured": {k: _num(v) for k, v in self.measured.items()},
            "pitch": {"times": _list(self.pitch.times, 4), "values": _list(self.pitch.values, 1)},
            "formants": {"times": _list(self.formants.times, 4),
                         "values": _list(self.formants.values, 1)},
            "latent": {k: _list(v, 4) for k, v in self.latent.items()},
            "voiced": self.voiced.astype(bool).tolist(),
            "max_hz": DISPLAY_MAX_HZ,
        }


def _num(value: float, digits: int = 1) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


def _list(values: np.ndarray, digits: int) -> list:
    """Nested lists for JSON, NaN as null (JSON has no NaN)."""
    arr = np.round(np.asarray(values, dtype=np.float64), digits)
    return np.where(np.isfinite(arr), arr, None).tolist()


def spectrogram_png(audio: np.ndarray) -> bytes:
    """dB power spectrogram, 0..DISPLAY_MAX_HZ, as a bare PNG (time left to right, low at the bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    power = audio_io.power_spectrogram(audio)
    bins = int(np.ceil(DISPLAY_MAX_HZ / (SAMPLE_RATE / 2) * (power.shape[1] - 1))) + 1
    db = 10 * np.log10(power[:, :bins] / power.max())
    buf = io.BytesIO()
    plt.imsave(buf, db.T[::-1], cmap=SPECTROGRAM_CMAP, vmin=-DYNAMIC_RANGE_DB, vmax=0.0,
               format="png")
    return buf.getvalue()


def latent_frames(audio: np.ndarray, model) -> np.ndarray:
    """Posterior means [frames, K] of the peak-normalised clip, as the editor encodes it."""
    power = audio_io.power_spectrogram(audio_io.normalize_peak(audio))
    mu, _ = model.encode_numpy(power)
    return mu


def voiced_frames(pitch: measure.Track, n: int) -> np.ndarray:
    """Whether Praat's nearest pitch frame to each STFT frame is voiced."""
    return np.isfinite(measure.values_at(pitch, frame_times(n), max_distance=None))


def view_clip(audio: np.ndarray, model, control) -> ClipView:
    pitch = measure.pitch_track(audio)
    z = latent_frames(audio, model)
    return ClipView(
        duration=audio.size / SAMPLE_RATE,
        measured=measure.measure(audio),
        pitch=pitch,
        formants=measure.formant_tracks(audio),
        latent={f: control.project(f, z)[:, :LATENT_AXES] for f in FACTORS if f in control.factors},
        voiced=voiced_frames(pitch, z.shape[0]),
        spectrogram_png=spectrogram_png(audio),
    )


def voice_f0(measured: dict[str, float]) -> float | None:
    """The voice's f0 for the speaker-adaptive regressions (None when nothing is voiced)."""
    f0 = measured.get("f0")
    return f0 if f0 is not None and math.isfinite(f0) else None


def trajectories(control, measured: dict[str, float]) -> dict[str, dict]:
    """Per factor: g_i(y) over the factor's learned range, first axes (the datasets' curve)."""
    out = {}
    for name in FACTORS:
        if name not in control.factors:
            continue
        lo, hi = control.range(name)
        hz = np.linspace(lo, hi, TRAJECTORY_POINTS)
        coords = control.coordinates_for(name, hz, voice_f0(measured))[:, :LATENT_AXES]
        out[name] = {"hz": _list(hz, 1), "coords": _list(coords, 4)}
    return out


def edit_targets(request: EditRequest, source: dict[str, float]) -> dict[str, list[float]]:
    """The edit's target values in Hz per factor: one value, or a ramp's two ends."""
    targets: dict[str, list[float]] = {}
    for name, value in request.targets().items():
        if isinstance(value, tuple):
            targets[name] = [float(v) for v in value]
        else:
            targets[name] = [float(np.median(np.atleast_1d(value)))]
    if request.f0_scale is not None:
        targets["f0"] = [request.f0_scale * source["f0"]]
    return targets


def target_coordinates(control, request: EditRequest, source: dict[str, float]) -> dict:
    """g_i of each target (first axes), where the edit aims in each subspace; whisper: m_f0."""
    out = {}
    for name, values in edit_targets(request, source).items():
        if name in control.factors and all(math.isfinite(v) for v in values):
            coords = control.coordinates_for(name, np.array(values), voice_f0(source))
            out[name] = _list(coords[:, :LATENT_AXES], 4)
    if request.whisper and "f0" in control.factors:
        out["f0"] = [[0.0] * LATENT_AXES]   # the subspace removed: its centre
    return out


def describe(request: EditRequest, method: str) -> str:
    parts = []
    if request.whisper:
        parts.append("whisper")
    if request.f0_scale is not None:
        parts.append(f"f0 x{request.f0_scale:g}")
    for name, value in request.targets().items():
        if isinstance(value, tuple):
            parts.append(f"{name} {value[0]:.0f}->{value[1]:.0f}")
        elif np.size(value) > 1:
            parts.append(f"{name} drawn {np.min(value):.0f}-{np.max(value):.0f}")
        else:
            parts.append(f"{name} {float(np.median(np.atleast_1d(value))):.0f}")
    return f"{method}: {', '.join(parts)}"


def contour_expectation(output: np.ndarray, contour: np.ndarray) -> float:
    """Median of a drawn f0 contour (spread over the file) over the output's voiced frames:
    the output's median f0 is taken over those frames only (cf. ``demo.ramp_expectation``)."""
    track = measure.pitch_track(output)
    voiced = np.isfinite(track.values)
    times = track.times[voiced] if voiced.any() else track.times
    position = times / (output.size / SAMPLE_RATE)
    return float(np.median(np.interp(position, np.linspace(0, 1, contour.size), contour)))


def input_table(measured: dict[str, float]) -> str:
    """``sfvae demo``'s table with the input's row only (before any edit)."""
    return table([DemoItem("original", "the input, unedited", None, {}, measured=measured)],
                 measured)


def edit_table(request: EditRequest, method: str, source: dict[str, float], output: np.ndarray,
               measured: dict[str, float]) -> str:
    """``sfvae demo``'s table for the input and this edit (expected value beside Praat's)."""
    targets = {k: v[0] for k, v in edit_targets(request, source).items()}
    if isinstance(request.f0, tuple):
        # As in the demo: a ramp's fair target is its median over the output's voiced frames.
        targets["f0"] = ramp_expectation(output, request.f0)
    elif np.size(request.f0) > 1:
        targets["f0"] = contour_expectation(output, np.asarray(request.f0, dtype=float))
    items = [DemoItem("original", "the input, unedited", None, {}, measured=source),
             # The demo expects no f0 of an output named "whisper".
             DemoItem("whisper" if request.whisper else "output", describe(request, method),
                      request, targets, measured=measured)]
    return table(items, source)
