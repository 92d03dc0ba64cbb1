"""Audio front end: reading, resampling, peak normalisation, STFT and its inverse.

Array conventions: waveforms are 1-D float32 at ``SAMPLE_RATE``; spectrograms are
``[frames, bins]`` (T x 513), frames first, so that a spectrogram is a batch of frames for
the model. STFT parameters come from :mod:`sfvae.conventions`.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import torch

from .conventions import (
    CENTER, HOP_LENGTH, N_FFT, PAD_MODE, POWER_FLOOR, SAMPLE_RATE, WIN_LENGTH,
)
from .errors import InputError
from .fileio import atomic_path

__all__ = [
    "load", "from_file", "check_audio", "resample", "normalize_peak", "stft", "istft",
    "power_spectrogram", "save",
]


def check_audio(audio: np.ndarray, source: str | os.PathLike | None = None) -> np.ndarray:
    """Validate a mono waveform and return it as contiguous float32.

    Raises :class:`InputError` naming ``source`` when the audio is empty, silent, shorter
    than one analysis frame, or holds NaN/inf samples.
    """
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise InputError(source, f"expected a mono waveform (1-D array), got shape {audio.shape}")
    if audio.size == 0:
        raise InputError(source, "contains no samples")
    if not np.issubdtype(audio.dtype, np.floating):
        raise InputError(source, f"expected floating-point samples, got {audio.dtype}")
    if not np.all(np.isfinite(audio)):
        raise InputError(source, "contains NaN or infinite samples")
    if not np.any(audio):
        raise InputError(source, "is silent (every sample is zero)")
    if audio.size < N_FFT:
        raise InputError(
            source,
            f"is {audio.size} samples long at {SAMPLE_RATE} Hz, shorter than one analysis "
            f"frame ({N_FFT} samples)",
        )
    return np.ascontiguousarray(audio, dtype=np.float32)


def resample(audio: np.ndarray, sample_rate: int, target_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Resample with the SoX resampler at very high quality (soxr 'VHQ')."""
    if sample_rate == target_rate:
        return np.asarray(audio, dtype=np.float32)
    return soxr.resample(np.asarray(audio, dtype=np.float32), sample_rate, target_rate,
                         quality="VHQ").astype(np.float32)


def load(path: str | os.PathLike, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Read wav/flac/ogg/NIST SPHERE (anything libsndfile reads) as mono float32.

    Channels are averaged and the result is resampled to ``sample_rate``. Not normalised:
    see :func:`normalize_peak`.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file")
    if path.is_dir():
        raise InputError(path, "is a directory, not an audio file")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        detail = str(exc).split("\n")[0].replace(str(path), "").strip(" :")
        raise InputError(path, f"not a readable audio file ({detail or type(exc).__name__})") from None
    if data.size == 0:
        raise InputError(path, "contains no samples")
    if not np.all(np.isfinite(data)):
        raise InputError(path, "contains NaN or infinite samples")
    audio = data.mean(axis=1)
    audio = resample(audio, rate, sample_rate)
    return check_audio(audio, path)


from_file = load


def normalize_peak(audio: np.ndarray, peak: float = 1.0) -> np.ndarray:
    """Scale so that the largest absolute sample equals ``peak`` (the model's input scale)."""
    top = float(np.max(np.abs(audio)))
    if top == 0.0 or not np.isfinite(top):
        raise InputError(None, "cannot peak-normalise silent or non-finite audio")
    return (np.asarray(audio, dtype=np.float32) * (peak / top)).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _window() -> torch.Tensor:
    # Built once: a new window per call cost ~20 % of short-file encoding time.
    return torch.hann_window(WIN_LENGTH, periodic=True, dtype=torch.float32)


def stft(audio: np.ndarray) -> np.ndarray:
    """Complex STFT, shape [frames, bins] = [1 + len // hop, 513], complex64."""
    x = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))
    spec = torch.stft(x, N_FFT, HOP_LENGTH, WIN_LENGTH, _window(), center=CENTER,
                      pad_mode=PAD_MODE, return_complex=True)
    return spec.T.contiguous().numpy()


def istft(spec: np.ndarray, length: int | None = None) -> np.ndarray:
    """Inverse of :func:`stft` (weighted overlap-add); ``spec`` is [frames, bins]."""
    s = torch.from_numpy(np.ascontiguousarray(np.asarray(spec).T, dtype=np.complex64))
    x = torch.istft(s, N_FFT, HOP_LENGTH, WIN_LENGTH, _window(), center=CENTER, length=length)
    return x.numpy().astype(np.float32)


def power_spectrogram(audio: np.ndarray) -> np.ndarray:
    """|STFT|^2 + POWER_FLOOR, shape [frames, 513], float32; finite even on digital silence."""
    spec = stft(audio)
    return (spec.real**2 + spec.imag**2 + POWER_FLOOR).astype(np.float32)


def save(path: str | os.PathLike, audio: np.ndarray, sample_rate: int = SAMPLE_RATE,
         subtype: str = "PCM_16") -> Path:
    """Write audio atomically (temporary file, then rename).

    Audio whose peak exceeds 1 is scaled to a peak of 0.99 rather than clipped.
    """
    path = Path(path)
    audio = np.asarray(audio, dtype=np.float32)
    if not np.all(np.isfinite(audio)):
        raise InputError(path, "refusing to write audio with NaN or infinite samples")
    top = float(np.max(np.abs(audio))) if audio.size else 0.0
    if top > 1.0:
        audio = audio * (0.99 / top)
    with atomic_path(path) as tmp:
        sf.write(str(tmp), audio, sample_rate, subtype=subtype, format=_format_for(path))
    return path


def _format_for(path: Path) -> str:
    ext = path.suffix.lower().lstrip(".")
    return {"wav": "WAV", "flac": "FLAC", "ogg": "OGG"}.get(ext, "WAV")
