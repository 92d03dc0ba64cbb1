"""Soundgen-style source-filter synthesis of vowels (Anikin 2019; METHOD section 2).

Voiced source: one sine per harmonic of f0 below Nyquist, all harmonics sharing the phase
integrated from the f0 trajectory, with a spectral rolloff of ``rolloff`` dB/octave made
``rolloff_khz`` dB/octave steeper per kHz of f0 above 200 Hz. Filter: one resonance per
formant with poles at s = -pi*B +/- j*2*pi*F (Soundgen's bandwidth rule unless overridden),
times lip radiation (+6 dB/octave).

Design: the voiced part is additive synthesis in which each harmonic's amplitude is the
source rolloff times |H(f)| evaluated at the harmonic's own instantaneous frequency (on a
5 ms control grid, linearly interpolated to the sample rate). That is exact for a harmonic
source -- no frame-wise FFT filtering, no window leakage, time-varying formants come free --
and it is a few vectorised operations over [harmonics x samples]. Noise (breathing,
whisper) has no harmonics to evaluate at, so it is shaped in a short-time Fourier domain:
random complex spectra times |H| per frame, inverse FFT, Hann overlap-add.

Stochastic parts (temperature drift, jitter, shimmer, noise) draw from one seeded
``numpy.random.Generator``: a given seed gives bit-identical audio.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..conventions import SAMPLE_RATE
from ..errors import ArgumentError

__all__ = [
    "SourceSettings", "synthesize", "default_bandwidth", "complete_formants", "formant_gain",
    "DEFAULT_FORMANTS", "N_FORMANTS", "Trajectory", "check_sample_rate", "check_duration",
]

# A value that may change over time: a constant, or anchor values spread evenly from the
# first to the last sample (a per-frame track is the special case of one anchor per frame).
Trajectory = float | Sequence[float] | np.ndarray

# Soundgen's default (schwa-like) formants; f4, f5 are added by complete_formants().
DEFAULT_FORMANTS = (860.0, 1430.0, 2900.0)
# Formants always synthesised (more are added up to Nyquist): Praat's Burg (5 formants
# below 5500 Hz) then finds real resonances instead of inventing spurious ones (METHOD 6).
N_FORMANTS = 5
# Amplitudes are computed on this control grid and interpolated to the sample rate.
CONTROL_PERIOD_S = 0.005
# Harmonics fade out over the top 5 % below Nyquist instead of switching off abruptly.
NYQUIST_TAPER = 0.05
# Harmonics weaker than this everywhere (relative to the loudest; -100 dB) are skipped.
HARMONIC_FLOOR = 1e-5
# Noise is shaped with 32 ms Hann frames at 75 % overlap (constant overlap-add power).
NOISE_FRAME_S = 0.032


@dataclass(frozen=True)
class SourceSettings:
    """Source settings of a voice, in Soundgen's units.

    rolloff: dB/octave of the harmonic source (Soundgen: -9).
    rolloff_khz: further dB/octave per kHz of f0 above 200 Hz (Soundgen: -3).
    lip_radiation: dB/octave added by radiation at the lips (Soundgen: +6).
    jitter: standard deviation of f0 per glottal cycle, semitones (Soundgen jitterDep).
    shimmer: standard deviation of amplitude per glottal cycle, percent (shimmerDep).
    breathing: aspiration noise, RMS relative to the voiced part after filtering (0..).
    temperature: random drift of f0, amplitude and formants (Soundgen default 0.025;
        f0 drifts over a range of ``temperature * 20`` semitones per second).
    noise_rolloff_khz: spectral slope of the noise source, dB/kHz (Soundgen rolloffNoise).
    attack: fade-in/out length in seconds (Soundgen attackLen 50 ms).
    """

    rolloff: float = -9.0
    rolloff_khz: float = -3.0
    lip_radiation: float = 6.0
    jitter: float = 0.0
    shimmer: float = 0.0
    breathing: float = 0.0
    temperature: float = 0.025
    noise_rolloff_khz: float = -4.0
    attack: float = 0.05

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ArgumentError(
                    f"voice setting {field.name} must be a finite number; got {value!r}")
        for name in ("jitter", "shimmer", "breathing", "temperature", "attack"):
            if getattr(self, name) < 0:
                raise ArgumentError(f"voice setting {name} must be >= 0; got {getattr(self, name)}")

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)


def default_bandwidth(frequency: np.ndarray | float) -> np.ndarray:
    """Soundgen's formant bandwidth rule (Hz) as a function of formant frequency (Hz)."""
    f = np.asarray(frequency, dtype=np.float64)
    high = 50.0 * (1.0 + f**2 / 6e6)
    mid = 52.08 * (1.0 + (f - 500.0) ** 2 / 1e5)
    low = 26.385 - 0.042 * f + 0.0011 * f**2
    return np.where(f >= 500.0, high, np.where(f >= 250.0, mid, low))


