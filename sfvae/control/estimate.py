"""Estimation (the paper's future work): f0 and f1-f3 per frame read off the latent space.

For each frame: posterior mean z, projection p_i = U_i^T (z - m_i), and y_i = the value in
the learned range whose g_i(y) is nearest to p_i. The values are defined on every frame
(no voicing decision) and lie within the learned ranges. With a control that has speakers'
regressions, the voice's f0 (median over the louder frames, read off the latent space the
same way) chooses them, as in editing.
"""

from __future__ import annotations

import os

import numpy as np

from .. import audio as audio_io
from ..conventions import frame_times
from ..factors import FACTORS
from ..fileio import write_text
from .editor import load_model_and_control
from .input_analysis import analyse_input

COLUMNS = ("time",) + FACTORS


def estimate(audio: np.ndarray, model=None, control=None) -> dict[str, np.ndarray]:
    """{'time': [T] s, 'f0'..'f3': [T] Hz} for a 16 kHz mono waveform."""
    audio = audio_io.check_audio(audio)
    model, control = load_model_and_control(model, control)
    analysis = analyse_input(audio, model, track_f0=False)
    z = analysis.z
    out = {"time": frame_times(z.shape[0])}
    voice_f0 = None
    if control.speaker_f0:
        # The voice's f0 chooses the speakers' regressions: estimated first with the pooled
        # regression, then once more with the speakers' (over the louder frames).
        energy = 10 * np.log10(np.sum(analysis.power, axis=1) + 1e-12)
        loud = energy > energy.max() - 30.0
        f0_coords = control.project("f0", z[loud])
        voice_f0 = float(np.median(control.invert("f0", f0_coords)))
        voice_f0 = float(np.median(control.invert("f0", f0_coords, voice_f0)))
    for name in FACTORS:
        out[name] = control.invert(name, control.project(name, z), voice_f0)
    return out


def estimate_file(path: str | os.PathLike, **kwargs) -> dict[str, np.ndarray]:
    """:func:`estimate` of a file; long files block by block (:func:`sfvae.blocks.estimate_file`)."""
    from ..blocks import estimate_file as in_blocks

    return in_blocks(path, **kwargs)


def to_csv(table: dict[str, np.ndarray]) -> str:
    lines = [",".join(COLUMNS)]
    for i in range(table["time"].size):
        lines.append(f"{table['time'][i]:.4f}," + ",".join(f"{table[n][i]:.1f}" for n in FACTORS))
    return "\n".join(lines) + "\n"


def write_csv(path: str | os.PathLike, table: dict[str, np.ndarray]) -> None:
    write_text(path, to_csv(table))
