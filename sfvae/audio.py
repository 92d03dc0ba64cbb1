"""Audio front end: reading, resampling, peak normalisation, STFT and its inverse.

Array conventions: waveforms are 1-D float32 at ``SAMPLE_RATE``; spectrograms are
``[frames, bins]`` (T x 513), frames first, so that a spectrogram is a batch of frames for
the model. STFT parameters come from :mod:`sfvae.conventions`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import torch

from .conventions import (
    CENTER,
    HOP_LENGTH,
    N_FFT,
    PAD_MODE,
    POWER_FLOOR,
    SAMPLE_RATE,
    WIN_LENGTH,
)
from .errors import InputError
from .fileio import atomic_path, audio_format, check_input

__all__ = [
    "load", "read_native", "from_file", "check_audio", "check_peak", "resample", "normalize_peak", "stft", "istft",
    "power_spectrogram", "save", "open_audio", "read_blocks", "scan", "full_scale",
    "TruncationWarning", "QUANTUM",
]


# The smallest step of 16-bit audio: a peak below it is silence in any integer format, and
# a float file that quiet is numerically silent (its edit comes out all zeros).
QUANTUM = 1.0 / 32768
READ_BLOCK = 1 << 20  # frames per read of a long file (4 MB of float32 per channel)


class TruncationWarning(UserWarning):
    """A file's header promises more audio than the file holds."""


def check_peak(peak: float, source: str | os.PathLike | None = None) -> None:
    """InputError naming ``source`` when a peak means silence (zero, or below the 16-bit
    quantum: a float file that quiet edits to all zeros)."""
    if peak == 0.0:
        raise InputError(source, "is silent (every sample is zero)")
    if peak < QUANTUM:
        raise InputError(source, f"is silent (peak {peak:.3g} is below the 16-bit quantum "
                                 f"1/32768)")