def formant_gain(freq: np.ndarray, formants: np.ndarray, bandwidths: np.ndarray) -> np.ndarray:
    """|H(j 2 pi f)| of the cascade of resonances, unity gain at 0 Hz.

    ``formants``/``bandwidths`` are [n_formants, ...] broadcastable against ``freq``.
    Each resonance is |s|^2 / |(jw - s)(jw - s*)| with s = -pi B + j 2 pi F.
    """
    w = 2.0 * np.pi * np.asarray(freq, dtype=np.float64)
    gain = np.ones(np.broadcast_shapes(w.shape, np.shape(formants[0])), dtype=np.float64)
    for f, b in zip(formants, bandwidths):
        sigma, omega = np.pi * b, 2.0 * np.pi * f
        pole2 = sigma**2 + omega**2
        gain *= pole2 / np.sqrt((sigma**2 + (w - omega) ** 2) * (sigma**2 + (w + omega) ** 2))
    return gain


def complete_formants(formants: Sequence[float], nyquist: float | None = None,
                      n: int = N_FORMANTS) -> list[float]:
    """Add formants above the given ones, spaced like a uniform vocal tract.

    The dispersion D is the least-squares fit of F_k = (2k - 1) D / 2 to the given
    formants (Soundgen's estimate of vocal-tract length). Added formants sit at
    (2k - 1) D / 2, at least D / 2 above the one below, up to ``n`` formants and then, if
    ``nyquist`` is given, on up to just below it, as Soundgen fills the spectrum up to
    Nyquist. For (500, 1500, 2500) this gives 3500, 4500 (then 5500, 6500, 7500 at 16 kHz).
    Without the resonances above f5 the spectrum falls off a cliff there and Praat's Burg
    analysis spends poles on spurious formants between F1 and F2.
    """
    out = [float(f) for f in formants]
    odd = 2.0 * np.arange(1, len(out) + 1) - 1.0
    dispersion = 2.0 * float(np.dot(out, odd) / np.dot(odd, odd))
    limit = np.inf if nyquist is None else nyquist * (1.0 - NYQUIST_TAPER)
    while True:
        k = len(out) + 1
        nxt = max((2 * k - 1) * dispersion / 2.0, out[-1] + dispersion / 2.0)
        if (k > n and nyquist is None) or nxt >= limit:
            return out
        out.append(nxt)


