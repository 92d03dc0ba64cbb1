"""TD-PSOLA baseline: Praat's Manipulation object, resynthesised by overlap-add.

The input's pitch marks are found by Praat (``To Manipulation``, 10 ms, 75-600 Hz); its
PitchTier is replaced by the target contour (one point per STFT frame for trajectories,
the input's own tier multiplied by the ratio for ``f0_scale``) and the sound is
resynthesised with ``Get resynthesis (overlap-add)``. Unvoiced stretches are copied as
they are. PSOLA moves pitch only: a formant target or whisper is an :class:`ArgumentError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..conventions import SAMPLE_RATE, frame_times, n_frames
from ..editing import EditRequest, build_options, target_per_frame
from ..errors import ArgumentError
from ..measure import PITCH_CEILING, PITCH_FLOOR

TIME_STEP = 0.01


@dataclass(frozen=True)
class PsolaOptions:
    """Praat's pitch analysis for the Manipulation: time step (s), floor and ceiling (Hz)."""

    time_step: float = TIME_STEP
    pitch_floor: float = PITCH_FLOOR
    pitch_ceiling: float = PITCH_CEILING

    def __post_init__(self) -> None:
        if not 0 < self.time_step <= 0.1:
            raise ArgumentError(f"time_step must be in (0, 0.1] s, got {self.time_step}")
        if not 0 < self.pitch_floor < self.pitch_ceiling:
            raise ArgumentError(f"need 0 < pitch_floor < pitch_ceiling, got {self.pitch_floor}, "
                                f"{self.pitch_ceiling}")


Options = PsolaOptions


def edit_audio(audio: np.ndarray, request: EditRequest, options: PsolaOptions | None = None,
               **kwargs) -> np.ndarray:
    """Set or scale f0 by TD-PSOLA; returns audio of the same length."""
    import parselmouth
    from parselmouth import praat

    options = build_options(PsolaOptions, "psola", options, kwargs)

    if request.f1 is not None or request.f2 is not None or request.f3 is not None or request.whisper:
        raise ArgumentError("method psola edits f0 only")
    if request.f0 is None and request.f0_scale is None:
        raise ArgumentError("method psola needs --f0 or --f0-scale")
    x = np.asarray(audio, dtype=np.float64)
    sound = parselmouth.Sound(x, sampling_frequency=SAMPLE_RATE)
    duration = sound.get_total_duration()
    manipulation = praat.call(sound, "To Manipulation", options.time_step,
                                options.pitch_floor, options.pitch_ceiling)
    if request.f0_scale is not None:
        tier = praat.call(manipulation, "Extract pitch tier")
        praat.call(tier, "Multiply frequencies", 0.0, duration, float(request.f0_scale))
    else:
        tier = praat.call("Create PitchTier", "target", 0.0, duration)
        if isinstance(request.f0, tuple):  # a ramp is exactly two points
            times, values = np.array([0.0, duration]), np.array(request.f0, dtype=float)
        else:
            count = n_frames(len(x))
            times = np.clip(frame_times(count), 0.0, duration)
            values = target_per_frame(request.f0, count)
            if np.ptp(values) == 0:
                times, values = times[:1], values[:1]
        for t, v in zip(times, values):
            praat.call(tier, "Add point", float(t), float(v))
    praat.call([manipulation, tier], "Replace pitch tier")
    out = praat.call(manipulation, "Get resynthesis (overlap-add)")
    y = np.asarray(out.values[0], dtype=np.float32)
    if len(y) >= len(x):
        return y[: len(x)].copy()
    return np.pad(y, (0, len(x) - len(y)))