def check_audio(audio: np.ndarray, source: str | os.PathLike | None = None) -> np.ndarray:
    """Validate a mono waveform and return it as contiguous float32.

    Raises :class:`InputError` naming ``source`` when the audio is empty, silent (every
    sample below the 16-bit quantum), shorter than one analysis frame, or holds NaN/inf.
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
    check_peak(float(np.max(np.abs(audio))), source)
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


def _unreadable(path: Path, exc: Exception) -> InputError:
    detail = getattr(exc, "error_string", None) or str(exc).split("\n")[0]
    detail = detail.replace(f"Error opening {str(path)!r}: ", "").strip(" :.")
    return InputError(path, f"not a readable audio file ({detail or type(exc).__name__})")


def _declared_frames(fh: sf.SoundFile, path: Path) -> int | None:
    """Frames the header declares when it declares more data than the file holds (libsndfile
    silently reads what is there and reports that); None when the header is consistent."""
    import re

    log = fh.extra_info
    m = re.search(r"^data\s*:\s*(\d+) \(should be (\d+)\)", log, re.M)       # WAV, W64, RF64
    if m is None:
        m = re.search(r"Chunk size (\d+) > file length (\d+)", log)             # AIFF
    if m is not None:
        declared, actual = int(m.group(1)), int(m.group(2))
        if declared > actual and actual > 0 and fh.frames > 0:
            return int(round(fh.frames * declared / actual))
        return None
    if fh.format == "NIST":  # sample_count in the text header
        with open(path, "rb") as raw:
            head = raw.read(1024).decode("ascii", "replace")
        m = re.search(r"sample_count\s+-i\s+(\d+)", head)
        if m and int(m.group(1)) > fh.frames:
            return int(m.group(1))
    return None


def open_audio(path: str | os.PathLike, warn: bool = True) -> sf.SoundFile:
    """Open an audio file for reading (InputError naming it when it cannot be); warns with a
    :class:`TruncationWarning` when the header promises more audio than the file holds
    (``warn``: False for the second and later openings of one file)."""
    import warnings

    path = check_input(path, "audio")
    try:
        fh = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError, OSError) as exc:
        raise _unreadable(path, exc) from None
    declared = _declared_frames(fh, path) if warn else None
    if declared is not None:
        warnings.warn(f"{path}: truncated: the header declares {declared / fh.samplerate:.3f} s "
                      f"but the file holds {fh.frames / fh.samplerate:.3f} s; reading what is "
                      f"there", TruncationWarning, stacklevel=3)
    return fh


def read_blocks(fh: sf.SoundFile, sample_rate: int = SAMPLE_RATE,
                block: int = READ_BLOCK) -> Iterator[np.ndarray]:
    """Mono float64 blocks of an open file, resampled to ``sample_rate`` as a stream (the same
    samples as resampling the whole file at once), from the start; memory of one block."""
    path = fh.name
    stream = None if fh.samplerate == sample_rate else soxr.ResampleStream(
        fh.samplerate, sample_rate, 1, dtype="float64", quality="VHQ")
    try:
        fh.seek(0)
    except (sf.LibsndfileError, RuntimeError) as exc:  # a corrupt stream (cut-off FLAC)
        raise _unreadable(Path(path), exc) from None
    while True:
        try:
            data = fh.read(block, dtype="float64", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise _unreadable(Path(path), exc) from None
        last = data.shape[0] < block
        mono = data.mean(axis=1)  # float64: channels near +-3.4e38 do not overflow
        if stream is not None:
            mono = stream.resample_chunk(mono, last=last)
        if mono.size:
            yield mono
        if last:
            return


def scan(path: str | os.PathLike, sample_rate: int = SAMPLE_RATE) -> tuple[int, float]:
    """(samples at ``sample_rate``, peak) of a file, read block by block; InputError naming
    it when it holds NaN/inf or no samples."""
    n, peak = 0, 0.0
    with open_audio(path) as fh:
        for block in read_blocks(fh, sample_rate):
            if not np.all(np.isfinite(block)):
                raise InputError(path, "contains NaN or infinite samples")
            n += block.size
            peak = max(peak, float(np.max(np.abs(block))))
    if n == 0:
        raise InputError(path, "contains no samples")
    return n, peak


def full_scale(block: np.ndarray, peak: float) -> np.ndarray:
    """float32 samples scaled into [-1, 1] when the file's ``peak`` exceeds full scale.

    Float files may hold samples up to 3.4e38; every sfvae stage peak-normalises, but
    intermediate products (power spectra, the output's level) overflow float32 on such
    files. Scaling at read time is invisible downstream: outputs above 1 are scaled to
    0.99 on writing anyway.
    """
    if peak > 1.0:
        block = block / peak
    return block.astype(np.float32)


def read_native(path: str | os.PathLike, sample_rate: int | None = None) -> tuple[np.ndarray, int]:
    """(mono float64 samples, rate) of a file at its own rate (``sample_rate`` None) or
    resampled to ``sample_rate``; no scaling, no silence or length check (for measuring:
    Praat needs no resampling). Same checks as :func:`load`: InputError naming the file when
    it is missing, unreadable, empty or holds NaN/inf; a TruncationWarning when cut short."""
    path = Path(path)
    with open_audio(path) as fh:
        rate = int(fh.samplerate if sample_rate is None else sample_rate)
        audio = np.concatenate(list(read_blocks(fh, rate)) or [np.zeros(0)])
    if audio.size == 0:
        raise InputError(path, "contains no samples")
    if not np.all(np.isfinite(audio)):
        raise InputError(path, "contains NaN or infinite samples")
    return audio, rate


def load(path: str | os.PathLike, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Read wav/flac/ogg/mp3/NIST SPHERE (anything libsndfile reads) as mono float32.

    Channels are averaged and the result is resampled to ``sample_rate``. Not normalised
    (see :func:`normalize_peak`), except that a file whose peak exceeds full scale is scaled
    to a peak of 1 (:func:`full_scale`). A truncated file is read as far as it goes, with a
    TruncationWarning naming both durations.
    """
    audio, _ = read_native(path, sample_rate)
    return check_audio(full_scale(audio, float(np.max(np.abs(audio)))), Path(path))


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
         subtype: str | None = None) -> Path:
    """Write audio atomically (temporary file, then rename) in the format of ``path``'s
    extension (wav, flac, ogg, mp3: :func:`sfvae.fileio.audio_format`).

    ``subtype``: None for the format's own (PCM_16 for wav/flac, Vorbis, MPEG layer III).
    Audio whose peak exceeds 1 is scaled to a peak of 0.99 rather than clipped.
    """
    path = Path(path)
    fmt, default_subtype = audio_format(path)
    audio = np.asarray(audio, dtype=np.float32)
    if not np.all(np.isfinite(audio)):
        raise InputError(path, "refusing to write audio with NaN or infinite samples")
    top = float(np.max(np.abs(audio))) if audio.size else 0.0
    if top > 1.0:
        audio = audio * (0.99 / top)
    with atomic_path(path) as tmp:
        sf.write(str(tmp), audio, sample_rate, subtype=subtype or default_subtype, format=fmt)
    return path