def synthesize(
    f0: Trajectory | None,
    formants: Sequence[Trajectory] = DEFAULT_FORMANTS,
    duration: float = 1.0,
    *,
    sample_rate: int = SAMPLE_RATE,
    bandwidths: Sequence[Trajectory | None] | None = None,
    voice: SourceSettings | None = None,
    rolloff: float | None = None,
    rolloff_khz: float | None = None,
    jitter: float | None = None,
    shimmer: float | None = None,
    breathing: float | None = None,
    temperature: float | None = None,
    voiced: bool = True,
    seed: int | np.random.Generator = 0,
    peak: float = 0.9,
) -> np.ndarray:
    """Synthesise a vowel; returns float32 audio of ``round(duration * sample_rate)`` samples.

    f0: Hz, constant or trajectory (anchors spread evenly over the duration); ignored
        (may be None) when ``voiced`` is False, which gives a whispered vowel.
    formants: f1, f2, ... in Hz, each constant or a trajectory; resonances above the last
        one are added up to Nyquist by :func:`complete_formants`.
    bandwidths: per formant, None for Soundgen's rule or Hz (constant or trajectory).
    voice: source settings; the keyword arguments rolloff ... temperature override it.
    peak: the output is scaled to this peak absolute value.

    Raises :class:`ArgumentError` on non-positive or non-finite values, f0 or a formant at or
    above Nyquist, or formants that are not strictly increasing at every instant.
    """
    overrides = dict(rolloff=rolloff, rolloff_khz=rolloff_khz, jitter=jitter, shimmer=shimmer,
                     breathing=breathing, temperature=temperature)
    voice = dataclasses.replace(voice or SourceSettings(),
                                **{k: v for k, v in overrides.items() if v is not None})
    sample_rate = check_sample_rate(sample_rate)
    n_samples = check_duration(duration, sample_rate)
    if not (isinstance(peak, (int, float)) and 0 < peak <= 1):
        raise ArgumentError(f"peak must be in (0, 1]; got {peak!r}")
    rng = (seed if isinstance(seed, np.random.Generator)
           else np.random.default_rng(_check_seed(seed)))
    nyquist = sample_rate / 2.0

    control_hop = max(1, int(round(CONTROL_PERIOD_S * sample_rate)))
    n_control = n_samples // control_hop + 2  # control points at 0, hop, ... past the end
    # where each control point lies in the duration: trajectories' anchors span 0..1
    where = np.minimum(np.arange(n_control) * control_hop / max(n_samples - 1, 1), 1.0)
    f0_track = None
    if voiced:
        f0_track = _trajectory(f0, where, "f0")
        _check_positive(f0_track, "f0", "Hz")
        if np.any(f0_track >= nyquist):
            raise ArgumentError(
                f"f0 must be below the Nyquist limit ({nyquist:g} Hz at {sample_rate} Hz); "
                f"got {float(np.max(f0_track)):g} Hz")
    formant_tracks, bandwidth_tracks = _formant_tracks(formants, bandwidths, where, nyquist)

    # Temperature: slow random drifts, as Soundgen (range scales with duration).
    seconds = n_samples / sample_rate
    amplitude_drift = np.ones(n_control)
    if voice.temperature > 0:
        walks = _random_walks(rng, len(formant_tracks) + 1, n_control, control_hop / sample_rate)
        if voiced:
            f0_track = f0_track * 2.0 ** (walks[0] * voice.temperature * 20.0 * seconds / 12.0)
            amplitude_drift = 1.0 + walks[0] * voice.temperature
        formant_tracks = formant_tracks * (1.0 + walks[1:] * voice.temperature * 0.3)
        formant_tracks = _keep_increasing(formant_tracks, nyquist)

    out = np.zeros(n_samples, dtype=np.float64)
    if voiced:
        out += _harmonic_part(f0_track, formant_tracks, bandwidth_tracks, amplitude_drift,
                              voice, n_samples, control_hop, sample_rate, rng)
    if not voiced or voice.breathing > 0:
        noise = _noise_part(formant_tracks, bandwidth_tracks, voice, n_samples, control_hop,
                            sample_rate, rng)
        if voiced:
            noise *= voice.breathing * _rms(out) / max(_rms(noise), 1e-30)
        out += noise

    out = _fade(out, int(round(min(voice.attack, seconds / 4) * sample_rate)))
    top = float(np.max(np.abs(out)))
    if not np.isfinite(top) or top == 0.0:
        raise ArgumentError("synthesis produced silence; check f0, formants and duration")
    return (out * (peak / top)).astype(np.float32)


# -- source and noise ---------------------------------------------------------------------

