"""Waveform reconstruction from an STFT magnitude (phase retrieval).

``reconstruct(magnitude [T, 513]) -> waveform`` with the frame conventions of
:mod:`sfvae.conventions` (centred, Hann 1024, hop 256, 16 kHz), i.e. the inverse of
:func:`sfvae.audio.stft` up to the phase. Methods:

- ``griffin-lim``: fast Griffin-Lim (Perraudin, Balazs, Sondergaard 2013), i.e. GLA with
  momentum; starts from ``init_phase`` when given (editing a recording passes the input's
  own phase), else from random phase.
- ``rtisi-la``: real-time iterative spectrogram inversion with look-ahead (Zhu, Beauregard,
  Wyse 2007), the released code's default and ours. It estimates each frame's phase from
  the signal already built, and ignores ``init_phase`` outside ``exact_frames``: starting
  its frames from the input's phase was measured worse on edited magnitudes (the input's
  harmonics are not the edited ones).
- ``pghi``: phase-gradient heap integration (Prusa, Balazs, Sondergaard 2017) via the
  ``pghipy`` package; no iterations.
- ``pghi+gla``: PGHI phase, refined by a few fast Griffin-Lim iterations.

Quality and speed of each, measured, are in benchmarks/README.md ("Phase reconstruction");
:data:`DEFAULT` and :data:`DEFAULT_ITERATIONS` come from there.
"""

from __future__ import annotations

import numpy as np
from scipy import fft

from .conventions import HOP_LENGTH, N_BINS, N_FFT, WIN_LENGTH
from .errors import ArgumentError

__all__ = [
    "METHODS", "DEFAULT", "DEFAULT_ITERATIONS", "DEFAULT_MOMENTUM", "reconstruct",
    "spectral_convergence", "log_spectral_distance",
]

METHODS = ("griffin-lim", "rtisi-la", "pghi", "pghi+gla")
# RTISI-LA, 2 iterations per frame, 0.08 s CPU per 10 s of speech: never far from the most
# natural (NISQA-TTS) on the magnitudes the VAE decodes, edited or not, where GLA and
# PGHI(+GLA) win on edits by ~0.1 and lose on plain resynthesis by 0.3-0.5 (benchmarks/README.md).
DEFAULT = "rtisi-la"
# Iterations per method when n_iter is not given (chosen in benchmarks/phase_methods.py):
# each at most ~0.15 s CPU for 10 s of audio.
DEFAULT_ITERATIONS = {"griffin-lim": 32, "rtisi-la": 2, "pghi": 0, "pghi+gla": 8}
# Perraudin's alpha; 0.99 is the modern default (librosa); the released code used 0.3.
DEFAULT_MOMENTUM = 0.99
# Gaussian-equivalent time-frequency ratio of a Hann window of length L: gamma = 0.25645 L^2
# (Prusa et al. 2017, table 1); PGHI needs it to turn log-magnitude slopes into phase slopes.
HANN_GAMMA = 0.25645 * WIN_LENGTH**2
# Bins below this fraction of the largest magnitude get no integrated phase (PGHI "tol").
PGHI_TOLERANCE = 1e-5
_EPS = 1e-12


def _window() -> np.ndarray:
    """Periodic Hann, as torch.hann_window(periodic=True) in sfvae.audio."""
    return np.hanning(WIN_LENGTH + 1)[:-1].astype(np.float32)


def _inverse_envelope(n_frames: int) -> np.ndarray:
    """1 / sum_t w^2(n - t hop) over the padded signal: the WOLA normaliser."""
    window = _window()
    envelope = _overlap_add(np.broadcast_to(window**2, (n_frames, N_FFT)))
    return (1.0 / np.maximum(envelope, 1e-8)).astype(np.float32)


def _overlap_add(frames: np.ndarray) -> np.ndarray:
    """Sum frames [T, N] at hop spacing into a padded signal of (T - 1) hop + N samples.

    N is a multiple of the hop, so this is N/hop shifted block additions (no Python loop
    over frames)."""
    n_frames = frames.shape[0]
    ratio = N_FFT // HOP_LENGTH
    out = np.zeros((n_frames + ratio - 1, HOP_LENGTH), dtype=frames.dtype)
    blocks = frames.reshape(n_frames, ratio, HOP_LENGTH)
    for q in range(ratio):
        out[q:q + n_frames] += blocks[:, q]
    return out.reshape(-1)