def _harmonic_part(f0_track, formant_tracks, bandwidth_tracks, amplitude_drift, voice,
                   n_samples, control_hop, sample_rate, rng) -> np.ndarray:
    nyquist = sample_rate / 2.0
    positions = np.arange(n_samples, dtype=np.float64) / control_hop
    f0_samples = np.interp(positions, np.arange(len(f0_track)), f0_track)
    phase = np.cumsum(f0_samples) * (2.0 * np.pi / sample_rate)
    cycles = phase / (2.0 * np.pi)  # continuous glottal-cycle count
    n_cycles = int(cycles[-1]) + 2
    if voice.jitter > 0:
        per_cycle = 2.0 ** (rng.normal(0.0, voice.jitter, n_cycles) / 12.0)
        f0_samples = f0_samples * np.interp(cycles, np.arange(n_cycles), per_cycle)
        phase = np.cumsum(f0_samples) * (2.0 * np.pi / sample_rate)
        cycles = phase / (2.0 * np.pi)
        n_cycles = int(cycles[-1]) + 2
    # Start every harmonic at phase 0 (a pulse), as Soundgen does per glottal cycle.
    phase = phase - phase[0]

    n_harmonics = max(1, int(nyquist // float(np.min(f0_track))))
    k = np.arange(1, n_harmonics + 1, dtype=np.float64)[:, None]  # harmonic numbers
    freq = k * f0_track[None, :]  # [harmonics, control]
    slope = voice.rolloff + voice.rolloff_khz * (f0_track - 200.0) / 1000.0
    source_db = slope[None, :] * np.log2(k) + voice.lip_radiation * np.log2(freq)
    amps = 10.0 ** (source_db / 20.0)
    amps *= formant_gain(freq, formant_tracks[:, None, :], bandwidth_tracks[:, None, :])
    amps *= np.clip((nyquist - freq) / (NYQUIST_TAPER * nyquist), 0.0, 1.0)
    amps *= amplitude_drift[None, :]
    amps /= max(float(np.max(amps)), 1e-300)  # keep float32 well scaled

    # Harmonics above the last one that comes within 100 dB of the loudest are below
    # 16-bit resolution: leave them out.
    loud = np.flatnonzero(np.max(amps, axis=1) > HARMONIC_FLOOR)
    amps = amps[: loud[-1] + 1 if loud.size else 1]
    n_harm = amps.shape[0]

    # Per control segment s (control_hop samples), amplitudes go linearly from column s to
    # s + 1: out[s, j] = (1 - w_j) A[:, s] . S[:, s, j] + w_j A[:, s + 1] . S[:, s, j] with
    # S[k - 1, s, j] = sin(k phase), built by the Chebyshev recurrence
    # sin((k + 1) x) = 2 cos(x) sin(k x) - sin((k - 1) x) (float64: exact to ~1e-12, and
    # 4x faster than one sin() per harmonic and sample); one batched product per block.
    n_seg = -(-n_samples // control_hop)
    padded = np.empty(n_seg * control_hop)
    padded[:n_samples] = phase
    step = phase[-1] - phase[-2] if n_samples > 1 else 0.0  # continue the last increment
    padded[n_samples:] = phase[-1] + step * np.arange(1, n_seg * control_hop - n_samples + 1)
    wrapped = np.mod(padded, 2.0 * np.pi).reshape(n_seg, control_hop)
    ends = np.stack([amps[:, :n_seg].T, amps[:, 1:n_seg + 1].T], axis=1)  # [seg, 2, harm]
    w = np.arange(control_hop) / control_hop
    out = np.empty((n_seg, control_hop))
    block = max(1, 1_000_000 // (n_harm * control_hop))  # ~8 MB of sines per block
    for start in range(0, n_seg, block):
        sl = slice(start, min(n_seg, start + block))
        x = wrapped[sl]
        sines = np.empty((n_harm,) + x.shape)
        sines[0] = np.sin(x)
        twice_cos = 2.0 * np.cos(x)
        if n_harm > 1:
            np.multiply(twice_cos, sines[0], out=sines[1])
        for h in range(2, n_harm):
            np.multiply(twice_cos, sines[h - 1], out=sines[h])
            sines[h] -= sines[h - 2]
        both = np.matmul(ends[sl], sines.transpose(1, 0, 2))  # [seg, 2, hop]
        out[sl] = both[:, 0] * (1.0 - w) + both[:, 1] * w
    out = out.reshape(-1)[:n_samples]
    if voice.shimmer > 0:
        per_cycle = np.maximum(0.0, 1.0 + rng.normal(0.0, voice.shimmer / 100.0, n_cycles))
        out *= np.interp(cycles, np.arange(n_cycles), per_cycle)
    return out


def _noise_part(formant_tracks, bandwidth_tracks, voice, n_samples, control_hop,
                sample_rate, rng) -> np.ndarray:
    frame = int(2 ** round(math.log2(NOISE_FRAME_S * sample_rate)))
    hop = frame // 4
    n_frames = n_samples // hop + 4
    centres = (np.arange(n_frames) - 2) * hop + frame // 2  # sample index of each frame centre
    ctrl = np.clip(centres / control_hop, 0, formant_tracks.shape[1] - 1)
    grid = np.arange(formant_tracks.shape[1])
    f_frames = np.stack([np.interp(ctrl, grid, t) for t in formant_tracks])  # [formants, frames]
    b_frames = np.stack([np.interp(ctrl, grid, t) for t in bandwidth_tracks])
    freqs = np.fft.rfftfreq(frame, 1.0 / sample_rate)
    with np.errstate(divide="ignore"):
        lip_db = voice.lip_radiation * np.log2(np.maximum(freqs, freqs[1]))
    tilt = 10.0 ** ((lip_db + voice.noise_rolloff_khz * freqs / 1000.0) / 20.0)
    envelope = tilt[None, :] * formant_gain(freqs[None, :], f_frames[:, :, None],
                                            b_frames[:, :, None])
    spectra = (rng.standard_normal((n_frames, len(freqs)))
               + 1j * rng.standard_normal((n_frames, len(freqs)))) * envelope
    frames = np.fft.irfft(spectra, n=frame, axis=1) * np.hanning(frame + 1)[:frame]
    padded = np.zeros((n_frames + 8) * hop, dtype=np.float64)
    for j in range(4):  # overlap-add: frames j, j+4, ... do not overlap each other
        chunk = frames[j::4].reshape(-1)
        start = j * hop
        padded[start:start + chunk.size] += chunk
    offset = 2 * hop  # frame 0 starts 2 hops before sample 0
    return padded[offset:offset + n_samples]


# -- helpers ------------------------------------------------------------------------------

def _random_walks(rng: np.random.Generator, m: int, n: int, step_s: float) -> np.ndarray:
    """m smooth zero-mean random walks of n steps, each scaled to a peak-to-peak range of 1."""
    walks = np.cumsum(rng.standard_normal((m, n)), axis=1)
    width = max(1, int(round(0.1 / step_s)))  # smooth over ~100 ms
    kernel = np.hanning(2 * width + 1)
    kernel /= kernel.sum()
    padded = np.pad(walks, ((0, 0), (width, width)), mode="edge")
    walks = np.stack([np.convolve(row, kernel, mode="valid") for row in padded])
    walks -= walks.mean(axis=1, keepdims=True)
    span = np.ptp(walks, axis=1, keepdims=True)
    return walks / np.where(span > 0, span, 1.0)


def _fade(x: np.ndarray, n: int) -> np.ndarray:
    if n <= 1 or 2 * n > x.size:
        return x
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
    x = x.copy()
    x[:n] *= ramp
    x[-n:] *= ramp[::-1]
    return x


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x))))