def _check_magnitude(magnitude: np.ndarray) -> np.ndarray:
    mag = np.asarray(magnitude)
    if mag.ndim != 2 or mag.shape[1] != N_BINS:
        raise ArgumentError(f"magnitude must be [frames, {N_BINS}], got shape {mag.shape}")
    if mag.shape[0] < 2:
        raise ArgumentError(f"magnitude needs at least 2 frames, got {mag.shape[0]}")
    if np.iscomplexobj(mag) or not np.all(np.isfinite(mag)) or np.any(mag < 0):
        raise ArgumentError("magnitude must be real, finite and non-negative")
    return mag.astype(np.float32)


def reconstruct(magnitude: np.ndarray, method: str = DEFAULT, init_phase: np.ndarray | None = None,
                n_iter: int | None = None, length: int | None = None,
                momentum: float = DEFAULT_MOMENTUM, seed: int = 0,
                exact_frames: np.ndarray | None = None) -> np.ndarray:
    """Waveform (float32, 16 kHz) whose STFT magnitude approximates ``magnitude`` [T, 513].

    ``init_phase`` [T, 513] (radians) is the starting phase of ``griffin-lim``; ``rtisi-la``
    and ``pghi`` compute their own and ignore it (see the module docstring), except on
    ``exact_frames`` ([T] bool, with ``init_phase``): frames whose magnitude is the one
    ``init_phase`` came with (an edit leaves them unchanged), which every method starts from
    that phase.
    ``n_iter`` defaults to :data:`DEFAULT_ITERATIONS` [method]; ``length`` (samples) defaults to
    ``(T - 1) * hop``, the length :func:`sfvae.audio.istft` gives. ``seed`` fixes the random
    initial phase of ``griffin-lim`` so that results are reproducible.
    """
    if method not in METHODS:
        raise ArgumentError(f"unknown phase reconstruction method {method!r}; "
                            f"choose one of {', '.join(METHODS)}")
    mag = _check_magnitude(magnitude)
    if init_phase is not None:
        init_phase = np.asarray(init_phase)
        if init_phase.shape != mag.shape or not np.all(np.isfinite(init_phase)):
            raise ArgumentError(f"init_phase must be finite with the magnitude's shape {mag.shape}, "
                                f"got {init_phase.shape}")
    if exact_frames is not None:
        exact_frames = np.asarray(exact_frames)
        if init_phase is None or exact_frames.shape != (mag.shape[0],) or exact_frames.dtype != bool:
            raise ArgumentError(f"exact_frames must be a boolean array of {mag.shape[0]} frames "
                                "and needs init_phase")
        if not exact_frames.any():
            exact_frames = None
    n_iter = DEFAULT_ITERATIONS[method] if n_iter is None else int(n_iter)
    if n_iter < 0:
        raise ArgumentError(f"n_iter must be >= 0, got {n_iter}")
    if method == "rtisi-la" and n_iter < 1:
        raise ArgumentError("rtisi-la needs n_iter >= 1 (iterations per frame)")
    if not 0.0 <= momentum < 1.5:
        raise ArgumentError(f"momentum must be in [0, 1.5), got {momentum}")
    length = (mag.shape[0] - 1) * HOP_LENGTH if length is None else int(length)
    if length < 1:
        raise ArgumentError(f"length must be positive, got {length}")

    if method == "griffin-lim":
        if init_phase is None:
            init_phase = np.random.default_rng(seed).uniform(-np.pi, np.pi, mag.shape)
        return _fast_griffin_lim(mag, init_phase, n_iter, length, momentum)
    if method == "rtisi-la":
        if exact_frames is None:
            return _rtisi_la(mag, n_iter, length)
        return _rtisi_la(mag, n_iter, length, init_phase, exact_frames)
    phase = pghi_phase(mag)
    if exact_frames is not None:
        phase[exact_frames] = init_phase[exact_frames]
    if method == "pghi" or n_iter == 0:
        return _fast_griffin_lim(mag, phase, 0, length, momentum)
    return _fast_griffin_lim(mag, phase, n_iter, length, momentum)


# --------------------------------------------------------------------------- Griffin-Lim

def _fast_griffin_lim(mag: np.ndarray, phase: np.ndarray, n_iter: int, length: int,
                      momentum: float) -> np.ndarray:
    """Fast GLA: c_n = P1(P2(t_{n-1})), t_n = c_n + alpha (c_n - c_{n-1}).

    P2 sets the magnitude, P1 = STFT(ISTFT(.)) projects onto consistent spectrograms. Only the
    phase of t_n is used, so t_n is kept as c_n - alpha/(1+alpha) c_{n-1} (same direction).
    The round trip works on the padded signal (frame t at t*hop, before the centring pad is
    cut), so edge frames see the signal estimate rather than a reflection of it, and a
    consistent spectrogram is a fixed point. scipy.fft in float32 on one thread: about twice
    as fast as torch.stft/istft here, and immune to thread oversubscription on a busy machine.
    """
    window = _window()
    inv_envelope = _inverse_envelope(mag.shape[0])
    target = mag.astype(np.float32)
    angles = np.exp(1j * np.asarray(phase, dtype=np.float32)).astype(np.complex64)
    previous = np.zeros_like(angles)
    weight = np.float32(momentum / (1.0 + momentum))
    for _ in range(n_iter):
        signal = _overlap_add(fft.irfft(target * angles, N_FFT, axis=1) * window) * inv_envelope
        frames = np.lib.stride_tricks.sliding_window_view(signal, N_FFT)[::HOP_LENGTH]
        rebuilt = fft.rfft(frames * window, axis=1)
        angles = rebuilt - weight * previous
        # Scale the (re, im) pairs by a real factor: numpy's complex / real division is ~5x slower.
        scale = 1.0 / (np.abs(angles) + np.float32(_EPS))
        angles.view(np.float32).reshape(*angles.shape, 2)[...] *= scale[..., None]
        previous = rebuilt
    signal = _overlap_add(fft.irfft(target * angles, N_FFT, axis=1) * window) * inv_envelope
    return _fit_length(signal[N_FFT // 2:N_FFT // 2 + length], length)


def _fit_length(x: np.ndarray, length: int) -> np.ndarray:
    x = x.astype(np.float32, copy=False)
    return x[:length] if x.size >= length else np.pad(x, (0, length - x.size))


# --------------------------------------------------------------------------- RTISI-LA

def _rtisi_la(mag: np.ndarray, n_iter: int, length: int, init_phase: np.ndarray | None = None,
              use_init: np.ndarray | None = None) -> np.ndarray:
    """RTISI-LA (Zhu et al. 2007), written here because no maintained Python package has it.

    Frames are committed one at a time, left to right. Frame m is committed after n_iter
    rounds over the look-ahead block m..m+k (k = N/hop - 1 = 3 frames): overlap-add the block
    onto the committed signal, re-analyse every frame of the block at once (batched FFT), impose
    the target magnitudes. A frame entering the block takes the phase of the partial signal
    already under it (RTISI's estimate), or ``init_phase`` on the frames ``use_init`` marks
    (all when None; :func:`reconstruct` passes only the exact frames: using it on every frame
    was measured worse). The paper's asymmetric
    window for the newest frame is not used. The loop over frames is sequential by nature;
    everything inside it is vectorised over the block.
    """
    n_frames = mag.shape[0]
    window = _window().astype(np.float64)
    look_ahead = N_FFT // HOP_LENGTH - 1
    padded_length = (n_frames - 1) * HOP_LENGTH + N_FFT
    # The full WOLA normaliser; the partial signal is divided by it too.
    inv_envelope = _inverse_envelope(n_frames).astype(np.float64)
    committed = np.zeros(padded_length)          # sum of w * frame over committed frames
    frames = np.zeros((n_frames, N_FFT))          # current time signal of every frame
    target = mag.astype(np.float64)
    offsets = np.arange(look_ahead + 1) * HOP_LENGTH
    centre_phase = np.pi * np.arange(N_BINS)

    def block_signal(first: int, last: int) -> np.ndarray:
        start, stop = first * HOP_LENGTH, last * HOP_LENGTH + N_FFT
        seg = committed[start:stop].copy()
        for j, t in enumerate(range(first, last + 1)):
            seg[offsets[j]:offsets[j] + N_FFT] += window * frames[t]
        return seg * inv_envelope[start:stop]

    def enter(t: int, first: int) -> None:
        """Initial estimate of frame t: the phase of the partial signal under it."""
        if init_phase is not None and (use_init is None or use_init[t]):
            phase = init_phase[t]
        else:
            frames[t] = 0.0
            spec = np.fft.rfft(window * block_signal(first, t)[-N_FFT:])
            # Nothing built under the frame yet (start, after digital silence): a pulse at the
            # frame centre. Zero phase would put it at the frame edge, where the window is 0,
            # and the frame (and RTISI's later estimates from it) would stay silent.
            phase = np.angle(spec) if np.any(np.abs(spec) > 1e-12) else centre_phase
        frames[t] = np.fft.irfft(target[t] * np.exp(1j * phase), N_FFT)

    for t in range(min(look_ahead, n_frames)):
        enter(t, 0)
    for m in range(n_frames):
        last = min(m + look_ahead, n_frames - 1)
        if last >= m + look_ahead:
            enter(last, m)
        count = last - m + 1
        for _ in range(n_iter):
            seg = block_signal(m, last)
            view = np.lib.stride_tricks.sliding_window_view(seg, N_FFT)[::HOP_LENGTH][:count]
            spec = np.fft.rfft(view * window, axis=1)
            spec *= target[m:last + 1] / (np.abs(spec) + _EPS)
            frames[m:last + 1] = np.fft.irfft(spec, N_FFT, axis=1)
        committed[m * HOP_LENGTH:m * HOP_LENGTH + N_FFT] += window * frames[m]
    signal = committed * inv_envelope
    return _fit_length(signal[N_FFT // 2:N_FFT // 2 + length], length)


# --------------------------------------------------------------------------- PGHI

_pghi_kernel = None


def _load_pghi():
    """pghipy's numba kernel, recompiled with cache=True (its own @jit recompiles ~6 s per
    process; the cached one loads in ~0.3 s)."""
    global _pghi_kernel
    if _pghi_kernel is None:
        try:
            import numba
            from pghipy import pghipy as pghi_module
        except ImportError as exc:
            raise ArgumentError(f"phase method 'pghi' needs the pghipy package ({exc}); "
                                "pip install pghipy, or choose griffin-lim or rtisi-la") from None
        _pghi_kernel = numba.njit(cache=True)(pghi_module.pghi.py_func)
    return _pghi_kernel


def pghi_phase(mag: np.ndarray) -> np.ndarray:
    """Phase [T, F] by phase-gradient heap integration of ``mag`` [T, F].

    pghipy's kernel takes any window through gamma and the hop and uses the same layout
    (frames first) and phase convention as torch.stft (frame origin at the frame start, so
    +pi per bin for a window centred in the frame), so no resampling of the grid is needed.
    """
    kernel = _load_pghi()
    return kernel(np.ascontiguousarray(mag, dtype=np.float64), WIN_LENGTH, HOP_LENGTH,
                  HANN_GAMMA, PGHI_TOLERANCE)


# --------------------------------------------------------------------------- quality

def spectral_convergence(target: np.ndarray, audio: np.ndarray) -> float:
    """|| |S| - |STFT(audio)| ||_F / || |S| ||_F, frames cut to the shorter of the two."""
    from .audio import stft

    rebuilt = np.abs(stft(audio))
    n = min(len(rebuilt), len(target))
    diff = np.linalg.norm(np.abs(target[:n]) - rebuilt[:n])
    return float(diff / max(np.linalg.norm(target[:n]), _EPS))


def log_spectral_distance(target: np.ndarray, audio: np.ndarray, floor_db: float = -80.0) -> float:
    """Mean over frames of the RMS (over bins) difference of the dB spectra, in dB.

    Both spectra are floored at ``floor_db`` below the target's peak so that silent bins do
    not dominate.
    """
    from .audio import stft

    rebuilt = np.abs(stft(audio))
    n = min(len(rebuilt), len(target))
    ref = np.abs(target[:n]).astype(np.float64)
    floor = ref.max() * 10 ** (floor_db / 20)
    a = 20 * np.log10(np.maximum(ref, floor))
    b = 20 * np.log10(np.maximum(rebuilt[:n], floor))
    return float(np.mean(np.sqrt(np.mean((a - b) ** 2, axis=1))))