def _trajectory(value: Trajectory | None, where: np.ndarray, name: str) -> np.ndarray:
    """Values at ``where`` (fractions 0..1 of the duration); anchors spread evenly over it."""
    if value is None:
        raise ArgumentError(f"{name} is required")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentError(
            f"{name} must be a number or a sequence of numbers; got {value!r}") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.size == 0:
        raise ArgumentError(
            f"{name} must be a number or a 1-D sequence of numbers; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ArgumentError(f"{name} contains NaN or infinite values")
    if arr.size == 1:
        return np.full(where.shape, arr[0])
    return np.interp(where * (arr.size - 1.0), np.arange(arr.size), arr)


def _check_positive(track: np.ndarray, name: str, unit: str) -> None:
    if np.any(track <= 0):
        raise ArgumentError(f"{name} must be positive; got {float(np.min(track)):g} {unit}")


def _formant_tracks(formants, bandwidths, where, nyquist):
    if formants is None or isinstance(formants, (int, float, np.floating)):
        raise ArgumentError("formants must be a sequence (f1, f2, ...)")
    formants = list(formants)
    if not formants:
        raise ArgumentError("at least one formant (f1) is required")
    if len(formants) > 16:
        raise ArgumentError(f"at most 16 formants are supported; got {len(formants)}")
    tracks = [_trajectory(f, where, f"f{i + 1}") for i, f in enumerate(formants)]
    for i, t in enumerate(tracks):
        _check_positive(t, f"f{i + 1}", "Hz")
        if np.any(t >= nyquist):
            raise ArgumentError(f"f{i + 1} must be below the Nyquist limit ({nyquist:g} Hz); "
                                f"got {float(np.max(t)):g} Hz")
    for i in range(1, len(tracks)):
        bad = tracks[i] <= tracks[i - 1]
        if np.any(bad):
            j = int(np.argmax(bad))
            raise ArgumentError(
                f"formants must be strictly increasing (f1 < f2 < ...); got f{i} = "
                f"{tracks[i - 1][j]:g} Hz and f{i + 1} = {tracks[i][j]:g} Hz")
    # Resonances above the given ones up to Nyquist, from the mean of each given track.
    means = complete_formants([float(t.mean()) for t in tracks], nyquist)
    tracks += [np.full(where.shape, f) for f in means[len(tracks):]]
    bandwidths = [] if bandwidths is None else list(bandwidths)
    if len(bandwidths) > len(formants):
        raise ArgumentError(f"{len(bandwidths)} bandwidths given for {len(formants)} formants")
    bandwidths += [None] * (len(tracks) - len(bandwidths))
    b_tracks = []
    for i, (b, t) in enumerate(zip(bandwidths, tracks)):
        if b is None:
            b_tracks.append(default_bandwidth(t))
        else:
            bt = _trajectory(b, where, f"bandwidth of f{i + 1}")
            _check_positive(bt, f"bandwidth of f{i + 1}", "Hz")
            b_tracks.append(bt)
    return np.stack(tracks), np.stack(b_tracks)


def _keep_increasing(tracks: np.ndarray, nyquist: float) -> np.ndarray:
    """After random drift, keep formants ordered and below Nyquist (drift is < 1 %)."""
    tracks = np.minimum(tracks, nyquist * 0.999)
    for i in range(1, len(tracks)):
        tracks[i] = np.maximum(tracks[i], tracks[i - 1] + 1.0)
    return tracks


def check_sample_rate(sample_rate) -> int:
    """``sample_rate`` as an int; ArgumentError unless an integer >= 1000 Hz."""
    if (isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer))
            or sample_rate < 1000):
        raise ArgumentError(f"sample_rate must be an integer >= 1000 Hz; got {sample_rate!r}")
    return int(sample_rate)


def check_duration(duration, sample_rate: int) -> int:
    """Number of samples of ``duration`` seconds; ArgumentError unless in (0, 600] s."""
    if not isinstance(duration, (int, float, np.floating)) or not math.isfinite(duration):
        raise ArgumentError(f"duration must be a finite number of seconds; got {duration!r}")
    if duration <= 0 or duration > 600:
        raise ArgumentError(f"duration must be in (0, 600] seconds; got {duration:g}")
    n = int(round(duration * sample_rate))
    if n < 2:
        raise ArgumentError(f"duration {duration:g} s is shorter than two samples")
    return n


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"seed must be a non-negative integer; got {seed!r}")
    return int(seed)
